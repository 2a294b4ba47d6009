/**
 * The station API over the real core modules (authority with a vault-sealed
 * key, ledger, provisioning workflow, in-process simulated device), driven
 * through the HTTP bridge exactly as the UI drives it.
 */
import { readFile, readdir, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKeyFile } from '../../electron/core/vault/index';
import type { EventPayload } from '../../electron/shared/api';
import { bridgeCaller, startTestStation, type TestStation } from '../support/test-station';

const PASSPHRASE = 'integration passphrase 42';
let st: TestStation;
const seen: unknown[] = [];
const progress: EventPayload<'station.progress'>[] = [];

const { call, ok } = bridgeCaller(() => st.url, seen);

beforeAll(async () => {
  st = await startTestStation();
  st.service.on('station.progress', (p) => progress.push(p));
});
afterAll(async () => { await st?.close(); });

describe('station API over the real core', () => {
  let port = '';
  let deviceId = '';
  let ledgerIndex = -1;

  it('starts in first-run state with every area wired', async () => {
    const s = await ok('app.status');
    expect(s).toMatchObject({ firstRun: true, authorityConfigured: false, features: { authority: true, station: true, ledger: true, simulator: true } });
    expect(await ok('authority.status')).toMatchObject({ state: 'none' });
  });

  it('creates a demo authority (unlocked) and shows its chain', async () => {
    const r = await ok<{ status: { state: string; kind: string; fingerprint: string }; chain: { subject: string; pathLenRoom: number }[] }>('authority.createDemoAuthority', { passphrase: PASSPHRASE });
    expect(r.status).toMatchObject({ state: 'unlocked', kind: 'demo' });
    expect(r.chain).toHaveLength(1);
    expect(r.chain[0]).toMatchObject({ pathLenRoom: 0 });
    expect((await ok('app.status')).firstRun).toBe(false);
  });

  it('provisions a simulated device into the ledger with progress events', async () => {
    const sim = await ok<{ port: string; deviceId: string }>('simulator.start', { deviceId: 'dev-000123' });
    port = sim.port;
    deviceId = sim.deviceId;
    const ports = await ok<{ ports: { path: string; simulated: boolean }[] }>('station.listPorts');
    expect(ports.ports).toContainEqual(expect.objectContaining({ path: port, simulated: true }));
    const r = await ok<{ deviceId: string; ledgerIndex: number; serialHex: string; runId: string }>('station.provision', { port, operator: 'Ana', workOrder: 'WO-7' });
    expect(r.deviceId).toBe('dev-000123');
    ledgerIndex = r.ledgerIndex;
    const mine = progress.filter((p) => p.runId === r.runId);
    expect(mine.map((p) => `${p.step}:${p.state}`)).toEqual(expect.arrayContaining(['connect:succeeded', 'identify:succeeded', 'sign:succeeded', 'done:succeeded']));
    expect((await ok<{ counters: { issued: number } }>('station.status')).counters.issued).toBe(1);
    // The port was on `auto`: the simulated device answered as a Custodian-protocol device and gave the challenge proof.
    expect(r).toMatchObject({ driver: 'custodian', finalProof: 'challenge', proofs: expect.arrayContaining(['final-challenge']) });
    expect(mine.find((p) => p.step === 'connect' && p.state === 'succeeded')?.driver).toBe('custodian');
    expect(mine.find((p) => p.step === 'done' && p.state === 'succeeded')?.proof).toEqual({ finalProof: 'challenge', proofs: (r as unknown as { proofs: string[] }).proofs });
    const listed = await ok<{ ports: { path: string; driver: string; detectedDriver: string | null }[] }>('station.listPorts');
    expect(listed.ports.find((p) => p.path === port)).toMatchObject({ driver: 'auto', detectedDriver: 'custodian' });
  });

  it('enforces the station device-ID rule at identify, before anything is signed', async () => {
    await ok('settings.update', { deviceIdRule: { pattern: '^dev-[0-9]{6}$', example: 'dev-000001' } });
    const sim = await ok<{ port: string }>('simulator.start', { deviceId: 'Other_Device' });
    const before = (await ok<{ size: number }>('ledger.page', { start: 0, count: 1 })).size;
    const r = await call('station.provision', { port: sim.port, operator: 'Ana' });
    expect(r.ok || r.error.code).toBe('DEVICE_ID_INVALID');
    expect(progress.filter((p) => p.port === sim.port && p.state === 'failed').map((p) => p.step)).toEqual(['identify']);
    expect((await ok<{ size: number }>('ledger.page', { start: 0, count: 1 })).size).toBe(before);
    await ok('simulator.stop', { id: sim.port.slice('sim:'.length) });
  });

  it('refuses a port the station does not list', async () => {
    const r = await call('station.provision', { port: '/dev/not-a-port', operator: 'Ana' });
    expect(r.ok || r.error.code).toBe('DEVICE_NOT_FOUND');
  });

  it('pages, searches and shows the ledger entry with the decoded certificate and chain', async () => {
    const page = await ok<{ size: number; entries: { index: number; status: string; type: string; deviceId: string }[] }>('ledger.page', { start: 0, count: 50 });
    expect(page.size).toBeGreaterThan(2);
    expect(page.entries.find((e) => e.index === ledgerIndex)).toMatchObject({ status: 'issued', type: 'done', deviceId });
    const found = await ok<{ entries: { index: number }[] }>('ledger.search', { by: 'workOrder', value: 'WO-7' });
    expect(found.entries.map((e) => e.index)).toContain(ledgerIndex);
    const entry = await ok<{ certificate: { subject: string; isCa: boolean }; chain: unknown[]; operator: string }>('ledger.entry', { index: ledgerIndex });
    expect(entry.certificate).toMatchObject({ subject: `CN=${deviceId}`, isCa: false });
    expect(entry.chain).toHaveLength(1);
    expect(entry.operator).toBe('Ana');
    // every record of the run (intent, done, outcome) leads to the same certificate
    const run = await ok<{ entries: { index: number; type: string }[] }>('ledger.search', { by: 'deviceId', value: deviceId });
    expect(run.entries.map((e) => e.type)).toEqual(expect.arrayContaining(['intent', 'done']));
    for (const e of run.entries) {
      const d = await ok<{ certificate: { subject: string } | null }>('ledger.entry', { index: e.index });
      expect(d.certificate?.subject, e.type).toBe(`CN=${deviceId}`);
    }
  });

  it('exports a proof and an audit bundle through picked files, and verifies the ledger', async () => {
    const out = join(st.home, 'exports');
    await mkdir(out);
    st.picker.queueSave(join(out, 'proof.txt'));
    const save = await ok<{ handle: string }>('files.save', { purpose: 'proof', suggestedName: 'proof.txt' });
    await ok('ledger.exportProof', { index: ledgerIndex, target: save.handle });
    expect(await readFile(join(out, 'proof.txt'), 'utf8')).toMatch(/^c2sp\.org\/tlog-proof@v1/);

    st.picker.queueDirectory(out);
    const dir = await ok<{ handle: string }>('files.pickDirectory', { purpose: 'audit-bundle' });
    const bundle = await ok<{ written: { name: string }; size: number }>('ledger.exportAuditBundle', { target: dir.handle });
    expect(await readdir(join(out, bundle.written.name))).toEqual(expect.arrayContaining(['bundle.json', 'chain.pem', 'entries.jsonl']));

    expect(await ok('ledger.verify')).toMatchObject({ ok: true, anomalies: [] });
  });

  it('locks: provisioning then fails closed, unlocking with the passphrase restores it', async () => {
    expect(await ok('authority.lock')).toMatchObject({ state: 'locked' });
    const r = await call('station.provision', { port, operator: 'Ana' });
    expect(r.ok || r.error.code).toBe('AUTHORITY_LOCKED');
    const bad = await call('authority.unlock', { passphrase: 'wrong passphrase' });
    expect(bad.ok || bad.error.code).toBe('VAULT_WRONG_PASSPHRASE');
    expect(await ok('authority.unlock', { passphrase: PASSPHRASE })).toMatchObject({ state: 'unlocked' });
    await ok('authority.verificationCert', { code: 'ABC123' });
    await ok('authority.chain');
  });

  it('no result ever carried the CA key, its bytes or the passphrase', async () => {
    let pkcs8: Buffer | null = null;
    await openKeyFile(join(st.home, 'authority', 'ca-key.age'), PASSPHRASE, async (der: Uint8Array) => { pkcs8 = Buffer.from(der); return null; });
    expect(pkcs8).not.toBeNull();
    const key = pkcs8! as Buffer;
    const json = JSON.stringify(seen);
    expect(json).toContain('BEGIN CERTIFICATE');
    expect(json).not.toContain('PRIVATE KEY');
    expect(json).not.toContain(PASSPHRASE);
    for (const enc of ['base64', 'hex', 'base64url'] as const) expect(json).not.toContain(key.toString(enc));
    // and the EC private scalar alone (PKCS#8 P-256: 32 bytes after the 0x04 0x20 header)
    const at = key.indexOf(Buffer.from([0x04, 0x20]));
    const scalar = key.subarray(at + 2, at + 34);
    for (const enc of ['base64', 'hex', 'base64url'] as const) expect(json).not.toContain(scalar.toString(enc));
  });
});
