/**
 * A work order's quota holds across crashes: a line of 4 heads (socat ptys,
 * simulated devices in this process so they outlive the station) provisions
 * 16 devices under an order with a quota of 6, from a CA that requires work
 * orders, and `custodian provision --watch` is killed with SIGKILL again and
 * again while the last slots are being taken. After each kill every open
 * intent still holds its slot (no device holds its certificate: it is
 * reconciled as abandoned, which frees it), and the certificates issued
 * under the order never exceed the quota. At the end the quota is used
 * exactly, each further device was refused WORK_ORDER_QUOTA_EXHAUSTED, every
 * certificate on a device is recorded, and every intent names the order.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certFacts, Ledger, LedgerRecorder, readWorkOrderUsage, type LedgerRecord } from '../../electron/core/ledger/index';
import { startSimulator, type SimulatorHandle } from '../../electron/core/simulator/index';
import { DeviceStore } from '../../electron/core/simulator/state';
import { runInProcess, startBin, type CliChild, type CliRun } from './helpers';

const W = mkdtempSync(join(tmpdir(), 'wo-kill-'));
const f = (name: string) => join(W, name);
const PASS_Y = 'factory-y passphrase';
writeFileSync(f('pass-x'), 'company-x passphrase\n', { mode: 0o600 });
writeFileSync(f('pass-y'), `${PASS_Y}\n`, { mode: 0o600 });
const WF = ['--work-factor', '17'];
const HEADS = 4;
const DEVICES_PER_HEAD = 4;
const QUOTA = 6;
const KILLS = 8;
const BUDGET_MS = 45_000;
const sims: SimulatorHandle[] = [];

const cli = (station: 'x' | 'y', args: string[], passphrase = true): Promise<CliRun> =>
  runInProcess(['--home', f(`home-${station}`), ...args, ...(passphrase ? ['--passphrase-file', f(`pass-${station}`)] : [])], { cwd: W });
function ok(r: CliRun): CliRun {
  expect(r.status, r.stderr + r.stdout).toBe(0);
  return r;
}
const deviceDir = (h: number, i: number): string => join(W, `dev-${h}-${i}`);
const deviceId = (h: number, i: number): string => `wo-${String(h * DEVICES_PER_HEAD + i).padStart(3, '0')}`;

beforeAll(async () => {
  ok(await cli('x', ['authority', 'init-root', '--cn', 'Company-X', '--days', '3650', ...WF]));
  ok(await cli('x', ['authority', 'export-chain', '--out', 'x-root.pem'], false));
  ok(await cli('y', ['authority', 'request', '--cn', 'Factory-Y', '--root', 'x-root.pem', ...WF, '--out', 'y.csr']));
  ok(await cli('x', ['authority', 'sign-subordinate', 'y.csr', '--path-len', '0', '--days', '1825', '--require-work-orders', '--out', 'y.bundle.pem']));
  ok(await cli('y', ['authority', 'import', 'y.bundle.pem'], false));
  const y = JSON.parse(ok(await cli('y', ['authority', 'show', '--json'], false)).stdout) as { chain: { fingerprintSha256: string }[] };
  ok(await cli('x', ['authority', 'work-order-signer', '--cn', 'Company-X work orders', '--days', '200', ...WF, '--out', 'signer']));
  ok(await cli('x', ['work-order', 'create', '--id', 'WO-K', '--for-ca', y.chain[0]!.fingerprintSha256, '--prefix', 'wo-', '--from', '0', '--to', '999', '--width', '3',
    '--quota', String(QUOTA), '--leaf-days', '365', '--out', 'wo-k.json'], false));
  ok(await cli('x', ['work-order', 'sign', 'wo-k.json', '--signer', 'signer', '--out', 'wo-k.cms']));
  ok(await cli('y', ['work-order', 'import', 'wo-k.cms'], false));
  // Each device's identity is set before it comes on the line, so the allow-list admits it.
  for (let h = 0; h < HEADS; h++) for (let i = 1; i < DEVICES_PER_HEAD; i++) await DeviceStore.open(deviceDir(h, i), { deviceId: deviceId(h, i) });
}, 120_000);
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop().catch(() => undefined)));
});

async function until(run: CliChild, done: (stderr: string) => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done(run.stderr) && Date.now() < deadline && run.child.exitCode === null) await new Promise((r) => setTimeout(r, 2));
  return done(run.stderr);
}
const count = (s: string, what: string): number => s.split(what).length - 1;

function leavesOnDevices(): Buffer[] {
  const out: Buffer[] = [];
  for (let h = 0; h < HEADS; h++) {
    for (let i = 0; i < DEVICES_PER_HEAD; i++) {
      const p = join(deviceDir(h, i), 'leaf.der');
      if (existsSync(p) && readFileSync(p).length) out.push(readFileSync(p));
    }
  }
  return out;
}

describe('a work order\'s quota under SIGKILL', () => {
  it('never issues more certificates than the quota, across repeated crashes on the last slots', async () => {
    const fixture = mkdtempSync(join(W, 'fixture-'));
    for (let h = 0; h < HEADS; h++) {
      sims.push(await startSimulator({
        stateDir: deviceDir(h, 0), transport: 'pty', baud: 115200, identity: { deviceId: deviceId(h, 0) },
        nextDevices: Array.from({ length: DEVICES_PER_HEAD - 1 }, (_, i) => deviceDir(h, i + 1)),
        ptyLink: join(fixture, `head-${h}.tty`),
      }));
    }
    const ports = Array.from({ length: HEADS }, (_, h) => ['--port', join(fixture, `head-${h}.tty`)]).flat();
    const argv = ['--home', f('home-y'), 'provision', ...ports, '--operator', 'ci', '--work-order', 'WO-K', '--watch'];
    const env = { CUSTODIAN_PASSPHRASE: PASS_Y };
    const ledgerDir = join(f('home-y'), 'ledger');
    const t0 = Date.now();
    let kills = 0;
    let reconciled = 0;
    let maxIssued = 0;
    while (kills < KILLS && Date.now() - t0 < BUDGET_MS) {
      const run = startBin(argv, { env });
      // Killed right after an intent was recorded (the slot taken, nothing signed yet), or anywhere after it.
      const started = await until(run, (e) => count(e, 'record intent') > 0 || /WORK_ORDER_QUOTA_EXHAUSTED/.test(e), 20_000);
      expect(started, run.stderr).toBe(true);
      const seen = count(run.stderr, 'record intent');
      if (kills % 2 === 0) await until(run, (e) => count(e, 'record intent') > seen, 3000);
      else await new Promise((r) => setTimeout(r, Math.random() * 500));
      run.child.kill('SIGKILL');
      await run.exited;
      kills++;
      const ledger = Ledger.open({ dir: ledgerDir });
      const usage = readWorkOrderUsage(ledger, 'WO-K');
      // Open intents hold their slots: what is reserved never passes the quota, and neither does what is issued.
      expect(usage.reserved).toBeLessThanOrEqual(QUOTA);
      expect(usage.issued).toBeLessThanOrEqual(QUOTA);
      maxIssued = Math.max(maxIssued, usage.issued);
      const recorder = new LedgerRecorder(ledger);
      const held = new Set(leavesOnDevices().map((der) => certFacts(der).serialHex));
      for (const u of recorder.unreconciled()) {
        expect(held.has(u.intent.serialHex), `intent #${u.index} is open but its certificate is on a device`).toBe(false);
        await recorder.reconcile(u.index, { resolution: 'abandoned', operator: 'ci', reason: 'station killed before the certificate was recorded; no device holds it' });
        reconciled++;
      }
      ledger.close();
    }
    // A last run, stopped cleanly once the quota is used: the remaining devices are refused.
    const last = startBin(argv, { env });
    const refused = await until(last, (e) => /WORK_ORDER_QUOTA_EXHAUSTED/.test(e), 40_000);
    expect(refused, last.stderr).toBe(true);
    last.child.kill('SIGTERM');
    await last.exited;

    const l = Ledger.open({ dir: ledgerDir, readOnly: true });
    const records: LedgerRecord[] = Array.from({ length: l.size }, (_, i) => l.record(i));
    const usage = readWorkOrderUsage(l, 'WO-K');
    l.close();
    expect(usage.issued).toBe(QUOTA);
    expect(usage.reserved).toBe(QUOTA);
    const intents = records.filter((r): r is Extract<LedgerRecord, { t: 'intent' }> => r.t === 'intent');
    expect(intents.every((i) => i.workOrder === 'WO-K')).toBe(true);
    const recorded = new Set(records.flatMap((r) => ((r.t === 'done' || (r.t === 'reconcile' && r.resolution === 'issued')) && r.cert ? [r.certSha256] : [])));
    const leaves = leavesOnDevices();
    expect(leaves.length).toBeLessThanOrEqual(QUOTA);
    for (const der of leaves) expect(recorded.has(certFacts(der).certSha256)).toBe(true);
    expect(kills).toBeGreaterThanOrEqual(4);
    // The station's own view of the order: nothing left.
    const listed = JSON.parse(ok(await cli('y', ['work-order', 'list', '--json'], false)).stdout) as { workOrders: unknown[] };
    expect(listed.workOrders).toEqual([expect.objectContaining({ id: 'WO-K', quota: QUOTA, issued: QUOTA, reserved: QUOTA, remaining: 0 })]);
    expect(ok(await cli('y', ['work-order', 'show', 'WO-K'], false)).stdout).toContain(`used      ${QUOTA} issued, 0 held by open intents, 0 left`);
    // The brand owner's audit, with the order it signed: 6 of 6 issued, nothing beyond it.
    ok(await cli('y', ['ledger', 'export', 'bundle-y'], true));
    const audit = JSON.parse(ok(await runInProcess(['audit', 'bundle-y', '--root', 'x-root.pem', '--work-orders', 'wo-k.cms', '--strict', '--json'], { cwd: W })).stdout) as { workOrders: unknown[] };
    expect(audit.workOrders).toEqual([{ id: 'WO-K', quota: QUOTA, issued: QUOTA, failed: expect.any(Number), remaining: 0, stations: [expect.any(String)] }]);
    const changed = readFileSync(f('wo-k.cms'));
    changed[changed.indexOf(`"quota": ${QUOTA}`) + 9] = '9'.charCodeAt(0);
    writeFileSync(f('wo-k.changed.cms'), changed);
    const badOrder = await runInProcess(['audit', 'bundle-y', '--root', 'x-root.pem', '--work-orders', 'wo-k.changed.cms', '--json'], { cwd: W });
    expect((JSON.parse(badOrder.stdout) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'AUDIT_INPUT_INVALID', message: expect.stringMatching(/does not verify against the root/) });
    console.log(`${kills} kills in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${usage.issued}/${QUOTA} issued, ${leaves.length} devices hold certificates, ${reconciled} open intents reconciled as abandoned, at most ${maxIssued} issued after any kill`);
  }, 180_000);
});
