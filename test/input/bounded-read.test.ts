/**
 * Bounded reads (electron/core/bounded-read.ts): whatever the path names — a
 * regular file, /dev/zero, a symlink to it, a FIFO whose writer never stops,
 * a /proc file that reports size 0, a stream — the read stops one byte past
 * the bound with INPUT_TOO_LARGE naming the file and the bound, and an input
 * within the bound is returned whole.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { INPUT_LIMITS, formatBytes, readBounded, readBoundedSync, readStreamBounded } from '../../electron/core/bounded-read';
import { isCustodianError, type CustodianError } from '../../electron/core/errors';
import { openKeyFile } from '../../electron/core/vault/index';

const dir = mkdtempSync(join(tmpdir(), 'bounded-'));
const writers: ChildProcess[] = [];
afterEach(() => {
  // Only the writers this file started, each by its own handle.
  for (const w of writers.splice(0)) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
});

function caught(fn: () => unknown): CustodianError {
  try {
    fn();
  } catch (e) {
    if (isCustodianError(e)) return e;
    throw e;
  }
  throw new Error('expected a CustodianError');
}

async function caughtAsync(p: Promise<unknown>): Promise<CustodianError> {
  try {
    await p;
  } catch (e) {
    if (isCustodianError(e)) return e;
    throw e;
  }
  throw new Error('expected a CustodianError');
}

/** A FIFO with a writer process that writes forever (it dies of SIGPIPE once the reader closes). */
function endlessFifo(name: string): string {
  const path = join(dir, name);
  expect(spawnSync('mkfifo', [path]).status).toBe(0);
  const w = spawn('sh', ['-c', `exec yes custodian > "${path}"`], { stdio: 'ignore' });
  writers.push(w);
  return path;
}

describe('readBoundedSync', () => {
  it('returns a regular file at the bound whole and refuses one byte more, naming the file and the bound', () => {
    const at = join(dir, 'at.bin');
    const over = join(dir, 'over.bin');
    writeFileSync(at, Buffer.alloc(4096, 7));
    writeFileSync(over, Buffer.alloc(4097, 7));
    expect(readBoundedSync(at, { limit: 4096, what: 'passphrase file' }).equals(Buffer.alloc(4096, 7))).toBe(true);
    const e = caught(() => readBoundedSync(over, { limit: 4096, what: 'passphrase file', shown: 'over.bin' }));
    expect(e.code).toBe('INPUT_TOO_LARGE');
    expect(e.message).toBe('the passphrase file over.bin is larger than 4 KiB: refusing to read more (is it the right file?)');
    expect(e.details).toEqual({ path: 'over.bin', what: 'passphrase file', limitBytes: 4096 });
    expect(readBoundedSync(join(dir, 'at.bin'), { limit: 4096, what: 'x' }).length).toBe(4096);
  });

  it('refuses a regular file past the bound by its size, before reading it (a sparse 2 GiB + 1 file is refused at once)', () => {
    const huge = join(dir, 'entries.jsonl');
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, INPUT_LIMITS.entries + 1);
    closeSync(fd);
    const t = performance.now();
    expect(caught(() => readBoundedSync(huge, { limit: INPUT_LIMITS.entries, what: 'audit bundle file' })).message).toMatch(/larger than 2 GiB/);
    expect(performance.now() - t).toBeLessThan(500);
  });

  it('stops /dev/zero and a symlink to it at the bound', () => {
    const link = join(dir, 'zero-link');
    symlinkSync('/dev/zero', link);
    for (const p of ['/dev/zero', link]) {
      const e = caught(() => readBoundedSync(p, { limit: INPUT_LIMITS.csr, what: 'CSR file' }));
      expect(e.code).toBe('INPUT_TOO_LARGE');
      expect(e.message).toContain(`the CSR file ${p} is larger than 64 KiB`);
    }
  });

  it('stops a FIFO whose writer never stops at the bound', () => {
    const e = caught(() => readBoundedSync(endlessFifo('endless.fifo'), { limit: INPUT_LIMITS.bundle, what: 'bundle file' }));
    expect(e.code).toBe('INPUT_TOO_LARGE');
    expect(e.message).toMatch(/bundle file .*endless\.fifo is larger than 1 MiB/);
  });

  it('a FIFO that ends at the bound is read whole; one byte more is refused', () => {
    const fifo = (name: string, bytes: number) => {
      const path = join(dir, name);
      expect(spawnSync('mkfifo', [path]).status).toBe(0);
      writers.push(spawn('sh', ['-c', `head -c ${bytes} /dev/zero > "${path}"`], { stdio: 'ignore' }));
      return path;
    };
    expect(readBoundedSync(fifo('at.fifo', 100_000), { limit: 100_000, what: 'x' }).length).toBe(100_000);
    expect(caught(() => readBoundedSync(fifo('over.fifo', 100_001), { limit: 100_000, what: 'x' })).code).toBe('INPUT_TOO_LARGE');
  });

  it('reads a FIFO that ends within the bound whole', () => {
    const path = join(dir, 'short.fifo');
    expect(spawnSync('mkfifo', [path]).status).toBe(0);
    writers.push(spawn('sh', ['-c', `printf 'hello, station' > "${path}"`], { stdio: 'ignore' }));
    expect(readBoundedSync(path, { limit: 64, what: 'x' }).toString()).toBe('hello, station');
  });

  it('reads a file whose reported size is wrong (/proc reports 0) to its end', () => {
    const expected = readFileSync('/proc/self/status', 'utf8').split('\n')[0];
    expect(readBoundedSync('/proc/self/status', { limit: 1024 * 1024, what: 'x' }).toString('utf8').split('\n')[0]).toBe(expected);
    expect(caught(() => readBoundedSync('/proc/self/status', { limit: 10, what: 'status file' })).code).toBe('INPUT_TOO_LARGE');
  });

  it('with regularOnly, refuses a FIFO (without waiting for a writer) and a device before reading', () => {
    const fifo = join(dir, 'idle.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    for (const p of [fifo, '/dev/zero', dir]) {
      const e = caught(() => readBoundedSync(p, { limit: 100, what: 'audit bundle file', regularOnly: true }));
      expect(e.code, p).toBe('INPUT_NOT_A_FILE');
      expect(e.message).toContain(`the audit bundle file ${p} is not a regular file`);
    }
  });

  it('leaves I/O errors to the caller as Node errors', () => {
    expect(() => readBoundedSync(join(dir, 'missing'), { limit: 10, what: 'x' })).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});

describe('readBounded (the service) and readStreamBounded (stdin)', () => {
  it('readBounded stops /dev/zero and an endless FIFO at the bound and reads a file within it', async () => {
    expect((await caughtAsync(readBounded('/dev/zero', { limit: 1000, what: 'key file', shown: 'zero' }))).message).toContain('the key file zero is larger than 1000 bytes');
    expect((await caughtAsync(readBounded(endlessFifo('endless2.fifo'), { limit: INPUT_LIMITS.csr, what: 'CSR file' }))).code).toBe('INPUT_TOO_LARGE');
    writeFileSync(join(dir, 'ok.txt'), 'ok');
    expect((await readBounded(join(dir, 'ok.txt'), { limit: 2, what: 'x' })).toString()).toBe('ok');
    expect((await caughtAsync(readBounded('/dev/zero', { limit: 2, what: 'x', regularOnly: true }))).code).toBe('INPUT_NOT_A_FILE');
  });

  it('readStreamBounded stops an endless stream at the bound and destroys it', async () => {
    let produced = 0;
    const endless = new Readable({ read() { produced += 1024; this.push(Buffer.alloc(1024)); } });
    const e = await caughtAsync(readStreamBounded(endless, { limit: 4096, what: 'passphrase on', shown: 'stdin' }));
    expect(e.message).toBe('the passphrase on stdin is larger than 4 KiB: refusing to read more (is it the right file?)');
    expect(endless.destroyed).toBe(true);
    expect(produced).toBeLessThan(64 * 1024);
    expect((await readStreamBounded(Readable.from([Buffer.from('ab'), Buffer.from('c')]), { limit: 3, what: 'x', shown: 'stdin' })).toString()).toBe('abc');
  });

  it('formats bounds the way the docs state them', () => {
    expect([INPUT_LIMITS.csr, INPUT_LIMITS.bundle, INPUT_LIMITS.passphrase, INPUT_LIMITS.entries, 1000].map(formatBytes))
      .toEqual(['64 KiB', '1 MiB', '4 KiB', '2 GiB', '1000 bytes']);
  });
});

describe('the station\'s own key file', () => {
  it('a key file replaced by a FIFO that never stops is refused at 64 KiB, not read without end', async () => {
    const keyDir = join(dir, 'authority');
    expect(spawnSync('mkdir', ['-m', '700', keyDir]).status).toBe(0);
    const keyFile = join(keyDir, 'ca-key.age');
    expect(spawnSync('mkfifo', ['-m', '600', keyFile]).status).toBe(0);
    writers.push(spawn('sh', ['-c', `exec yes age-encryption > "${keyFile}"`], { stdio: 'ignore' }));
    const e = await caughtAsync(openKeyFile(keyFile, 'correct horse battery staple', async () => 1));
    expect(e.code).toBe('INPUT_TOO_LARGE');
    expect(e.message).toContain('the key file');
  });
});
