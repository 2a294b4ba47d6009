/**
 * Station-side fixtures for the e2e tests: a synthetic ledger of any size (to
 * measure the UI, not the ledger), and simulated devices on real ptys with a
 * hook to arm device faults (the API deliberately has no fault switch).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerEntryFacts, LedgerPort, SimulatorPort } from '../../electron/core/service/ports';
import { startSimulator, type Fault, type SimulatorHandle } from '../../electron/core/simulator/index';

const T0 = Date.parse('2026-01-05T06:00:00Z');

/** Entry `i` of the synthetic ledger: deterministic, 12 s apart, every 50th a failure. */
export function syntheticEntry(i: number): LedgerEntryFacts {
  const failed = i % 50 === 49;
  return {
    index: i,
    time: new Date(T0 + i * 12_000).toISOString(),
    status: failed ? 'failed' : 'issued',
    type: failed ? 'failed' : 'done',
    text: failed ? `dev-${i} failed during write` : `dev-${i} issued`,
    deviceId: `dev-${i.toString().padStart(7, '0')}`,
    serialHex: failed ? null : (0x10000000 + i).toString(16),
    workOrder: `WO-${1000 + Math.floor(i / 5000)}`,
    operator: ['alice', 'bob', 'carol'][i % 3]!,
    reissue: false,
    failure: failed ? { code: 'DEVICE_TIMEOUT', message: 'The device did not answer during write.' } : null,
  };
}

/** A read-only LedgerPort of `size` synthetic entries (nothing is stored). */
export function syntheticLedger(size: number): LedgerPort & { reads: { start: number; count: number }[] } {
  const reads: { start: number; count: number }[] = [];
  return {
    reads,
    async size() { return size; },
    async read(start, count) {
      reads.push({ start, count });
      return Array.from({ length: Math.max(0, Math.min(count, size - start)) }, (_, k) => syntheticEntry(start + k));
    },
    async search(by, value, limit) {
      const m = by === 'deviceId' ? /^dev-(\d{7})$/.exec(value) : by === 'serial' ? /^([0-9a-f]+)$/.exec(value) : null;
      const i = m?.[1] ? (by === 'deviceId' ? Number(m[1]) : parseInt(m[1], 16) - 0x10000000) : -1;
      const entries = i >= 0 && i < size ? [syntheticEntry(i)] : [];
      return { entries: entries.slice(0, limit), truncated: false };
    },
    async entry(index) { return syntheticEntry(index); },
    async exportAuditBundle() { return { bytes: 0, size }; },
    async proof(index) { return JSON.stringify({ index }); },
    async verify() { return { ok: true, size, anomalies: [] }; },
  };
}

export interface PtySimulator extends SimulatorPort {
  /** The running simulator behind a pty path (to arm faults). */
  handle(port: string): SimulatorHandle | undefined;
  /** Arm a fault on the next simulated device that starts (or on a running one by port). */
  armNext(fault: Fault): void;
}

/** Simulated devices on socat ptys (a real serial path for the station to open), with faults the test arms. */
export function ptySimulator(): PtySimulator {
  const running = new Map<string, { info: { id: string; port: string; deviceId: string; model: string }; sim: SimulatorHandle }>();
  let next: Fault[] = [];
  let n = 0;
  return {
    async start(opts) {
      n++;
      const deviceId = opts.deviceId ?? `dev-sim-${String(n).padStart(4, '0')}`;
      const sim = await startSimulator({
        stateDir: await mkdtemp(join(tmpdir(), 'custodian-e2e-sim-')),
        transport: 'pty',
        emulateWireTime: false,
        identity: { deviceId },
        faults: next,
      });
      next = [];
      const info = { id: `sim-${n}`, port: sim.path!, deviceId, model: opts.model ?? 'Custodian Sim' };
      running.set(info.id, { info, sim });
      return info;
    },
    async stop(id) {
      await running.get(id)?.sim.stop();
      running.delete(id);
    },
    list() { return [...running.values()].map((r) => r.info); },
    async stopAll() {
      await Promise.all([...running.values()].map((r) => r.sim.stop()));
      running.clear();
    },
    handle(port) { return [...running.values()].find((r) => r.info.port === port)?.sim; },
    armNext(fault) { next.push(fault); },
  };
}
