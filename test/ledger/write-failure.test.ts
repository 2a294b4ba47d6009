/**
 * The ledger's own write sites outside provisioning: the lock file written
 * when it is opened, the key and genesis files written when it is created,
 * and LEDGER_LOCKED naming the process that holds the ledger.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger, LedgerRecorder, nodeIo, openStationLedger, type LedgerIo } from '../../electron/core/ledger';
import { describeLockHolder } from '../../electron/core/pid-lock';
import { makeHierarchy, makeLeaf, tempDir } from './helpers';

const ENOSPC = (): NodeJS.ErrnoException => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
const nameOf = (fd: number): string => readlinkSync(`/proc/self/fd/${fd}`).split('/').pop()!;

/** Every write to a file named `file` fails with ENOSPC while `full.on`. */
function fullAt(file: string | ((name: string, buf: Uint8Array, offset: number) => boolean)) {
  const full = { on: true, hits: 0 };
  const match = typeof file === 'string' ? (name: string) => name === file : file;
  const io: LedgerIo = {
    ...nodeIo,
    writeSync: (fd, buf, offset, length, position) => {
      if (full.on && match(nameOf(fd), buf, offset)) {
        full.hits++;
        throw ENOSPC();
      }
      return nodeIo.writeSync(fd, buf, offset, length, position);
    },
  };
  return { io, full };
}

describe('ledger write failures outside an append', () => {
  it('a lock file that cannot be written: LEDGER_WRITE_FAILED (site lock), no ledger.lock left, opens once there is space', () => {
    const dir = tempDir();
    openStationLedger({ dir, stationId: 'st-1' }).ledger.close();
    const { io, full } = fullAt('ledger.lock');
    expect(() => Ledger.open({ dir, io })).toThrow(expect.objectContaining({
      code: 'LEDGER_WRITE_FAILED',
      message: 'the ledger could not write its lock file ledger.lock (ENOSPC: the disk is full): nothing was written',
      details: expect.objectContaining({ site: 'lock', errno: 'ENOSPC', durable: false }),
    }));
    expect(full.hits).toBe(1);
    expect(existsSync(join(dir, 'ledger.lock'))).toBe(false);
    full.on = false;
    const l = Ledger.open({ dir, io });
    expect(existsSync(join(dir, 'ledger.lock'))).toBe(true);
    l.close();
    expect(existsSync(join(dir, 'ledger.lock'))).toBe(false);
  });

  for (const [what, match] of [
    ['key file', (name: string) => name === 'ledger.key.tmp'],
    ['genesis entry', (name: string) => name === 'entries.jsonl'],
    ['first checkpoint', (name: string) => name === 'checkpoints.jsonl'],
    ['checkpoint file', (name: string) => name === 'checkpoint.tmp'],
  ] as const) {
    it(`a new ledger whose ${what} cannot be written is not created, leaves nothing behind, and is created once there is space`, async () => {
      const dir = tempDir();
      const { io, full } = fullAt(match);
      let err: unknown;
      try {
        openStationLedger({ dir, stationId: 'st-1', io });
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'LEDGER_WRITE_FAILED', details: { errno: 'ENOSPC', durable: false } });
      expect((err as Error).message).toMatch(/\(ENOSPC: the disk is full\)/);
      expect((err as Error).message).toMatch(/the ledger was not created$/);
      expect(full.hits).toBeGreaterThan(0);
      // No half ledger: a genesis without its checkpoint would read as tampered on the next open.
      expect(readdirSync(dir)).toEqual([]);
      full.on = false;
      const { ledger, recorder } = openStationLedger({ dir, stationId: 'st-1', io });
      expect(ledger.size).toBe(1);
      await recorder.recordSession({ operator: 'op-1', action: 'login' });
      ledger.close();
      const again = Ledger.open({ dir });
      expect(again.size).toBe(2);
      expect(new LedgerRecorder(again).unreconciled()).toEqual([]);
      again.close();
    });
  }
});

describe('LEDGER_LOCKED', () => {
  it('names the holding process (pid, command line, start time) and how to stop it', async () => {
    const dir = tempDir();
    openStationLedger({ dir, stationId: 'st-1' }).ledger.close();
    // Another live process holds the lock.
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'holder-marker'], { stdio: 'ignore' });
    try {
      await new Promise((r) => holder.once('spawn', r));
      writeFileSync(join(dir, 'ledger.lock'), `${holder.pid}\n`);
      let err: { code?: string; message: string; details: Record<string, unknown> } | undefined;
      try {
        Ledger.open({ dir });
      } catch (e) {
        err = e as typeof err;
      }
      expect(err?.code).toBe('LEDGER_LOCKED');
      const h = describeLockHolder(holder.pid!);
      expect(h.command).toContain('holder-marker');
      expect(h.startedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      // Started moments ago (within the clock-tick rounding of /proc).
      expect(Math.abs(Date.parse(h.startedAt!) - Date.now())).toBeLessThan(60_000);
      expect(err!.message).toBe(
        `the ledger is open for writing by another process: pid ${holder.pid} (${h.command}), started ${h.startedAt}. `
        + `Stop it first (quit the Custodian app, press Ctrl-C where \`custodian provision\` runs, or \`kill -TERM ${holder.pid}\`; it closes the ledger cleanly), then run this again.`,
      );
      expect(err!.message).not.toMatch(/audit/);
      expect(err!.details).toMatchObject({ pid: holder.pid, command: h.command, startedAt: h.startedAt });
      // The lock stays the holder's.
      expect(existsSync(join(dir, 'ledger.lock'))).toBe(true);
    } finally {
      holder.kill();
    }
  });

  it('escapes control characters of the holder\'s command line', () => {
    const dir = tempDir();
    const proc = join(dir, 'proc');
    mkdirSync(join(proc, '4242'), { recursive: true });
    writeFileSync(join(proc, '4242', 'cmdline'), 'node\0evil\u001b[31m\u202Ename\0');
    writeFileSync(join(proc, '4242', 'stat'), '4242 (node (x)) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 500 0 0');
    writeFileSync(join(proc, 'stat'), 'cpu 0\nbtime 1700000000\n');
    expect(describeLockHolder(4242, proc)).toEqual({
      pid: 4242,
      command: 'node evil\\u001b[31m\\u202ename',
      startedAt: new Date((1700000000 + 5) * 1000).toISOString(),
    });
  });
});

describe('LEDGER_UNRECONCILED_INTENT', () => {
  it('names each open intent (index, device, serial) and the command that closes it', async () => {
    const dir = tempDir();
    const { custodian } = await makeHierarchy();
    const { ledger, recorder } = openStationLedger({ dir, stationId: 'st-1' });
    const a = await makeLeaf(custodian, 'dev-101');
    const b = await makeLeaf(custodian, 'dev-102');
    await recorder.recordIntent(a.intent);
    await recorder.recordIntent(b.intent);
    ledger.close();
    const { ledger: l2, recorder: r2 } = openStationLedger({ dir, stationId: 'st-1' });
    const c = await makeLeaf(custodian, 'dev-103');
    const at = r2.unreconciled().map((u) => u.at);
    await expect(r2.recordIntent(c.intent)).rejects.toMatchObject({
      code: 'LEDGER_UNRECONCILED_INTENT',
      message: `2 signing intent(s) from an interrupted run must be reconciled before anything is signed: `
        + `#1 (dev-101, serial ${a.intent.serialHex}, ${at[0]}), #2 (dev-102, serial ${b.intent.serialHex}, ${at[1]}). `
        + 'For each, find out whether its certificate reached the device, then run '
        + '`custodian ledger reconcile 1 --resolution abandoned|issued --reason "<what you found>" --operator <name>` (with that intent\'s number): '
        + 'abandoned when nothing from it was installed, issued with the certificate file when it was.',
      details: {
        intents: [1, 2],
        commands: [1, 2].map((n) => `custodian ledger reconcile ${n} --resolution abandoned|issued --reason "<what you found>" --operator <name>`),
      },
    });
    l2.close();
  });
});
