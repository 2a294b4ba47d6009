/**
 * serveLine: N heads under one session and one ledger. Heads are independent
 * (a silent, disconnecting or faulty device fails on its own head while the
 * others pass), another head's running intent never refuses a device, a
 * count stops the line across heads, and patterns pick up ports that appear
 * late.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Authority } from '../../electron/core/authority/index';
import { Ledger, type LedgerRecord } from '../../electron/core/ledger/index';
import { serveLine, startStationSession, stationLedger, type StationLedger } from '../../electron/core/line/index';
import { matchPorts, portPatternProblem } from '../../electron/core/line/port-pattern';
import { startSimulator, type Fault, type SimulatorHandle } from '../../electron/core/simulator/index';
import type { ProvisioningResult } from '../../electron/core/station/events';
import { DEFAULT_SETTINGS } from '../../electron/shared/api/settings';
import { makeTestChain, type TestChain } from '../support/station-chain';

let chain: TestChain;
const sims: SimulatorHandle[] = [];
const ledgers: StationLedger[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop().catch(() => undefined)));
  for (const l of ledgers.splice(0)) l.close();
});

async function station() {
  chain ??= await makeTestChain();
  const home = mkdtempSync(join(tmpdir(), 'serve-line-'));
  const ledger = stationLedger(home, { stationId: 'line-1', idleCheckpointMs: 0 });
  ledgers.push(ledger);
  const authority = { issuer: () => chain.issuer } as unknown as Authority;
  return { home, ledger, session: startStationSession({ authority, ledger, settings: DEFAULT_SETTINGS }) };
}

/** A head: a simulated device (and `next` more behind it) on its own in-process link. */
async function head(home: string, name: string, o: { next?: number; faults?: Fault[] } = {}): Promise<SimulatorHandle> {
  const sim = await startSimulator({
    stateDir: join(home, `${name}-0`), identity: { deviceId: `${name}-0` },
    nextDevices: Array.from({ length: o.next ?? 0 }, (_, i) => join(home, `${name}-${i + 1}`)),
    emulateWireTime: false, keygenDelayMs: 20, ...(o.faults ? { faults: o.faults } : {}),
  });
  sims.push(sim);
  return sim;
}

function records(dir: string): LedgerRecord[] {
  const l = Ledger.open({ dir, readOnly: true });
  try {
    return Array.from({ length: l.size }, (_, i) => l.record(i));
  } finally {
    l.close();
  }
}

describe('serveLine', () => {
  it('serves every head at once; one head\'s silent, vanishing or faulty device fails alone while the others pass', async () => {
    const { home, ledger, session } = await station();
    const heads: Record<string, SimulatorHandle> = {
      'h-ok1': await head(home, 'ok1', { next: 2 }),
      'h-ok2': await head(home, 'ok2', { next: 2 }),
      'h-silent': await head(home, 'silent', { faults: [{ kind: 'silent', step: 'write-begin' }] }),
      'h-gone': await head(home, 'gone', { faults: [{ kind: 'disconnect', step: 'write-chunk' }] }),
      'h-err': await head(home, 'err', { faults: [{ kind: 'flash-write-failure' }] }),
    };
    const stop = new AbortController();
    const byHead = new Map<string, ProvisioningResult[]>();
    const t0 = Date.now();
    const done = serveLine({
      session, ports: Object.keys(heads), signal: stop.signal, run: { operator: 'op-1' }, pollMs: 5, rescanMs: 20,
      openPort: async (path) => heads[path]!.connect(),
      onResult: (path, r) => {
        byHead.set(path, [...(byHead.get(path) ?? []), r]);
        const ok = (byHead.get('h-ok1')?.length ?? 0) + (byHead.get('h-ok2')?.length ?? 0);
        const faulty = ['h-silent', 'h-gone', 'h-err'].every((h) => byHead.has(h));
        if (ok >= 6 && faulty) stop.abort();
      },
    });
    const out = await done;
    // The healthy heads passed three devices each, not held up by the silent head's device timeout.
    for (const h of ['h-ok1', 'h-ok2']) expect(byHead.get(h)!.slice(0, 3).map((r) => r.result)).toEqual(['passed', 'passed', 'passed']);
    for (const h of ['h-silent', 'h-gone', 'h-err']) expect(byHead.get(h)![0]!.result).toBe('failed');
    const gone = byHead.get('h-gone')![0] as Extract<ProvisioningResult, { result: 'failed' }>;
    // The device vanished mid-write: its certificate is signed and recorded, a retry re-installs it.
    expect(gone.record.recorded).toBe(true);
    // A failed head's statements never name another head's running intent.
    for (const h of ['h-silent', 'h-gone', 'h-err']) {
      const r = byHead.get(h)![0] as Extract<ProvisioningResult, { result: 'failed' }>;
      expect(r.record.openIntents).toEqual([]);
    }
    expect(out.stoppedBy).toBe('operator');
    expect(out.heads.map((h) => h.error)).toEqual([null, null, null, null, null]);
    expect(Date.now() - t0).toBeLessThan(30_000);
    ledger.close();
    const recs = records(join(home, 'ledger'));
    const open = recs.filter((r) => r.t === 'intent' && !recs.some((c) => (c.t === 'done' || c.t === 'failed') && c.intent === r.n));
    expect(open).toEqual([]);
  }, 60_000);

  it('stops after --count devices across the line, each head claiming before it touches a device', async () => {
    const { home, session } = await station();
    const heads = [await head(home, 'a', { next: 5 }), await head(home, 'b', { next: 5 }), await head(home, 'c', { next: 5 })];
    const out = await serveLine({
      session, ports: ['a', 'b', 'c'], signal: new AbortController().signal, run: { operator: 'op-1' }, pollMs: 5, rescanMs: 20,
      maxDevices: 4, openPort: async (path) => heads['abc'.indexOf(path)]!.connect(),
    });
    expect(out.stoppedBy).toBe('count');
    expect(out.results).toHaveLength(4);
    expect(out.results.every((r) => r.result === 'passed')).toBe(true);
    expect(out.heads.every((h) => h.results.length >= 1)).toBe(true);
  }, 60_000);

  it('a port pattern matches in natural order and picks up a head that appears later', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ports-'));
    for (const n of ['ttyUSB10', 'ttyUSB2', 'ttyACM0', 'ttyUSB1']) writeFileSync(join(dir, n), '');
    expect(matchPorts(join(dir, 'ttyUSB*'))).toEqual(['ttyUSB1', 'ttyUSB2', 'ttyUSB10'].map((n) => join(dir, n)));
    expect(matchPorts(join(dir, 'missing', 'tty*'))).toEqual([]);
    expect(portPatternProblem('COM*')).toMatch(/names a directory/);
    expect(portPatternProblem('/dev/*/tty0')).toMatch(/last part/);
    expect(portPatternProblem('/dev/ttyUSB0')).toBeNull();

    const { home, session } = await station();
    const sims = new Map<string, SimulatorHandle>();
    const fixture = join(dir, 'fixture');
    mkdirSync(fixture);
    const plug = async (name: string): Promise<void> => {
      sims.set(join(fixture, name), await head(home, name));
      writeFileSync(join(fixture, name), '');
    };
    await plug('head-1');
    const stop = new AbortController();
    const joined: string[] = [];
    const passed: string[] = [];
    const out = serveLine({
      session, ports: [join(fixture, 'head-*')], signal: stop.signal, run: { operator: 'op-1' }, pollMs: 5, rescanMs: 20,
      openPort: async (path) => sims.get(path)!.connect(),
      onHead: (p) => joined.push(p),
      onResult: (p, r) => {
        if (r.result === 'passed') passed.push(p);
        if (passed.length === 2) stop.abort();
      },
    });
    await new Promise((r) => setTimeout(r, 100));
    await plug('head-2'); // enumerates late
    await out;
    expect(joined).toEqual([join(fixture, 'head-1'), join(fixture, 'head-2')]);
    expect(new Set(passed)).toEqual(new Set(joined));
  }, 60_000);
});
