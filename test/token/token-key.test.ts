/**
 * Token sessions and keys against a SoftHSM2 of this test file's own: key
 * generation attributes (checked by pkcs11-tool), PIN outcomes, queued
 * signing, logout, removal, finding the key again.
 */
import { createPublicKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePkcs11Uri, TokenCodes, TokenKey, TokenSession } from '../../electron/core/token/index';
import { acquireModule, releaseModule, type Pkcs11 } from '../../electron/core/token/pkcs11-module';
import { HAVE_PKCS11_TOOL, HAVE_SOFTHSM, SOFTHSM_MODULE, startSoftHsm, type SoftHsm } from './softhsm';

const PIN = '246813';
let hsm: SoftHsm;
let serial: string;

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => p.then(() => undefined, (e: { code?: string }) => e.code);

describe.skipIf(!HAVE_SOFTHSM)('PKCS#11 token keys (SoftHSM2)', () => {
  beforeAll(() => {
    hsm = startSoftHsm();
    serial = hsm.initToken('keys', PIN);
    hsm.initToken('other', PIN);
  });
  afterAll(() => undefined);

  const open = (object = 'ca') => TokenSession.open(parsePkcs11Uri(hsm.uri('keys', object)));

  it('finds the token by label or serial and says which token it found', async () => {
    const a = open();
    expect(a.identity).toMatchObject({ label: 'keys', serial, manufacturer: 'SoftHSM project' });
    await a.close();
    const b = TokenSession.open(parsePkcs11Uri(`pkcs11:serial=${serial};object=ca?module-path=${SOFTHSM_MODULE}`));
    expect(b.identity.label).toBe('keys');
    await b.close();
    expect(() => TokenSession.open(parsePkcs11Uri(hsm.uri('no-such-token', 'ca')))).toThrow(expect.objectContaining({ code: TokenCodes.NOT_FOUND }));
    expect(() => TokenSession.open(parsePkcs11Uri('pkcs11:token=keys;object=ca?module-path=/nonexistent/libp11.so'))).toThrow(expect.objectContaining({ code: TokenCodes.MODULE_UNAVAILABLE }));
  });

  it('generates a P-256 key that stays on the token, sensitive and never extractable', async () => {
    const s = open();
    await s.login(PIN);
    const key = await TokenKey.generate(s, 'P-256', { label: 'gen-check' });
    expect(key.facts).toMatchObject({ curve: 'P-256', label: 'gen-check' });
    expect(key.facts.idHex).toMatch(/^[0-9a-f]{32}$/);
    await expect(TokenKey.generate(s, 'P-256', { label: 'gen-check' })).rejects.toMatchObject({ code: TokenCodes.KEY_EXISTS });
    await s.close();
    if (HAVE_PKCS11_TOOL) {
      const listing = hsm.listObjects('keys', PIN);
      const priv = listing.split(/\n(?=\S)/).find((b) => b.startsWith('Private Key Object') && b.includes('gen-check'))!;
      expect(priv).toMatch(/Access:\s+sensitive, always sensitive, never extractable, local/);
      expect(priv).toContain(key.facts.idHex);
      const access = /Access:\s+(.*)/.exec(priv)![1]!.split(/,\s*/);
      expect(access).not.toContain('extractable');
      expect(/Usage:\s+(.*)/.exec(priv)![1]).toBe('sign');
    }
  });

  it('signs 16 requests in parallel on one session, all valid (signing is queued)', async () => {
    const s = open();
    await s.login(PIN);
    const key = await TokenKey.generate(s, 'P-256', { label: 'parallel' });
    const pub = createPublicKey({ key: Buffer.from(key.facts.spki), format: 'der', type: 'spki' });
    const msgs = Array.from({ length: 16 }, (_, i) => Buffer.from(`tbs-${i}`));
    const sigs = await Promise.all(msgs.map((m) => key.sign(m, 'SHA-256')));
    expect(sigs.every((sig, i) => verify('sha256', msgs[i]!, pub, sig))).toBe(true);
    await s.close();
  });

  it('P-384 keys sign SHA-384 digests', async () => {
    const s = open();
    await s.login(PIN);
    const key = await TokenKey.generate(s, 'P-384', { label: 'p384' });
    const pub = createPublicKey({ key: Buffer.from(key.facts.spki), format: 'der', type: 'spki' });
    expect(verify('sha384', Buffer.from('x'), pub, await key.sign(Buffer.from('x'), 'SHA-384'))).toBe(true);
    await s.close();
  });

  it('a wrong PIN is TOKEN_PIN_INCORRECT and is not retried; an empty PIN never reaches the token', async () => {
    const s = open();
    await expect(s.login('000000')).rejects.toMatchObject({ code: TokenCodes.PIN_INCORRECT, details: { ckr: 'CKR_PIN_INCORRECT' } });
    expect(s.loggedIn).toBe(false);
    expect(await codeOf(s.login(''))).toBe(TokenCodes.PIN_INVALID);
    expect(await codeOf(s.login('x'.repeat(200)))).toBe(TokenCodes.PIN_INVALID);
    await s.login(PIN);
    expect(s.loggedIn).toBe(true);
    await s.close();
  });

  it('final-try and locked PINs get their own codes (token flags as a real token sets them)', async () => {
    // SoftHSM never locks a PIN: the module is wrapped so C_GetTokenInfo reports what a token with a retry counter would.
    const real = acquireModule(SOFTHSM_MODULE!);
    let flags = 0;
    const lib = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'C_GetTokenInfo') return (slot: Buffer) => { const i = target.C_GetTokenInfo(slot); return { ...i, flags: i.flags | flags }; };
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }) as Pkcs11;
    const s = TokenSession.onModule(lib, parsePkcs11Uri(hsm.uri('keys', 'ca')), () => releaseModule(SOFTHSM_MODULE!));
    const b = (await import('pkcs11js')).default;
    flags = b.CKF_USER_PIN_FINAL_TRY;
    await expect(s.login('000000')).rejects.toMatchObject({ code: TokenCodes.PIN_FINAL_TRY });
    flags = b.CKF_USER_PIN_LOCKED;
    await expect(s.login(PIN)).rejects.toMatchObject({ code: TokenCodes.PIN_LOCKED }); // refused before the PIN is sent
    expect(s.loggedIn).toBe(false);
    await s.close();
  });

  it('after logout the key refuses to sign; after a new login it is found again by id', async () => {
    const s = open();
    await s.login(PIN);
    const key = await TokenKey.generate(s, 'P-256', { label: 'relogin' });
    await s.logout();
    expect(await codeOf(key.sign(Buffer.from('x'), 'SHA-256'))).toBe(TokenCodes.NOT_LOGGED_IN);
    await s.login(PIN);
    const again = await TokenKey.find(s, { id: key.facts.id });
    expect(again.facts.spki).toEqual(key.facts.spki);
    expect((await again.sign(Buffer.from('x'), 'SHA-256')).length).toBeGreaterThan(60);
    await expect(TokenKey.find(s, { label: 'never-made' })).rejects.toMatchObject({ code: TokenCodes.KEY_NOT_FOUND });
    await s.close();
  });

  it('a token whose files vanish, or whose session is closed, is TOKEN_REMOVED from then on', async () => {
    const otherSerial = hsm.initToken('pullme', PIN);
    const s = TokenSession.open(parsePkcs11Uri(hsm.uri('pullme', 'k')));
    await s.login(PIN);
    const key = await TokenKey.generate(s, 'P-256', { label: 'k' });
    expect(await key.present()).toBe(true);
    const putBack = hsm.pull(otherSerial);
    try {
      expect(await codeOf(key.sign(Buffer.from('x'), 'SHA-256'))).toBe(TokenCodes.REMOVED);
      expect(await key.present()).toBe(false);
      expect(await codeOf(key.sign(Buffer.from('x'), 'SHA-256'))).toBe(TokenCodes.REMOVED);
    } finally {
      putBack();
      await s.close();
    }
    const t = open();
    await t.login(PIN);
    const k2 = await TokenKey.generate(t, 'P-256', { label: 'closed-under-us' });
    (t.lib as Pkcs11).C_CloseAllSessions(t.lib.C_GetSlotList(true).find((slot) => t.lib.C_GetTokenInfo(slot).serialNumber.trim() === serial)!);
    expect(await codeOf(k2.sign(Buffer.from('x'), 'SHA-256'))).toBe(TokenCodes.REMOVED);
    await t.close();
  });
});
