/**
 * The app's full verification of the ledger after start (over the test
 * bridge, as the renderer sees it): every entry re-hashed in the background
 * while the station serves, its progress and verdict pushed as
 * ledger.verification and kept in station.status; a tamper it finds (one
 * that open does not see: an edit inside the indexed entries) halts the
 * station with LEDGER_TAMPERED like a write failure, every record is
 * refused, and a resume finds the tamper at open.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventPayload } from '../../electron/shared/api';
import { bridgeCaller, startTestStation, type TestStation } from '../support/test-station';

const PASSPHRASE = 'verification test passphrase 42';
const stations: TestStation[] = [];
afterEach(async () => {
  for (const s of stations.splice(0)) await s.close();
});

/** A station home with an authority and three provisioned devices, copied while no process holds it. */
async function provisionedHome(): Promise<string> {
  const s = await startTestStation();
  stations.push(s);
  const api = bridgeCaller(() => s.url);
  await api.ok('authority.createDemoAuthority', { passphrase: PASSPHRASE });
  for (const id of ['dev-000001', 'dev-000002', 'dev-000003']) {
    const d = await api.ok<{ port: string }>('simulator.start', { deviceId: id });
    await api.ok('station.provision', { port: d.port, operator: 'Ana' });
  }
  await s.service.shutdown(); // closes the ledger (checkpoint, index) and releases its lock
  const home = mkdtempSync(join(tmpdir(), 'custodian-verify-home-'));
  cpSync(s.home, home, { recursive: true });
  return home;
}

async function verifyingStation(home: string) {
  const s = await startTestStation({ home, verifyLedgerOnStart: true });
  stations.push(s);
  const checks: EventPayload<'ledger.verification'>[] = [];
  const halts: EventPayload<'station.halted'>[] = [];
  s.service.on('ledger.verification', (c) => checks.push(c));
  s.service.on('station.halted', (h) => halts.push(h));
  return { ...bridgeCaller(() => s.url), checks, halts };
}

describe('full verification after start (app)', () => {
  it('re-hashes every entry in the background, pushes its progress and verdict, and keeps it in station.status', async () => {
    const home = await provisionedHome();
    const { ok, checks } = await verifyingStation(home);
    await vi.waitFor(() => expect(checks.at(-1)?.state).toBe('passed'), { timeout: 10_000 });
    const size = readFileSync(join(home, 'ledger', 'entries.jsonl'), 'utf8').split('\n').length - 1;
    expect(checks[0]).toMatchObject({ state: 'running', entries: 0 });
    expect(checks.at(-1)).toMatchObject({ state: 'passed', entries: size, size, error: null });
    const status = await ok<{ ledgerCheck: unknown; halted: unknown }>('station.status');
    expect(status.halted).toBeNull();
    expect(status.ledgerCheck).toEqual(checks.at(-1));
  });

  it('a tamper inside the indexed entries: open passes, the background check halts the station, records are refused, resume finds it at open', async () => {
    const home = await provisionedHome();
    const entries = join(home, 'ledger', 'entries.jsonl');
    const lines = readFileSync(entries, 'utf8').split('\n');
    // An intent in the middle names another device, same length: the index and its tree still match the checkpoint.
    const i = lines.findIndex((l) => l.includes('"deviceId":"dev-000002"') && l.startsWith('{"t":"intent"'));
    lines[i] = lines[i]!.replace('"deviceId":"dev-000002"', '"deviceId":"dev-000009"');
    writeFileSync(entries, lines.join('\n'));

    const { ok, call, checks, halts } = await verifyingStation(home);
    await vi.waitFor(() => expect(checks.at(-1)?.state).toBe('failed'), { timeout: 10_000 });
    expect(checks.at(-1)!.error?.code).toBe('LEDGER_TAMPERED');
    expect(checks.some((c) => c.state === 'running' && c.size > 0)).toBe(true); // the ledger opened: the verification found it
    await vi.waitFor(() => expect(halts.length).toBeGreaterThan(0));
    expect(halts[0]!.code).toBe('LEDGER_TAMPERED');
    const status = await ok<{ halted: { code: string } | null }>('station.status');
    expect(status.halted?.code).toBe('LEDGER_TAMPERED');

    // Nothing more is recorded or signed: a device is refused before it is touched.
    const d = await ok<{ port: string }>('simulator.start', { deviceId: 'dev-000004' });
    const refused = await call('station.provision', { port: d.port, operator: 'Ana' });
    expect(refused.ok || refused.error.code).toBe('LEDGER_TAMPERED');
    // Reopening rebuilds the index from the entries: the tamper is found at open this time.
    const resumed = await call('station.resume');
    expect(resumed.ok || resumed.error.code).toBe('LEDGER_TAMPERED');
    rmSync(home, { recursive: true, force: true });
  });
});
