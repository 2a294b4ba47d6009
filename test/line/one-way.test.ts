/**
 * One way to provision: the CLI (`custodian provision` on a pty) and the app
 * (the station service's Provision button, in-process simulated device) issue
 * the same certificate and ledger records for equal station settings. Two
 * copies of one Technician-Z station home serve the two paths, so issuer and
 * settings are the same and only the path differs.
 */
import 'reflect-metadata';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, type LedgerRecord } from '../../electron/core/ledger/index';
import { buildDemoChain } from '../../electron/core/line/demo';
import { SettingsStore } from '../../electron/core/line/station-settings';
import { ScriptedFilePicker } from '../../electron/core/service/bridge';
import { createDefaultStationService } from '../../electron/core/service/compose';
import { dispatch } from '../../electron/core/service/dispatch';
import { startSimulator, type SimulatorHandle } from '../../electron/core/simulator/index';
import { DEFAULT_SETTINGS, type Settings } from '../../electron/shared/api/settings';
import { Oid } from '../../electron/core/pki/oids';
import { runInProcess } from '../cli/helpers';

const PASS = 'one-way passphrase 31';
const W = mkdtempSync(join(tmpdir(), 'one-way-'));
let chain: Awaited<ReturnType<typeof buildDemoChain>>;
const sims: SimulatorHandle[] = [];

beforeAll(async () => {
  chain = await buildDemoChain(join(W, 'pki'), PASS, () => undefined);
});
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop().catch(() => undefined)));
});

interface Issued {
  result: 'passed' | 'failed';
  code: string | null;
  cert: X509Certificate | null;
  /** When the run started (the issuance moment is between this and `end`). */
  start: number;
  end: number;
  records: LedgerRecord[];
}

let homes = 0;
function stationHome(settings: Settings['validity'] & { pattern?: string }): Promise<string> {
  const home = join(W, `station-${++homes}`);
  cpSync(chain.homes.technicianZ, home, { recursive: true });
  return new SettingsStore(home).load().then(async (s) => {
    await new SettingsStore(home).update({
      validity: { leafDays: settings.leafDays, backdateMinutes: settings.backdateMinutes },
      deviceIdRule: settings.pattern ? { pattern: settings.pattern, example: '' } : s.deviceIdRule,
    });
    return home;
  });
}

/** Records of provisioning runs (intent onward): what either path adds for a device. */
function runRecords(home: string): LedgerRecord[] {
  const l = Ledger.open({ dir: join(home, 'ledger'), readOnly: true });
  try {
    const all = Array.from({ length: l.size }, (_, i) => l.record(i));
    const first = all.findIndex((r) => r.t === 'intent');
    return first < 0 ? [] : all.slice(first).filter((r) => ['intent', 'done', 'failed', 'outcome'].includes(r.t));
  } catch {
    return [];
  } finally {
    l.close();
  }
}

async function viaCli(home: string, deviceId: string): Promise<Issued> {
  const sim = await startSimulator({ stateDir: mkdtempSync(join(W, 'sim-')), transport: 'pty', baud: 115200, emulateWireTime: false, identity: { deviceId } });
  sims.push(sim);
  const start = Date.now();
  const r = await runInProcess(['--home', home, 'provision', '--port', sim.path!, '--operator', 'ana', '--work-order', 'WO-1', '--json'], { env: { CUSTODIAN_PASSPHRASE: PASS } });
  const end = Date.now();
  const leaf = sim.state().leaf;
  const out = JSON.parse(r.stdout || '{}') as { error?: { code: string } };
  return {
    result: r.status === 0 ? 'passed' : 'failed',
    code: out.error?.code ?? null,
    cert: r.status === 0 && leaf ? new X509Certificate(leaf) : null,
    start, end, records: runRecords(home),
  };
}

async function viaApp(home: string, deviceId: string): Promise<Issued> {
  const service = createDefaultStationService({
    home, platform: { files: new ScriptedFilePicker(), version: 'test', platform: process.platform },
    devices: { listPorts: async () => [] }, simulatorWireTime: false, watchIntervalMs: 60_000,
  });
  await service.start();
  try {
    const call = async (m: string, a?: unknown) => dispatch(service.api, m, a);
    const unlocked = await call('authority.unlock', { passphrase: PASS });
    if (!unlocked.ok) throw new Error(unlocked.error.code);
    const sim = await call('simulator.start', { deviceId });
    if (!sim.ok) throw new Error(sim.error.code);
    const port = (sim.value as { port: string }).port;
    const start = Date.now();
    const r = await call('station.provision', { port, operator: 'ana', workOrder: 'WO-1' });
    const end = Date.now();
    const entry = r.ok ? await call('ledger.entry', { index: (r.value as { ledgerIndex: number }).ledgerIndex }) : null;
    const der = entry?.ok ? (entry.value as { certificate: { pem: string } | null }).certificate?.pem : undefined;
    return { result: r.ok ? 'passed' : 'failed', code: r.ok ? null : r.error.code, cert: der ? new X509Certificate(der) : null, start, end, records: [] };
  } finally {
    await service.shutdown();
  }
}

/** What was issued, with what differs by nature (key, serial, time) taken out. */
function issuance(i: Issued) {
  const c = i.cert;
  return {
    result: i.result,
    code: i.code,
    subject: c?.subject ?? null,
    issuer: c?.issuer ?? null,
    signatureAlgorithm: c ? JSON.stringify(c.signatureAlgorithm) : null,
    lifetimeMs: c ? c.notAfter.getTime() - c.notBefore.getTime() : null,
    extensions: c?.extensions.map((e) => ({
      oid: e.type,
      critical: e.critical,
      value: e.type === Oid.subjectKeyIdentifier ? 'key-dependent' : Buffer.from(e.value).toString('hex'),
    })) ?? null,
    records: i.records.map((r) => {
      const { n: _n, at: _at, ...body } = r as Record<string, unknown>;
      const keep: Record<string, unknown> = { t: r.t };
      for (const k of ['deviceId', 'subject', 'issuerFingerprint', 'profile', 'operator', 'workOrder', 'result', 'code']) if (k in body) keep[k] = body[k];
      if (r.t === 'intent') keep.lifetimeMs = Date.parse(r.notAfter) - Date.parse(r.notBefore);
      return keep;
    }),
  };
}

const DAY = 86_400_000;
const rows: { name: string; validity: Settings['validity']; pattern?: string; deviceId: string; expect: { lifetimeDays?: number; backdateMinutes?: number; code?: string } }[] = [
  // The default 60-minute backdate reaches before the issuer's notBefore (5 minutes back): notBefore is clamped to it.
  { name: 'default settings', validity: DEFAULT_SETTINGS.validity, deviceId: 'dev-100001', expect: {} },
  { name: 'one year, no backdate', validity: { leafDays: 365, backdateMinutes: 0 }, deviceId: 'dev-100002', expect: { lifetimeDays: 365, backdateMinutes: 0 } },
  { name: '30 days, 3 minutes backdated', validity: { leafDays: 30, backdateMinutes: 3 }, deviceId: 'dev-100003', expect: { lifetimeDays: 30, backdateMinutes: 3 } },
  { name: "a device ID outside the station's rule", validity: { leafDays: 30, backdateMinutes: 0 }, pattern: '^sn-[0-9]{6}$', deviceId: 'dev-100004', expect: { code: 'DEVICE_ID_INVALID' } },
];

describe('one way to provision: CLI and app issue alike for equal settings', () => {
  it.each(rows)('$name', async (row) => {
    const cliHome = await stationHome({ ...row.validity, ...(row.pattern ? { pattern: row.pattern } : {}) });
    const appHome = await stationHome({ ...row.validity, ...(row.pattern ? { pattern: row.pattern } : {}) });
    const cli = await viaCli(cliHome, row.deviceId);
    const app = await viaApp(appHome, row.deviceId);
    app.records = runRecords(appHome);
    expect(issuance(app)).toEqual(issuance(cli));

    if (row.expect.code) {
      expect(cli).toMatchObject({ result: 'failed', code: row.expect.code, records: [] });
      return;
    }
    expect(cli.result).toBe('passed');
    expect(cli.records.map((r) => r.t)).toEqual(['intent', 'done', 'outcome']);
    for (const run of [cli, app]) {
      const c = run.cert!;
      if (row.expect.lifetimeDays !== undefined) expect(c.notAfter.getTime() - c.notBefore.getTime()).toBe(row.expect.lifetimeDays * DAY);
      if (row.expect.backdateMinutes !== undefined) {
        // notBefore = the moment of signing less the backdate, to the second.
        const back = row.expect.backdateMinutes * 60_000;
        expect(c.notBefore.getTime()).toBeGreaterThanOrEqual(Math.floor((run.start - back) / 1000) * 1000);
        expect(c.notBefore.getTime()).toBeLessThanOrEqual(run.end - back);
      }
    }
  });
});
