/**
 * Every input the real `custodian` entry point reads is bounded, whatever the
 * path names: /dev/zero, a symlink to it, a FIFO whose writer never stops, a
 * regular file one byte past its bound, stdin. Each ends in seconds with
 * INPUT_TOO_LARGE (exit 3) naming the file and the bound; the files of an
 * audit bundle must be regular files (INPUT_NOT_A_FILE).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBin, type CliRun } from './helpers';

const W = mkdtempSync(join(tmpdir(), 'bounded-cli-'));
const f = (name: string) => join(W, name);
const writers: ChildProcess[] = [];
afterAll(() => {
  // Only the writers this file started, each by its own handle.
  for (const w of writers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
});

/** A FIFO fed by a writer that never stops (it dies of SIGPIPE once the CLI closes its end). */
function endlessFifo(name: string): string {
  expect(spawnSync('mkfifo', [f(name)]).status).toBe(0);
  writers.push(spawn('sh', ['-c', `exec yes "BEGIN CERTIFICATE" > "${f(name)}"`], { stdio: 'ignore' }));
  return f(name);
}

function sized(name: string, bytes: number): string {
  const fd = openSync(f(name), 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
  return f(name);
}

interface Refusal { status: number; code: string; message: string }
/** The refusal as an operator reads it: `error[CODE]: message` on stderr. */
function refusal(r: CliRun): Refusal {
  const m = /^error\[([A-Z0-9_]+)\]: (.*)$/m.exec(r.stderr);
  expect(m, r.stdout + r.stderr).not.toBeNull();
  return { status: r.status, code: m![1]!, message: m![2]! };
}

let homes = 0;
/** The real entry point, each run with its own station home (runs go in parallel). */
const cli = (args: string[], input?: string) => runBin(['--home', f(`home-${homes++}`), ...args], { cwd: W, ...(input !== undefined ? { input } : {}) });
const signSub = (csr: string) => cli(['authority', 'sign-subordinate', csr, '--path-len', '0', '--days', '1', '--out', f('out.pem')]);

describe('bounded reads through the real CLI', () => {
  it('a CSR of /dev/zero, of a symlink to it, of an endless FIFO: INPUT_TOO_LARGE at 64 KiB, exit 3, in seconds', async () => {
    symlinkSync('/dev/zero', f('zero.csr'));
    const t = performance.now();
    const runs = await Promise.all([signSub('/dev/zero'), signSub('zero.csr'), signSub(endlessFifo('endless.csr'))]);
    expect(performance.now() - t).toBeLessThan(20_000);
    const [zero, link, fifo] = runs.map(refusal);
    for (const r of [zero, link, fifo]) expect(r).toMatchObject({ status: 3, code: 'INPUT_TOO_LARGE' });
    expect(zero!.message).toBe('the CSR file /dev/zero is larger than 64 KiB: refusing to read more (is it the right file?)');
    expect(link!.message).toContain('the CSR file zero.csr is larger than 64 KiB');
    expect(fifo!.message).toContain('endless.csr is larger than 64 KiB');
  }, 30_000);

  it('a regular CSR file at the bound is read (and refused as a CSR); one byte more is INPUT_TOO_LARGE before reading', async () => {
    const [at, over] = (await Promise.all([signSub(sized('at.csr', 64 * 1024)), signSub(sized('over.csr', 64 * 1024 + 1))])).map(refusal);
    expect(at!.code).not.toBe('INPUT_TOO_LARGE');
    expect(at!.code).toMatch(/^CSR_/);
    expect(over).toMatchObject({ status: 3, code: 'INPUT_TOO_LARGE' });
  }, 30_000);

  it('a passphrase file of /dev/zero, of an endless FIFO, or 5 KiB on stdin: INPUT_TOO_LARGE at 4 KiB', async () => {
    const initRoot = (pp: string, input?: string) => cli(['authority', 'init-root', '--cn', 'Bounded Root', '--work-factor', '17', '--passphrase-file', pp], input);
    const runs = await Promise.all([initRoot('/dev/zero'), initRoot(endlessFifo('endless.pass')), initRoot('-', 'x'.repeat(5 * 1024))]);
    const [zero, fifo, stdin] = runs.map(refusal);
    for (const r of [zero, fifo, stdin]) expect(r).toMatchObject({ status: 3, code: 'INPUT_TOO_LARGE' });
    expect(zero!.message).toContain('the passphrase file /dev/zero is larger than 4 KiB');
    expect(stdin!.message).toContain('the passphrase on stdin is larger than 4 KiB');
  }, 30_000);

  it('a bundle, a chain, a certificate and a cosigned checkpoint of /dev/zero are each stopped at their bound', async () => {
    symlinkSync('/dev/zero', f('zero.bundle.pem'));
    const runs = await Promise.all([
      cli(['authority', 'import', 'zero.bundle.pem']),
      cli(['ledger', 'export', f('bundle-out'), '--chain', '/dev/zero']),
      cli(['ledger', 'reconcile', '1', '--resolution', 'issued', '--reason', 'r', '--operator', 'o', '--cert', '/dev/zero']),
      cli(['ledger', 'add-cosigned', '/dev/zero']),
    ]);
    const [bundle, chain, cert, note] = runs.map(refusal);
    for (const r of [bundle, chain, cert, note]) expect(r).toMatchObject({ status: 3, code: 'INPUT_TOO_LARGE' });
    expect(bundle!.message).toContain('the bundle file zero.bundle.pem is larger than 1 MiB');
    expect(chain!.message).toContain('the chain file /dev/zero is larger than 1 MiB');
    expect(cert!.message).toContain('the certificate file /dev/zero is larger than 1 MiB');
    expect(note!.message).toContain('the cosigned checkpoint file /dev/zero is larger than 64 KiB');
  }, 30_000);

  it('the audit: --root and --trusted-checkpoints of /dev/zero are stopped; a bundle file that is a device or too large is refused unread', async () => {
    writeFileSync(f('root.pem'), 'not a certificate');
    const bundle = (name: string, entries: (dir: string) => void) => {
      const dir = f(name);
      mkdirSync(dir);
      for (const file of ['checkpoint', 'ledger.vkey', 'chain.pem']) writeFileSync(join(dir, file), 'x\n');
      entries(join(dir, 'entries.jsonl'));
      return dir;
    };
    const device = bundle('device-bundle', (p) => symlinkSync('/dev/zero', p));
    const plain = bundle('plain-bundle', (p) => writeFileSync(p, '{}\n'));
    const huge = bundle('huge-bundle', (p) => { const fd = openSync(p, 'w'); ftruncateSync(fd, 2 * 1024 ** 3 + 1); closeSync(fd); });
    const runs = await Promise.all([
      cli(['audit', device, '--root', '/dev/zero']),
      cli(['audit', plain, '--root', f('root.pem'), '--trusted-checkpoints', '/dev/zero']),
      cli(['audit', device, '--root', f('root.pem')]),
      cli(['audit', huge, '--root', f('root.pem')]),
    ]);
    const [root, trusted, dev, big] = runs.map(refusal);
    expect(root).toMatchObject({ status: 3, code: 'INPUT_TOO_LARGE' });
    expect(root!.message).toContain('the root certificate /dev/zero is larger than 1 MiB');
    expect(trusted).toMatchObject({ status: 3, code: 'INPUT_TOO_LARGE' });
    expect(trusted!.message).toContain('larger than 64 MiB');
    expect(dev).toMatchObject({ status: 3, code: 'INPUT_NOT_A_FILE' });
    expect(dev!.message).toContain('entries.jsonl is not a regular file');
    expect(big).toMatchObject({ status: 3, code: 'INPUT_TOO_LARGE' });
    expect(big!.message).toContain('entries.jsonl is larger than 2 GiB');
  }, 30_000);
});
