/**
 * A token-held authority through the station API over the real core and a
 * SoftHSM2 token: created by initRoot / createRequest with a pkcs11: URI and
 * PIN, reported as such by status, and a pulled token announced at once on
 * authority.lockState. The PIN is in no result, error or event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../electron/shared/api';
import { bridgeCaller, startTestStation, type TestStation } from '../support/test-station';
import { HAVE_SOFTHSM, startSoftHsm, type SoftHsm } from '../token/softhsm';

const PIN = '724681';
let hsm: SoftHsm;
const serials: Record<string, string> = {};
const stations: TestStation[] = [];
const seen: unknown[] = [];

async function station(): Promise<{ st: TestStation; events: EventPayload<'authority.lockState'>[] } & ReturnType<typeof bridgeCaller>> {
  const st = await startTestStation();
  stations.push(st);
  const events: EventPayload<'authority.lockState'>[] = [];
  st.service.on('authority.lockState', (e) => events.push(e));
  seen.push(events);
  return { st, events, ...bridgeCaller(() => st.url, seen) };
}

describe.skipIf(!HAVE_SOFTHSM)('a token-held authority through the station API', () => {
  beforeAll(() => {
    hsm = startSoftHsm();
    for (const label of ['root', 'issuing']) serials[label] = hsm.initToken(label, PIN);
  });
  afterAll(async () => {
    for (const st of stations) await st.close();
  });

  it('creates a root in the token; status says where the key is; a pulled token locks and is announced at once', async () => {
    const { call, ok, events } = await station();
    const wrong = await call('authority.initRoot', { subject: { commonName: 'Token Root' }, validityDays: 30, pathLen: 0, token: { uri: hsm.uri('root', 'root-ca'), pin: '000000' } });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'TOKEN_PIN_INCORRECT' } });
    expect((await ok<{ state: string }>('authority.status')).state).toBe('none');

    const r = await ok<{ status: Record<string, unknown>; certificate: { subject: string } }>('authority.initRoot', {
      subject: { commonName: 'Token Root' }, validityDays: 30, pathLen: 0, token: { uri: hsm.uri('root', 'root-ca'), pin: PIN },
    });
    expect(r.certificate.subject).toContain('Token Root');
    expect(r.status).toMatchObject({ state: 'unlocked', kind: 'root', key: { location: 'token', tokenLabel: 'root', tokenSerial: serials.root, keyLabel: 'root-ca' } });
    expect(await ok('authority.status')).toMatchObject({ key: { location: 'token', keyId: expect.stringMatching(/^[0-9a-f]+$/) } });
    expect(hsm.listObjects('root', PIN)).toContain('root-ca');

    const putBack = hsm.pull(serials.root!);
    try {
      await expect.poll(() => events.at(-1), { timeout: 5000, interval: 20 }).toEqual({ state: 'locked', reason: 'token-removed', autoLockAt: null });
      expect(await ok('authority.status')).toMatchObject({ state: 'locked', autoLockAt: null, key: { location: 'token' } });
    } finally {
      putBack();
    }
    expect(await ok('authority.unlock', { passphrase: PIN })).toMatchObject({ state: 'unlocked' });
    await ok('authority.lock');
  });

  it('creates an issuing-CA key in the token and its request', async () => {
    const { ok } = await station();
    const r = await ok<{ status: Record<string, unknown>; csrPem: string }>('authority.createRequest', {
      subject: { commonName: 'Token Issuing' }, keyAlgorithm: 'P-384', token: { uri: hsm.uri('issuing', 'issuing-ca'), pin: PIN },
    });
    expect(r.csrPem).toContain('BEGIN CERTIFICATE REQUEST');
    expect(r.status).toMatchObject({ kind: 'pending', key: { location: 'token', tokenLabel: 'issuing', keyLabel: 'issuing-ca' } });
  });

  it('refuses a URI that carries a PIN, an RSA key and a passphrase together with a token, without echoing the PIN', async () => {
    const { call } = await station();
    const base = { subject: { commonName: 'X' }, validityDays: 30, pathLen: 0 };
    const inUri = await call('authority.initRoot', { ...base, token: { uri: `${hsm.uri('root', 'other')}&pin-value=${PIN}`, pin: PIN } });
    expect(inUri).toMatchObject({ ok: false, error: { code: 'TOKEN_URI_INVALID' } });
    expect(await call('authority.initRoot', { ...base, keyAlgorithm: 'RSA-2048', token: { uri: hsm.uri('root', 'other'), pin: PIN } })).toMatchObject({ ok: false, error: { code: 'AUTHORITY_BAD_INPUT' } });
    expect(await call('authority.initRoot', { ...base, passphrase: 'a long passphrase 1', token: { uri: hsm.uri('root', 'other'), pin: PIN } })).toMatchObject({ ok: false, error: { code: 'API_INVALID_ARGUMENT' } });
  });

  it('no result, error or event carried the PIN', () => {
    expect(seen.length).toBeGreaterThan(0);
    expect(JSON.stringify(seen)).not.toContain(PIN);
    expect(JSON.stringify(seen)).not.toContain('000000');
  });
});
