/**
 * The nRF91 provisioning cycle against its wire floor, in the same run.
 *
 * Each modem is `custodian simulate --driver nrf91` in a child process on its
 * own socat pty, with wire-time emulation at 115200 baud and a simulated
 * key-generation time. The station (this process) opens the port through the
 * nrf91 driver and runs the workflow into a real ledger with fsync: attach
 * (AT, AT+CMEE=1), identify, CFUN=4, AT%KEYGEN, the checks, signing, the
 * %CMNG writes of leaf + chain and the hub's trust anchors, read-back, CFUN
 * restore.
 *
 * Cycle = from opening the port to the workflow's result.
 * Floor = (every byte the modem received + sent) × 10 bits ÷ 115200 (base64
 * and PEM included, as they travel) + the modem's key-generation time, both
 * as the simulator counts them.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { wireTimeMs } from '../electron/core/device/wire';
import { openStationLedger } from '../electron/core/ledger/index';
import { openDeviceWithDriver } from '../electron/core/line/open-device';
import { stationDrivers } from '../electron/core/line/station-drivers';
import { DEFAULT_SETTINGS } from '../electron/shared/api/settings';
import { loadTrustBundle } from '../electron/core/hub/trust-bundle';
import { provisionDevice } from '../electron/core/station/workflow';
import { median, testIssuer } from './provisioning/support';
import type { BenchReport } from './run';

const BIN = fileURLToPath(new URL('../bin/custodian.js', import.meta.url));
const BAUD = 115_200;
/** The modem's own key generation, as the simulator spends it. */
const KEYGEN_DELAY_MS = 300;
const WARMUP = 2;
const MEASURED = 8;
const CYCLE_TARGET = 1.1;

interface ModemStats {
  bytesIn: number;
  bytesOut: number;
  deviceDelayMs: number;
  commands: number;
}

async function startModem(dir: string, i: number): Promise<{ path: string; stop(): Promise<ModemStats> }> {
  const path = join(dir, `modem-${i}.tty`);
  const args = [BIN, 'simulate', '--driver', 'nrf91', '--json', '--state', join(dir, `modem-${i}`), '--link', path, '--baud', String(BAUD), '--keygen-delay', String(KEYGEN_DELAY_MS)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const closed = new Promise<void>((r) => child.on('close', () => r()));
  const deadline = Date.now() + 90_000;
  while (!existsSync(path)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`nRF91 simulator did not start: ${err}${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 200));
  return {
    path,
    async stop() {
      child.kill('SIGTERM');
      await closed;
      return (JSON.parse(out) as { stats: ModemStats }).stats;
    },
  };
}

export default async function bench(): Promise<BenchReport> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-nrf91-'));
  const issuer = await testIssuer();
  const { ledger, recorder } = openStationLedger({ dir: join(dir, 'ledger'), stationId: 'bench-nrf91' });
  const drivers = stationDrivers(DEFAULT_SETTINGS);
  const trustAnchors = loadTrustBundle(DEFAULT_SETTINGS.trustAnchors).anchors.map((a) => a.der);
  const rows: Array<{ cycleMs: number; floorMs: number; bytes: number; commands: number }> = [];
  try {
    for (let i = 0; i < WARMUP + MEASURED; i++) {
      const modem = await startModem(dir, i);
      const t0 = performance.now();
      const { device } = await openDeviceWithDriver(modem.path, { driver: 'nrf91', drivers });
      const result = await provisionDevice({ device, issuer, recorder, operator: 'bench', trustAnchors });
      const cycleMs = performance.now() - t0;
      await device.close();
      const stats = await modem.stop();
      if (result.result !== 'passed') throw new Error(`modem ${i}: ${result.error.code} ${result.error.message}`);
      const bytes = stats.bytesIn + stats.bytesOut;
      if (i >= WARMUP) rows.push({ cycleMs, floorMs: wireTimeMs(bytes, BAUD) + stats.deviceDelayMs, bytes, commands: stats.commands });
    }
  } finally {
    ledger.close();
  }
  const cycle = median(rows.map((r) => r.cycleMs));
  const floor = median(rows.map((r) => r.floorMs));
  const ratio = median(rows.map((r) => r.cycleMs / r.floorMs));
  const worst = Math.max(...rows.map((r) => r.cycleMs / r.floorMs));
  const bytes = median(rows.map((r) => r.bytes));
  return {
    name: 'nrf91: provisioning cycle of an nRF91 modem at 115200 baud against its wire floor',
    lines: [
      `${MEASURED} fresh modems (after ${WARMUP} warm-up), each a simulator child on its own pty, ${BAUD} baud, key generation ${KEYGEN_DELAY_MS} ms`,
      `per modem: ${rows[0]!.commands} AT commands, ${bytes} bytes on the wire (base64 CSR + COSE, PEM chain and trust anchors, read-back)`,
      `cycle ${cycle.toFixed(0)} ms (median) against a floor of ${floor.toFixed(0)} ms (${wireTimeMs(bytes, BAUD).toFixed(0)} ms wire + ${KEYGEN_DELAY_MS} ms key generation): ${ratio.toFixed(3)}× (worst ${worst.toFixed(3)}×)`,
    ],
    targets: [{ label: `nRF91 cycle ≤ ${CYCLE_TARGET}× its wire floor (median ${ratio.toFixed(3)}×)`, met: ratio <= CYCLE_TARGET }],
  };
}
