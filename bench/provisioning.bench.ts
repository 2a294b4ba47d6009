/**
 * Provisioning on a line: each device's cycle time against its wire floor, and
 * the station's own CPU time per device against that cycle time, both measured
 * in the same run.
 *
 * One station port is opened once and `serveDevices` (the `custodian provision
 * --watch` code path) serves device after device on it. The simulator (one
 * child process on a socat pty: wire-time emulation on, 120 ms secure-element
 * keygen) swaps in the next device behind the link as each one commits, as an
 * operator swaps devices behind a fixture's USB-serial adapter. Every device is
 * fresh: on-device keygen, CSR, signing, write and read-back, challenge, lock,
 * into a real ledger with fsync.
 *
 * A device's cycle runs from the end of the previous device's workflow to the
 * end of its own: its HELLO on the open port, then the workflow.
 * Floor = (bytes the station sent + received in the device's session) × 10 bits
 * ÷ 115200 + the device's own delays (keygen) as the simulator reports them.
 * Station CPU = process.cpuUsage() over the cycle; the simulator runs in its
 * own process, so this is the station side only.
 */
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceIdentity, ProtocolDeviceClient } from '../electron/core/device/index';
import { wireTimeMs } from '../electron/core/device/wire';
import { openStationLedger, type LedgerRecorder } from '../electron/core/ledger/index';
import { serveDevices } from '../electron/core/line/serve-port';
import type { PreparedIssuer } from '../electron/core/station/issuer';
import { provisionDevice } from '../electron/core/station/workflow';
import { BAUD, KEYGEN_DELAY_MS, MAX_PAYLOAD, median, quantile, startSimChild, testIssuer, type SimStats } from './provisioning/support';
import type { BenchReport } from './run';

/** Devices served first and not counted (module loading, first compiles, the ledger's first files). */
const WARMUP = 5;
const MEASURED = 40;
/** Cycle time at most this multiple of the wire floor. */
const CYCLE_TARGET = 1.1;
/** Station CPU per device at most this share of the device's cycle time. */
const CPU_SHARE_TARGET = 0.02;

interface Row {
  id: string;
  cycleMs: number;
  floorMs: number;
  wireMs: number;
  deviceMs: number;
  simProcessingMs: number;
  bytes: number;
  requests: number;
  cpuMs: number;
}

interface Measured {
  cycleMs: number;
  cpuMs: number;
  stats: ReturnType<ProtocolDeviceClient['stats']>;
}

async function provisionOne(issuer: PreparedIssuer, recorder: LedgerRecorder, device: ProtocolDeviceClient, identity: DeviceIdentity): Promise<void> {
  const result = await provisionDevice({ identity, device, issuer, recorder, operator: 'bench' });
  if (result.result !== 'passed') throw new Error(`${result.deviceId ?? '?'}: ${result.error.code} ${result.error.message}`);
}

function row(id: string, m: Measured, sim: SimStats): Row {
  const bytes = m.stats.bytesSent + m.stats.bytesReceived;
  const wireMs = wireTimeMs(bytes, BAUD);
  return {
    id, cycleMs: m.cycleMs, floorMs: wireMs + sim.deviceDelayMs, wireMs, deviceMs: sim.deviceDelayMs, simProcessingMs: sim.processingMs,
    bytes, requests: m.stats.requests, cpuMs: m.cpuMs,
  };
}

/** One port, opened once by serveDevices; the simulator swaps `n` devices behind it. */
async function runLine(dir: string, issuer: PreparedIssuer, recorder: LedgerRecorder, n: number): Promise<Row[]> {
  const ids = Array.from({ length: n }, (_, i) => `line-${String(i).padStart(3, '0')}`);
  const sim = await startSimChild(dir, ids[0]!, ids.slice(1).map((id) => join(dir, id)));
  const measured: Measured[] = [];
  let report: Awaited<ReturnType<typeof sim.stop>>;
  try {
    let t0 = performance.now();
    let cpu0 = process.cpuUsage();
    const served = await serveDevices({
      path: sim.path,
      baud: BAUD,
      signal: new AbortController().signal,
      maxDevices: n,
      handle: async (d, identity) => {
        const device = d as ProtocolDeviceClient;
        await provisionOne(issuer, recorder, device, identity);
        const cpu = process.cpuUsage(cpu0);
        measured.push({ cycleMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, stats: device.stats() });
        t0 = performance.now();
        cpu0 = process.cpuUsage();
      },
    });
    if (served !== n) throw new Error(`line: served ${served} of ${n} devices`);
  } finally {
    report = await sim.stop();
  }
  const perDevice = report.served ?? [];
  if (perDevice.length !== n) throw new Error(`line: the simulator reports ${perDevice.length} device(s)`);
  return measured.map((m, i) => row(perDevice[i]!.identity.deviceId, m, perDevice[i]!.stats));
}

const ms = (x: number, digits = 1): string => `${x.toFixed(digits)} ms`;
const pct = (x: number): string => `${(x * 100).toFixed(2)} %`;

export default async function provisioningBench(): Promise<BenchReport> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-provision-'));
  const issuer = await testIssuer();
  const { ledger, recorder } = openStationLedger({ dir: join(dir, 'ledger'), stationId: 'bench' });
  const load0 = loadavg();
  let rows: Row[];
  try {
    rows = await runLine(dir, issuer, recorder, WARMUP + MEASURED);
  } finally {
    ledger.close();
  }
  const measured = rows.slice(WARMUP);
  const m = (f: (r: Row) => number): number => median(measured.map(f));
  const q = (f: (r: Row) => number, p: number): number => quantile(measured.map(f), p);
  const cycleRatio = m((r) => r.cycleMs / r.floorMs);
  const cpuShare = m((r) => r.cpuMs / r.cycleMs);
  const cpu = m((r) => r.cpuMs);
  const cycle = m((r) => r.cycleMs);

  const lines = [
    `link: ${BAUD} baud 8N1 over a socat pty, simulator in a child process (wire-time emulation on, keygen ${KEYGEN_DELAY_MS} ms, ${MAX_PAYLOAD}-byte frames)`,
    `line: one port opened once, \`provision --watch\` path (serveDevices); ${WARMUP} warm-up + ${MEASURED} measured fresh devices swapped behind it, real ledger with fsync`,
    '',
    '    device      cycle ms   floor ms (wire + device)   bytes   cycle/floor   station CPU ms   CPU/cycle',
    ...rows.map((r, i) =>
      `    ${r.id.padEnd(10)}  ${r.cycleMs.toFixed(1).padStart(8)}   ${r.floorMs.toFixed(1).padStart(8)} (${r.wireMs.toFixed(1)} + ${r.deviceMs.toFixed(0)})   ${String(r.bytes).padStart(5)}   ${(r.cycleMs / r.floorMs).toFixed(3).padStart(11)}   ${r.cpuMs.toFixed(2).padStart(14)}   ${pct(r.cpuMs / r.cycleMs).padStart(9)}${i < WARMUP ? '  (warm-up)' : ''}`,
    ),
    '',
    `medians over the ${measured.length} measured devices:`,
    `  cycle ${ms(cycle)} vs floor ${ms(m((r) => r.floorMs))} (${ms(m((r) => r.wireMs))} wire + ${ms(m((r) => r.deviceMs), 0)} keygen): ${cycleRatio.toFixed(3)}× (quartiles ${q((r) => r.cycleMs / r.floorMs, 0.25).toFixed(3)}–${q((r) => r.cycleMs / r.floorMs, 0.75).toFixed(3)}×)`,
    `  cycle − floor ${ms(m((r) => r.cycleMs - r.floorMs))}, of which the simulator's own processing ${ms(m((r) => r.simProcessingMs))}; ${m((r) => r.requests)} requests per device`,
    `  station CPU ${ms(cpu, 2)} per device (quartiles ${ms(q((r) => r.cpuMs, 0.25), 2)}–${ms(q((r) => r.cpuMs, 0.75), 2)}): ${pct(cpuShare)} of the device's cycle time`,
    '',
    `machine load average: ${load0.map((x) => x.toFixed(1)).join(' ')} at start, ${loadavg().map((x) => x.toFixed(1)).join(' ')} at end, on ${cpus().length} CPUs`,
  ];
  return {
    name: 'provisioning on a line (115200 baud)',
    lines,
    targets: [
      { label: `cycle time within ${CYCLE_TARGET}× of the wire floor: measured ${cycleRatio.toFixed(3)}× (median), target ≤ ${CYCLE_TARGET}×`, met: cycleRatio <= CYCLE_TARGET },
      {
        label: `station CPU per device at most ${pct(CPU_SHARE_TARGET)} of its cycle time: measured ${ms(cpu, 2)} of ${ms(cycle)} = ${pct(cpuShare)} (median), target ≤ ${pct(CPU_SHARE_TARGET)}`,
        met: cpuShare <= CPU_SHARE_TARGET,
      },
    ],
  };
}
