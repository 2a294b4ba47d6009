/**
 * Durability of a line under SIGKILL: `custodian provision` serving 8 heads
 * (socat ptys, simulated devices in this process so they outlive the
 * station) is killed at random moments while devices are in flight, again
 * and again. After each kill the open intents are what a crash may leave:
 * none of them may have a certificate on any device (it is signed only
 * after its intent is durable and sent only after its done record is), so
 * each is reconciled as abandoned and the station restarts. At the end
 * every certificate any device holds is in the ledger, and the exported
 * ledger audits clean against the root.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certFacts, Ledger, LedgerRecorder, type LedgerRecord } from '../../electron/core/ledger/index';
import { buildDemoChain } from '../../electron/core/line/demo';
import { startSimulator, type SimulatorHandle } from '../../electron/core/simulator/index';
import { runBin, startBin, type CliChild } from './helpers';

const PASS = 'cli-kill-passphrase';
const env = { CUSTODIAN_PASSPHRASE: PASS };
const W = mkdtempSync(join(tmpdir(), 'cli-kill-'));
const HEADS = 8;
const DEVICES_PER_HEAD = 24;
const KILLS = 12;
/** The kills stop once this much time has gone, however many were made. */
const BUDGET_MS = 60_000;
let files: Awaited<ReturnType<typeof buildDemoChain>>;
const sims: SimulatorHandle[] = [];

const deviceDir = (h: number, i: number): string => join(W, `k${h}-${String(i).padStart(2, '0')}`);

beforeAll(async () => {
  files = await buildDemoChain(join(W, 'pki'), PASS, () => undefined);
});
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop().catch(() => undefined)));
});

async function until(run: CliChild, done: RegExp | ((stderr: string) => boolean), ms: number): Promise<boolean> {
  const test = typeof done === 'function' ? done : (s: string) => done.test(s);
  const deadline = Date.now() + ms;
  while (!test(run.stderr) && Date.now() < deadline && run.child.exitCode === null) await new Promise((r) => setTimeout(r, 2));
  return test(run.stderr);
}

const intents = (stderr: string): number => stderr.split('record intent').length - 1;

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The leaf each device stores now (state directories, as the simulator writes them). */
function deviceLeaves(): Array<{ dir: string; der: Buffer }> {
  const out: Array<{ dir: string; der: Buffer }> = [];
  for (let h = 0; h < HEADS; h++) {
    for (let i = 0; i < DEVICES_PER_HEAD; i++) {
      const f = join(deviceDir(h, i), 'leaf.der');
      if (existsSync(f)) {
        const der = readFileSync(f);
        if (der.length) out.push({ dir: deviceDir(h, i), der });
      }
    }
  }
  return out;
}

describe('a line of 8 heads killed with SIGKILL while devices are in flight', () => {
  it('never leaves a certificate on a device without its record; every open intent reconciles; the audit is clean', async () => {
    const h = mkdtempSync(join(W, 'home-'));
    cpSync(files.homes.technicianZ, h, { recursive: true });
    rmSync(join(h, 'ledger'), { recursive: true, force: true });
    const fixture = mkdtempSync(join(W, 'fixture-'));
    for (let k = 0; k < HEADS; k++) {
      sims.push(await startSimulator({
        stateDir: deviceDir(k, 0), transport: 'pty', baud: 115200, identity: { deviceId: `kill-${k}-00` },
        nextDevices: Array.from({ length: DEVICES_PER_HEAD - 1 }, (_, i) => deviceDir(k, i + 1)),
        ptyLink: join(fixture, `head-${k}.tty`),
      }));
    }
    const ports = Array.from({ length: HEADS }, (_, k) => ['--port', join(fixture, `head-${k}.tty`)]).flat();
    const ledgerDir = join(h, 'ledger');
    const t0 = Date.now();
    let kills = 0;
    let reconciled = 0;
    while (kills < KILLS && Date.now() - t0 < BUDGET_MS) {
      const run = startBin(['--home', h, 'provision', ...ports, '--operator', 'ci', '--watch'], { env });
      // Devices are in flight once the first intent is recorded. Every other kill lands anywhere
      // after it; the rest are aimed at the moment an intent has just been recorded (between
      // intent and done: the window a crash leaves open intents in).
      const inFlight = await until(run, /record intent/, 20_000);
      expect(inFlight, run.stderr).toBe(true);
      if (kills % 2 === 0) {
        await new Promise((r) => setTimeout(r, Math.random() * 1200));
      } else {
        await new Promise((r) => setTimeout(r, Math.random() * 600));
        const seen = intents(run.stderr);
        await until(run, (e) => intents(e) > seen, 5000);
      }
      run.child.kill('SIGKILL');
      await run.exited;
      kills++;
      // What the crash left open: no device may hold a certificate under it.
      const ledger = Ledger.open({ dir: ledgerDir });
      const recorder = new LedgerRecorder(ledger);
      const held = new Set(deviceLeaves().map((l) => certFacts(l.der).serialHex));
      for (const u of recorder.unreconciled()) {
        expect(held.has(u.intent.serialHex), `intent #${u.index} (${u.intent.deviceId}) is open but its certificate is on a device`).toBe(false);
        await recorder.reconcile(u.index, { resolution: 'abandoned', operator: 'ci', reason: 'station killed before the certificate was recorded; no device holds it' });
        reconciled++;
      }
      ledger.close();
    }
    // A last run, stopped cleanly: the line carries on where it was killed.
    const last = startBin(['--home', h, 'provision', ...ports, '--operator', 'ci', '--watch'], { env });
    expect(await until(last, /PASS/, 30_000), last.stderr).toBe(true);
    last.child.kill('SIGTERM');
    expect(await last.exited, last.stderr).toBe(0);

    expect(kills).toBeGreaterThanOrEqual(10);
    const records: LedgerRecord[] = (() => {
      const l = Ledger.open({ dir: ledgerDir, readOnly: true });
      try {
        expect(l.openReport.unreconciled).toEqual([]);
        return Array.from({ length: l.size }, (_, i) => l.record(i));
      } finally {
        l.close();
      }
    })();
    const recorded = new Set(records.flatMap((r) => (r.t === 'done' || (r.t === 'reconcile' && r.resolution === 'issued')) && r.certSha256 ? [r.certSha256] : []));
    const leaves = deviceLeaves();
    expect(leaves.length).toBeGreaterThanOrEqual(HEADS);
    for (const l of leaves) expect(recorded.has(sha256(l.der)), `${l.dir} holds a certificate the ledger does not record`).toBe(true);
    console.log(`${kills} kills in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${leaves.length} devices hold certificates, ${reconciled} open intents reconciled as abandoned`);

    const bundle = join(W, 'bundle');
    const exp = await runBin(['--home', h, 'ledger', 'export', bundle], { env });
    expect(exp.status, exp.stderr).toBe(0);
    const audit = await runBin(['audit', bundle, '--root', files.rootCertificate, '--strict'], { env });
    expect(audit.status, audit.stdout + audit.stderr).toBe(0);
  }, 150_000);
});
