/**
 * The Authority with its key in a PKCS#11 token (SoftHSM2): the same
 * ceremonies and the same issuer for device signing as with the vault; PIN
 * outcomes at unlock; lock logs out; a removed token locks at once; a new
 * Authority (a restarted station) finds its key again by URI.
 */
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Authority, type AuthorityEvent } from '../../electron/core/authority/index';
import { UnlockThrottle } from '../../electron/core/authority/unlock-throttle';
import { issueCertificate, readCertificate, toPem } from '../../electron/core/pki/index';
import { prepareIssuer } from '../../electron/core/station/issuer';
import { HAVE_SOFTHSM, startSoftHsm, type SoftHsm } from '../token/softhsm';
import { codeOf, opensslVerify, tempDir } from './fixtures';
import { writeFileSync } from 'node:fs';

const W = tempDir('token-authority-');
const PIN = '135790';
let hsm: SoftHsm;
let rootSerial: string;
const serials: Record<string, string> = {};
const noWait = () => new UnlockThrottle({ sleep: async () => undefined });

function deviceSpki(): Uint8Array {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
}

async function signDevice(a: Authority, id: string) {
  const issuer = prepareIssuer(a.issuer());
  return issueCertificate({ profile: 'deviceLeaf', commonName: id, subjectPublicKey: deviceSpki(), issuer: { certificate: issuer.certificate, privateKey: issuer.privateKey }, notBefore: new Date() });
}

describe.skipIf(!HAVE_SOFTHSM)('Authority with a token-held key', () => {
  const events: AuthorityEvent[] = [];
  let X: Authority;

  beforeAll(async () => {
    hsm = startSoftHsm();
    rootSerial = hsm.initToken('root-token', PIN);
    hsm.initToken('spare', PIN);
    // SoftHSM sees the tokens present when the module is initialised: make them all first.
    for (const t of ['shift', 'sudden']) serials[t] = hsm.initToken(t, PIN);
    X = Authority.open({ home: join(W, 'x'), listener: (e) => { events.push(e); }, unlockThrottle: noWait(), presenceIntervalMs: 0 });
    await X.initRoot({ commonName: 'Company-X', pathLen: 0, days: 365, token: { uri: hsm.uri('root-token', 'company-x'), pin: PIN } });
  });

  it('initRoot generates the key in the token; the issuer signs device certificates that openssl verifies strictly', async () => {
    expect(X.secretKind).toBe('pin');
    const show = X.show();
    expect(show.keyLocation).toMatchObject({ kind: 'token', tokenLabel: 'root-token', tokenSerial: rootSerial, keyLabel: 'company-x' });
    expect(show.keyFile).toBeNull();
    const issuer = X.issuer();
    expect(issuer.privateKey.extractable).toBe(false);
    expect(issuer.privateKey.type).toBe('external');
    const leaf = await signDevice(X, 'dev-0001');
    writeFileSync(join(W, 'root.pem'), toPem(issuer.certificate, 'CERTIFICATE'));
    writeFileSync(join(W, 'leaf.pem'), leaf.pem);
    const v = opensslVerify(W, ['-x509_strict', '-CAfile', 'root.pem', 'leaf.pem']);
    expect(v.ok, v.out).toBe(true);
  });

  it('16 parallel device signings on the one session all succeed', async () => {
    const certs = await Promise.all(Array.from({ length: 16 }, (_, i) => signDevice(X, `dev-p${String(i).padStart(3, '0')}`)));
    expect(new Set(certs.map((c) => c.serialHex)).size).toBe(16);
    for (const c of certs) expect(readCertificate(c.der).issuer).toBe('CN=Company-X');
  });

  it('lock logs out: an issuer taken before refuses to sign; unlock with the PIN signs again', async () => {
    const before = X.issuer();
    await X.lock();
    expect(X.unlocked).toBe(false);
    expect(await codeOf(before.privateKey.type === 'external' ? before.privateKey.sign(new Uint8Array(1), 'SHA-256') : Promise.resolve())).toBe('TOKEN_NOT_LOGGED_IN');
    expect(await codeOf(() => X.issuer())).toBe('AUTHORITY_LOCKED');
    await X.unlock(PIN);
    await signDevice(X, 'dev-0002');
  });

  it('the station service\'s lock (what auto-lock calls) logs out of the token', async () => {
    await X.lock();
    const { authorityAdapter } = await import('../../electron/core/service/adapters/authority');
    const port = authorityAdapter(join(W, 'x'), () => Authority.open({ home: join(W, 'x'), presenceIntervalMs: 0 }));
    await port.unlock(PIN);
    const key = port.authority.issuer().privateKey;
    expect((await port.describe()).unlocked).toBe(true);
    await port.lock();
    expect((await port.describe()).unlocked).toBe(false);
    expect(await codeOf(key.type === 'external' ? key.sign(new Uint8Array(1), 'SHA-256') : Promise.resolve())).toBe('TOKEN_NOT_LOGGED_IN');
    await X.unlock(PIN);
  });

  it('wrong PIN at unlock: TOKEN_PIN_INCORRECT, journalled as unlock-failed, never retried, stays locked', async () => {
    await X.lock();
    events.length = 0;
    expect(await codeOf(X.unlock('000000'))).toBe('TOKEN_PIN_INCORRECT');
    expect(X.unlocked).toBe(false);
    expect(events.filter((e) => e.type === 'authority.unlock-failed')).toEqual([expect.objectContaining({ code: 'TOKEN_PIN_INCORRECT', attempt: 1 })]);
    await X.unlock(PIN);
  });

  it('a restarted station (new Authority on the same home) finds its key by URI and signs', async () => {
    await X.lock();
    const again = Authority.open({ home: join(W, 'x'), presenceIntervalMs: 0 });
    expect(again.unlocked).toBe(false);
    await again.unlock(PIN);
    await signDevice(again, 'dev-0003');
    await again.lock();
  });

  it('a token removed mid-shift locks the authority at once and signing refuses with TOKEN_REMOVED', async () => {
    const serial = serials.shift!;
    const locked: AuthorityEvent[] = [];
    const A = Authority.open({ home: join(W, 'shift'), listener: (e) => { if (e.type === 'authority.locked') locked.push(e); }, presenceIntervalMs: 20 });
    await A.initRoot({ commonName: 'Shift-Root', pathLen: 0, days: 30, token: { uri: hsm.uri('shift', 'k'), pin: PIN } });
    await A.lock();
    await A.unlock(PIN);
    const issuer = prepareIssuer(A.issuer());
    await signDevice(A, 'dev-s001');
    const putBack = hsm.pull(serial);
    try {
      await expect.poll(() => A.unlocked, { timeout: 2000, interval: 10 }).toBe(false);
      expect(locked.at(-1)).toMatchObject({ type: 'authority.locked', reason: 'token-removed' });
      const r = await codeOf(issueCertificate({ profile: 'deviceLeaf', commonName: 'dev-s002', subjectPublicKey: deviceSpki(), issuer: { certificate: issuer.certificate, privateKey: issuer.privateKey }, notBefore: new Date() }));
      expect(['TOKEN_REMOVED', 'TOKEN_NOT_LOGGED_IN']).toContain(r);
      expect(await codeOf(() => A.issuer())).toBe('AUTHORITY_LOCKED');
    } finally {
      putBack();
    }
    await A.unlock(PIN); // plugged back in: unlock as at the start of a shift
    await signDevice(A, 'dev-s003');
    await A.lock();
  });

  it('a signing that finds the token gone locks at once, without waiting for the presence check', async () => {
    const serial = serials.sudden!;
    const A = Authority.open({ home: join(W, 'sudden'), presenceIntervalMs: 0 });
    await A.initRoot({ commonName: 'Sudden-Root', pathLen: 0, days: 30, token: { uri: hsm.uri('sudden', 'k'), pin: PIN } });
    await signDevice(A, 'dev-u001');
    const putBack = hsm.pull(serial);
    try {
      expect(await codeOf(signDevice(A, 'dev-u002'))).toBe('TOKEN_REMOVED');
      await expect.poll(() => A.unlocked, { timeout: 1000, interval: 5 }).toBe(false);
    } finally {
      putBack();
    }
  });

  it('refuses an RSA key spec for a token, an unknown token and a taken key label, each with its code', async () => {
    const home = (n: string) => join(W, n);
    expect(await codeOf(Authority.open({ home: home('rsa') }).initRoot({ commonName: 'R', keySpec: 'RSA-2048', token: { uri: hsm.uri('spare', 'r'), pin: PIN } }))).toBe('AUTHORITY_BAD_INPUT');
    expect(await codeOf(Authority.open({ home: home('nt') }).initRoot({ commonName: 'R', token: { uri: hsm.uri('absent', 'r'), pin: PIN } }))).toBe('TOKEN_NOT_FOUND');
    expect(await codeOf(Authority.open({ home: home('dup') }).initRoot({ commonName: 'R', token: { uri: hsm.uri('root-token', 'company-x'), pin: PIN } }))).toBe('TOKEN_KEY_EXISTS');
    expect(await codeOf(Authority.open({ home: home('both') }).initRoot({ commonName: 'R', passphrase: 'a long passphrase 1', token: { uri: hsm.uri('spare', 'r'), pin: PIN } }))).toBe('AUTHORITY_BAD_INPUT');
  });

  it('a request made on the token carries a CSR signed there', async () => {
    const Y = Authority.open({ home: join(W, 'y'), presenceIntervalMs: 0 });
    const r = await Y.createRequest({ commonName: 'Factory-Y', token: { uri: hsm.uri('spare', 'factory-y'), pin: PIN } });
    writeFileSync(join(W, 'y.csr'), r.csrPem);
    const { execFileSync } = await import('node:child_process');
    expect(execFileSync('openssl', ['req', '-in', join(W, 'y.csr'), '-verify', '-noout'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toBe('');
    expect(r.tokenUri).toContain('token=spare');
    expect(r.keyFile).toBeNull();
    await Y.lock();
  });
});
