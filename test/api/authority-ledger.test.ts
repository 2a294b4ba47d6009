/**
 * The app's station service journals the authority and the settings into the
 * station ledger: the demo root's creation, unlock/lock (key load + operator
 * sessions), a verification certificate (intent before the key signs, then
 * the certificate) and each settings change, with the station's operator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult } from '../../electron/shared/api';
import { startTestStation, type TestStation } from '../support/test-station';

const PASSPHRASE = 'service journal passphrase 11';
let st: TestStation;
const savedOperator = process.env.CUSTODIAN_OPERATOR;

interface Entry { index: number; type: string; text: string; operator: string; status: string; serialHex: string | null }

async function ok<T = Record<string, unknown>>(method: string, arg?: unknown): Promise<T> {
  const res = await fetch(`${st.url}/api/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(arg === undefined ? {} : { arg }) });
  const r = (await res.json()) as ApiResult<T>;
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.value;
}
async function entries(): Promise<Entry[]> {
  return (await ok<{ entries: Entry[] }>('ledger.page', { start: 0, count: 200 })).entries;
}
async function added(fn: () => Promise<unknown>): Promise<Entry[]> {
  const before = (await entries()).length;
  await fn();
  return (await entries()).slice(before);
}
const kinds = (es: Entry[]) => es.map((e) => (e.type === 'session' ? e.text.replace(/^operator (\w+).*/, 'session:$1') : e.type));

beforeAll(async () => {
  process.env.CUSTODIAN_OPERATOR = 'eve';
  st = await startTestStation({ wireTime: false });
  await ok('authority.createDemoAuthority', { passphrase: PASSPHRASE });
}, 60_000);
afterAll(async () => {
  await st?.close();
  if (savedOperator === undefined) delete process.env.CUSTODIAN_OPERATOR;
  else process.env.CUSTODIAN_OPERATOR = savedOperator;
});

describe('station service → ledger', () => {
  it('records the demo root as an authority import by the station operator', async () => {
    const es = await entries();
    expect(kinds(es).slice(0, 2)).toEqual(['genesis', 'authority-import']);
    expect(es[1]).toMatchObject({ operator: 'eve' });
  });

  it('lock and unlock become session records; unlock also a key load', async () => {
    expect(kinds(await added(() => ok('authority.lock')))).toEqual(['session:lock']);
    const unlocked = await added(() => ok('authority.unlock', { passphrase: PASSPHRASE }));
    expect(kinds(unlocked)).toEqual(['authority-key-load', 'session:unlock']);
    expect(unlocked.every((e) => e.operator === 'eve')).toBe(true);
  });

  it('a wrong passphrase is an authority-unlock-failed record (status info), with the operator and the code', async () => {
    await ok('authority.lock');
    const es = await added(async () => {
      const res = await fetch(`${st.url}/api/authority.unlock`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ arg: { passphrase: 'not the passphrase' } }) });
      const r = (await res.json()) as ApiResult<unknown>;
      expect(r.ok || r.error.code).toBe('VAULT_WRONG_PASSPHRASE');
    });
    expect(es).toEqual([expect.objectContaining({ type: 'authority-unlock-failed', status: 'info', operator: 'eve', text: 'authority unlock failed: VAULT_WRONG_PASSPHRASE (1 in a row)' })]);
    await ok('authority.unlock', { passphrase: PASSPHRASE });
  });

  it('a verification certificate is an intent, then the certificate', async () => {
    let serial = '';
    const es = await added(async () => {
      serial = (await ok<{ certificate: { serialHex: string } }>('authority.verificationCert', { code: 'ABC123', validityDays: 1 })).certificate.serialHex;
    });
    expect(kinds(es)).toEqual(['intent', 'done']);
    expect(es[0]).toMatchObject({ status: 'issued', operator: 'eve' });
    expect(es.map((e) => e.serialHex?.toLowerCase())).toEqual([serial.toLowerCase().replace(/:/g, ''), serial.toLowerCase().replace(/:/g, '')]);
  });

  it('settings.update records each changed setting as a config record; an unchanged value records nothing', async () => {
    const es = await added(() => ok('settings.update', { autoLockMinutes: 7, simulatorEnabled: true }));
    expect(kinds(es)).toEqual(['config']);
    expect(es[0]).toMatchObject({ operator: 'eve', text: 'configuration changed: autoLockMinutes' });
    expect(await added(() => ok('settings.update', { autoLockMinutes: 7 }))).toEqual([]);
  });
});
