/**
 * A ledger that cannot write stops the line, at every write the ledger makes:
 * the entries file (each record of a device's run, write and fsync), the
 * checkpoint history, the checkpoint file (replaced between devices) and the
 * lock and key files written when it is opened or created. For each site
 * the station serves a first device, the disk fills at that write on the
 * next device (or between devices), and the test asserts
 *  - the halt and its exact statements: signed or not, recorded or not, sent
 *    or not, which intent is open and the reconcile command that closes it;
 *  - that the watch loop stops there (no later device is served);
 *  - that nothing recorded is lost: the ledger reopens, the operator does what
 *    the statements say, the audit passes, and the retry behaves as stated
 *    (re-installs without signing, or signs anew).
 */
import { mkdtempSync, readlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Authority } from '../../electron/core/authority/index';
import { CustodianError } from '../../electron/core/errors';
import { auditBundles, exportBundle, Ledger, LedgerRecorder, nodeIo, readBundle, type LedgerIo, type LedgerRecord } from '../../electron/core/ledger/index';
import { serveStation, startStationSession, stationHalt, stationLedger, type StationLedger } from '../../electron/core/line/index';
import { toPem } from '../../electron/core/pki/index';
import { startSimulator, type SimulatorHandle } from '../../electron/core/simulator/index';
import type { ProvisioningResult } from '../../electron/core/station/events';
import type { IdleClock } from '../../electron/core/ledger/idle-clock';
import { DEFAULT_SETTINGS } from '../../electron/shared/api/settings';
import { makeTestChain, type TestChain } from '../support/station-chain';

const ENOSPC = (): NodeJS.ErrnoException => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
const EIO = (): NodeJS.ErrnoException => Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO', errno: -5, syscall: 'fsync' });
const nameOf = (fd: number): string => readlinkSync(`/proc/self/fd/${fd}`).split('/').pop()!;
/** The record type a write to entries.jsonl carries (each line starts `{"t":"<type>"`). */
const typeOf = (buf: Uint8Array, offset: number): string | null => /^\{"t":"([a-z-]+)"/.exec(Buffer.from(buf.subarray(offset, offset + 32)).toString('utf8'))?.[1] ?? null;

type Site = { file: string; op: 'write' | 'fsync'; record?: string };

/**
 * A disk that fills at the first write matching `site` once `armed`: that
 * write fails, and so does every later write (`full`) until `free()`. An
 * fsync fault (`op: 'fsync'`, EIO) fails that fsync only.
 */
function fillingDisk(site: Site) {
  const state = { armed: false, full: false, hits: 0 };
  const matches = (fd: number, buf?: Uint8Array, offset = 0): boolean =>
    nameOf(fd) === site.file && (site.record === undefined || (buf !== undefined && typeOf(buf, offset) === site.record));
  const io: LedgerIo = {
    ...nodeIo,
    writeSync: (fd, buf, offset, length, position) => {
      if (state.full) throw ENOSPC();
      if (state.armed && site.op === 'write' && matches(fd, buf, offset)) {
        state.full = true;
        state.hits++;
        // A full disk takes part of the line: the ledger must cut it.
        if (length > 8) nodeIo.writeSync(fd, buf, offset, 8, position);
        throw ENOSPC();
      }
      return nodeIo.writeSync(fd, buf, offset, length, position);
    },
    fsyncSync: (fd) => {
      if (state.armed && site.op === 'fsync' && nameOf(fd) === site.file && state.hits === 0) {
        state.hits++;
        throw EIO();
      }
      nodeIo.fsyncSync(fd);
    },
  };
  return { io, state, free: () => { state.full = false; state.armed = false; } };
}

/** An idle clock that fires only when told (the checkpoint-file case replaces the file between devices). */
function manualClock(): IdleClock & { fire(): void } {
  let t = 0;
  const timers = new Set<{ at: number; fn: () => void }>();
  return {
    now: () => t,
    after(ms, fn) {
      const timer = { at: t + ms, fn };
      timers.add(timer);
      return () => timers.delete(timer);
    },
    fire() {
      t += 1_000_000;
      for (const timer of [...timers]) {
        timers.delete(timer);
        timer.fn();
      }
    },
  };
}

let chain: TestChain;
const homes: string[] = [];
const sims: SimulatorHandle[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop().catch(() => undefined)));
});

async function line(io: LedgerIo, idle: IdleClock) {
  chain ??= await makeTestChain();
  const home = mkdtempSync(join(tmpdir(), 'ledger-stop-'));
  homes.push(home);
  const ledger = stationLedger(home, { stationId: 'line-1', io, idleClock: idle });
  const authority = { issuer: () => chain.issuer } as unknown as Authority;
  const sim = await startSimulator({
    stateDir: join(home, 'dev-1'), nextDevices: [2, 3, 4].map((i) => join(home, `dev-${i}`)), emulateWireTime: false,
  });
  sims.push(sim);
  return { home, ledger, authority, sim };
}

function serve(st: { ledger: StationLedger; authority: Authority; sim: SimulatorHandle }, onResult: (r: ProvisioningResult, n: number) => void, maxDevices = 4) {
  const session = startStationSession({ authority: st.authority, ledger: st.ledger, settings: DEFAULT_SETTINGS });
  let n = 0;
  return serveStation({
    session, path: 'in-process', baud: 115200, signal: new AbortController().signal, run: { operator: 'op-1' },
    maxDevices, pollMs: 5, openPort: async () => st.sim.connect(),
    onResult: (r) => onResult(r, ++n),
  });
}

function records(dir: string): LedgerRecord[] {
  const l = Ledger.open({ dir, readOnly: true });
  try {
    return Array.from({ length: l.size }, (_, i) => l.record(i));
  } finally {
    l.close();
  }
}

/** The reconcile command the statements name for intent `n`, resolution abandoned. */
const reconcile = (n: number): string => `\`custodian ledger reconcile ${n} --resolution abandoned --reason "<what you found>" --operator <name>\` (the serial is never used)`;

interface Case {
  name: string;
  site: Site;
  /** When the disk fills: on the second device's run (default), between devices, or with a device fault first. */
  when?: 'second-device' | 'between-devices' | 'device-fault';
  failedStep?: string;
  /** The halt's statements; `s` is the second device's serial, `i` its intent's index. */
  statements: (s: string, i: number) => string[];
  /** What the operator does before the retry, as the statements say. */
  retry: 'reconcile-then-new-certificate' | 'reinstalled' | 'plain' | 'none';
}

const stopLine = (what: string) => `The ledger has stopped: the ledger could not ${what}. This station signs nothing more and stops serving the line until the cause is fixed and the ledger is reopened.`;
const ENTRIES_FULL = 'append to entries.jsonl (ENOSPC: the disk is full): the entry being written is not in the ledger; every entry before it is on disk';

const CASES: Case[] = [
  {
    name: 'entries file, the intent',
    site: { file: 'entries.jsonl', op: 'write', record: 'intent' },
    failedStep: 'intent',
    statements: () => ['Nothing was signed in this run.', stopLine(ENTRIES_FULL), 'No intent is left open: there is nothing to reconcile.'],
    retry: 'plain',
  },
  {
    name: 'entries file fsync, the intent (EIO)',
    site: { file: 'entries.jsonl', op: 'fsync', record: 'intent' },
    failedStep: 'intent',
    statements: () => ['Nothing was signed in this run.', stopLine('append to entries.jsonl (EIO: i/o error, fsync): the entry being written is not in the ledger; every entry before it is on disk'), 'No intent is left open: there is nothing to reconcile.'],
    retry: 'plain',
  },
  {
    name: 'entries file, the certificate (done): signed, not recorded',
    site: { file: 'entries.jsonl', op: 'write', record: 'done' },
    failedStep: 'record',
    statements: (s, i) => [
      `A certificate ${s} was signed in this run but is NOT recorded in the ledger (its record did not reach the disk); it was not sent to the device and is discarded.`,
      stopLine(ENTRIES_FULL),
      `Intent #${i} (DEV, serial ${s}) is open and blocks signing: its certificate never left the station; once the ledger can be written, close it with ${reconcile(i)}.`,
      'After the intent is reconciled, a retry signs a new certificate.',
    ],
    retry: 'reconcile-then-new-certificate',
  },
  {
    name: 'checkpoint history, after the certificate: signed and recorded, not sent',
    site: { file: 'checkpoints.jsonl', op: 'write' },
    failedStep: 'record',
    statements: (s) => [
      `A certificate ${s} was signed in this run and is recorded in the ledger; it was not sent to the device.`,
      stopLine('append a signed checkpoint to checkpoints.jsonl (ENOSPC: the disk is full): every entry is on disk, but the newest are not yet covered by a signed checkpoint; reopening the ledger signs one'),
      'No intent is left open: there is nothing to reconcile.',
      'A retry re-installs the recorded certificate without signing again.',
    ],
    retry: 'reinstalled',
  },
  {
    name: 'entries file, the outcome: provisioned, outcome missing',
    site: { file: 'entries.jsonl', op: 'write', record: 'outcome' },
    failedStep: 'done',
    statements: (s) => [
      `A certificate ${s} was signed in this run and is recorded in the ledger; it was sent to the device.`,
      stopLine(ENTRIES_FULL),
      'No intent is left open: there is nothing to reconcile.',
      'A retry re-installs the recorded certificate without signing again.',
    ],
    retry: 'none',
  },
  {
    name: 'entries file, the outcome of a device fault (flash write)',
    site: { file: 'entries.jsonl', op: 'write', record: 'outcome' },
    when: 'device-fault',
    failedStep: 'write',
    statements: (s) => [
      `A certificate ${s} was signed in this run and is recorded in the ledger; it was sent to the device.`,
      stopLine(ENTRIES_FULL),
      'No intent is left open: there is nothing to reconcile.',
      'A retry re-installs the recorded certificate without signing again.',
    ],
    retry: 'reinstalled',
  },
  {
    name: 'checkpoint file, replaced between devices',
    site: { file: 'checkpoint.tmp', op: 'write' },
    when: 'between-devices',
    statements: () => [
      'The ledger has stopped: the ledger could not replace the checkpoint file (ENOSPC: the disk is full): every entry and its signed checkpoint are on disk (checkpoints.jsonl); reopening the ledger brings checkpoint up to date. No device was being provisioned; nothing was signed since the last recorded device.',
      'This station signs nothing more and stops serving the line until the cause is fixed and the ledger is reopened.',
      'No intent is left open: there is nothing to reconcile.',
    ],
    retry: 'plain',
  },
];

describe('a ledger that cannot write stops the line and says what is true, at every write it makes', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const disk = fillingDisk(c.site);
      const idle = manualClock();
      const st = await line(disk.io, idle);
      // The simulator's faults apply to its first device: with one, the disk fills on that device's run.
      const onFirst = c.when === 'device-fault';
      if (onFirst) {
        st.sim.faults.inject({ kind: 'flash-write-failure', step: 'write-end' });
        disk.state.armed = true;
      }
      const results: ProvisioningResult[] = [];
      const served = await serve(st, (r, n) => {
        results.push(r);
        if (n !== 1 || onFirst) return;
        expect(r.result, JSON.stringify(r)).toBe('passed');
        disk.state.armed = true;
        if (c.when === 'between-devices') idle.fire();
      });
      expect(disk.state.hits).toBe(1);

      // The line stopped at once: no later device was served.
      const expectedRuns = c.when === 'between-devices' || onFirst ? 1 : 2;
      expect(results).toHaveLength(expectedRuns);
      // A device swapped in after the last commit is on the link, but the station never spoke to it.
      expect(st.sim.served().filter((d) => d.stats.requests > 0)).toHaveLength(expectedRuns);
      expect(served.stoppedBy).toBe('ledger');
      const halt = served.halt!;
      expect(halt.error).toBeInstanceOf(CustodianError);
      expect(halt.error.code).toBe('LEDGER_WRITE_FAILED');
      expect(halt.error.details.site).toBe(c.site.file === 'entries.jsonl' ? 'entries' : c.site.file === 'checkpoints.jsonl' ? 'checkpoint-history' : 'checkpoint-file');

      let serial = '';
      let intent = -1;
      if (c.when !== 'between-devices') {
        const r = results.at(-1)!;
        expect(r.result).toBe('failed');
        if (r.result !== 'failed') return;
        expect(r.failedStep).toBe(c.failedStep);
        serial = r.record.serialHex ?? '';
        intent = Number(r.record.openIntents[0]?.id ?? -1);
        expect(halt.statements).toEqual(c.statements(serial, intent).map((l) => l.replace('DEV', r.deviceId ?? '')));
      } else {
        expect(halt.statements).toEqual(c.statements('', -1));
      }
      // Signing stays refused while the ledger is stopped, before any device is touched.
      const again = startStationSession.bind(null, { authority: st.authority, ledger: st.ledger, settings: DEFAULT_SETTINGS });
      expect(again).toThrow(expect.objectContaining({ code: 'LEDGER_WRITE_FAILED' }));
      expect(stationHalt(st.ledger)).not.toBeNull();

      // The cause is fixed: the ledger closes (flushed), reopens intact and keeps every record.
      st.ledger.close();
      expect(existsSync(join(st.home, 'ledger', 'ledger.lock'))).toBe(false);
      disk.free();
      const dir = join(st.home, 'ledger');
      const recs = records(dir);
      const first = results[0]!;
      if (!onFirst) expect(first.result === 'passed' && recs.some((x) => x.t === 'done' && x.serialHex === first.serialHex)).toBe(true);
      const reopened = Ledger.open({ dir });
      const recorder = new LedgerRecorder(reopened);
      if (c.retry === 'reconcile-then-new-certificate') {
        expect(recorder.unreconciled().map((u) => u.index)).toEqual([intent]);
        await recorder.reconcile(intent, { resolution: 'abandoned', operator: 'op-1', reason: 'disk full: signed, never left the station' });
      }
      expect(recorder.unreconciled()).toEqual([]);
      const out = join(st.home, 'bundle');
      exportBundle(reopened, out, { chainPem: chain.issuer.caChain.slice(0, 2).map((d) => toPem(d, 'CERTIFICATE')).join('') });
      reopened.close();
      const report = auditBundles([readBundle(out)], { root: chain.rootDer, strict: true });
      expect(report.findings, JSON.stringify(report.findings)).toEqual([]);
      expect(report.ok).toBe(true);

      // The retry does what the statements said.
      if (c.retry === 'none') return;
      const retry: ProvisioningResult[] = [];
      const second = await serve(st, (r) => retry.push(r), 1);
      expect(second.halt).toBeNull();
      expect(retry).toHaveLength(1);
      const r = retry[0]!;
      expect(r.result, JSON.stringify(r)).toBe('passed');
      if (r.result !== 'passed') return;
      if (c.retry === 'reinstalled') {
        expect(r.how).toBe('reused');
        expect(r.serialHex).toBe(serial);
      } else if (c.retry === 'reconcile-then-new-certificate') {
        expect(r.how).toBe('signed');
        expect(r.serialHex).not.toBe(serial);
      }
      st.ledger.close();
    });
  }
});
