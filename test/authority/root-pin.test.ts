/**
 * A station knows which root it belongs to before it accepts a bundle: the
 * root (certificate or SHA-256) is pinned at `request` or given at `import`,
 * kept in the authority metadata, and a bundle whose chain does not end in it
 * is refused with AUTHORITY_ROOT_MISMATCH, naming both fingerprints.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Authority, type InitRootResult } from '../../electron/core/authority/index';
import { isCustodianError } from '../../electron/core/errors';
import { rawCert } from '../pki/helpers';
import { codeOf, tempDir } from './fixtures';

const W = tempDir('root-pin-');
const PASS = 'station passphrase';
const open = (name: string) => Authority.open({ home: join(W, name), workFactor: 17 });

let X: Authority; // the real Company-X root, unlocked
let realRoot: InitRootResult;
let impostor: Authority; // an unrelated self-signed root with the same name, unlocked
let impostorRoot: InitRootResult;

beforeAll(async () => {
  X = open('x');
  realRoot = await X.initRoot({ commonName: 'Company-X', organization: 'Company-X', pathLen: 2, days: 3650, passphrase: PASS });
  impostor = open('impostor');
  impostorRoot = await impostor.initRoot({ commonName: 'Company-X', organization: 'Company-X', pathLen: 2, days: 3650, passphrase: PASS });
}, 60_000);

async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    if (isCustodianError(e)) return { code: e.code, message: e.message, details: { ...e.details } };
    throw e;
  }
  throw new Error('expected a CustodianError');
}

/** A fresh pending Factory-Y with the given pin, its CSR signed by `by` (the real root unless said otherwise). */
async function pending(name: string, root?: Parameters<Authority['createRequest']>[0]['root'], by: Authority = X) {
  const a = open(name);
  const req = await a.createRequest({ commonName: 'Factory-Y', passphrase: PASS, ...(root ? { root } : {}) });
  const signed = await by.signSubordinate(req.csrPem, { pathLen: 1, days: 1000 });
  return { a, req, signed };
}

function expectPending(a: Authority, name: string): void {
  expect(a.state).toBe('pending');
  expect(open(name).state).toBe('pending');
}

describe('an import needs a pinned root', () => {
  it('none pinned at request and none given → AUTHORITY_ROOT_NOT_PINNED, nothing changed', async () => {
    const { a, signed } = await pending('none');
    const e = await errorOf(a.importBundle(signed.bundlePem));
    expect(e.code).toBe('AUTHORITY_ROOT_NOT_PINNED');
    expect(e.message).toMatch(/--root <file>.*--root-sha256/);
    expect(() => a.assertRootPinned()).toThrow(/does not know which root/);
    expectPending(a, 'none');
    // Given at import, the same bundle is accepted, and the pin is kept.
    const r = await a.importBundle(signed.bundlePem, { root: { sha256: realRoot.fingerprint } });
    expect(r.root).toEqual({ pinnedSha256: realRoot.fingerprint, chainSha256: realRoot.fingerprint, pinnedBy: 'sha256' });
    expect(open('none').metadata?.pinnedRoot).toMatchObject({ sha256: realRoot.fingerprint, certificate: null });
    expect(open('none').show().pinnedRoot).toMatchObject({ sha256: realRoot.fingerprint });
  });

  it('a migration (--key) needs one too: refused before the key is sealed', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const k = open('migrate');
    expect(await codeOf(k.importBundle(realRoot.certificatePem, { key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), passphrase: PASS }))).toBe('AUTHORITY_ROOT_NOT_PINNED');
    expect(k.state).toBe('none');
    expect(existsSync(join(W, 'migrate', 'authority', 'ca-key.age'))).toBe(false);
  });
});

describe('a bundle that ends in another root is refused (AUTHORITY_ROOT_MISMATCH)', () => {
  it('an unrelated self-signed root named like the real one, pinned by fingerprint at request', async () => {
    const { a, signed } = await pending('by-sha', { sha256: realRoot.fingerprint }, impostor);
    const e = await errorOf(a.importBundle(signed.bundlePem));
    expect(e.code).toBe('AUTHORITY_ROOT_MISMATCH');
    expect(e.details).toMatchObject({ pinnedSha256: realRoot.fingerprint, bundleRootSha256: [impostorRoot.fingerprint] });
    expect(e.message).toContain(realRoot.fingerprint);
    expect(e.message).toContain(impostorRoot.fingerprint);
    expectPending(a, 'by-sha');
  });

  it('the same, pinned by certificate; and with the real root also in the bundle', async () => {
    const { a, signed } = await pending('by-cert', { certificate: realRoot.certificatePem }, impostor);
    expect((await errorOf(a.importBundle(signed.bundlePem))).code).toBe('AUTHORITY_ROOT_MISMATCH');
    // The real root alongside does not make the impostor's chain acceptable.
    const e = await errorOf(a.importBundle(signed.bundlePem + realRoot.certificatePem));
    expect(e.code).toBe('AUTHORITY_ROOT_MISMATCH');
    expect(e.details).toMatchObject({ pinnedSha256: realRoot.fingerprint, bundleRootSha256: [impostorRoot.fingerprint] });
    expectPending(a, 'by-cert');
  });

  it('the certificate alone, signed by the impostor, against a root pinned by certificate', async () => {
    const { a, signed } = await pending('alone', { certificate: realRoot.certificatePem }, impostor);
    const e = await errorOf(a.importBundle(signed.certificatePem));
    // Nothing in the bundle is a root: named like the pinned root, the issuer's key is another.
    expect(e.code).toBe('CHAIN_AKI_MISMATCH');
    expectPending(a, 'alone');
  });

  it('a root given at import that differs from the one pinned at request', async () => {
    const { a, signed } = await pending('conflict', { sha256: realRoot.fingerprint });
    const e = await errorOf(a.importBundle(signed.bundlePem, { root: { certificate: impostorRoot.certificatePem } }));
    expect(e.code).toBe('AUTHORITY_ROOT_MISMATCH');
    expect(e.details).toEqual({ pinnedSha256: realRoot.fingerprint, givenSha256: impostorRoot.fingerprint });
    expectPending(a, 'conflict');
    // The agreeing one, as a certificate, is accepted and completes the pin.
    await a.importBundle(signed.bundlePem, { root: { certificate: realRoot.certificateDer } });
    expect(open('conflict').metadata?.pinnedRoot).toMatchObject({ sha256: realRoot.fingerprint, subject: 'O=Company-X, CN=Company-X' });
  });
});

describe('pinning', () => {
  it('by certificate: a bundle that leaves the root out is completed from the pin; the stored chain ends in it', async () => {
    const { a, signed } = await pending('complete', { certificate: readFileSync(join(W, 'x', 'authority', 'ca-cert.pem')) });
    expect(a.metadata?.pinnedRoot?.sha256).toBe(realRoot.fingerprint);
    const r = await a.importBundle(signed.certificatePem);
    expect(r.chain.map((c) => c.fingerprintSha256)).toEqual([signed.fingerprint, realRoot.fingerprint]);
    expect(open('complete').chain()).toHaveLength(2);
  });

  it('by fingerprint: OpenSSL\'s form, colons and case are accepted; anything else is AUTHORITY_ROOT_INVALID', async () => {
    const colons = realRoot.fingerprint.toUpperCase().match(/../g)!.join(':');
    const { a, signed } = await pending('openssl-form', { sha256: `sha256 Fingerprint=${colons}` });
    expect(a.metadata?.pinnedRoot?.sha256).toBe(realRoot.fingerprint);
    await a.importBundle(signed.bundlePem);
    for (const bad of ['', 'abc', realRoot.fingerprint.slice(1), `${realRoot.fingerprint}00`, realRoot.fingerprint.replace(/^./, 'g')]) {
      expect(await codeOf(open(`bad-${bad.length}-${bad.slice(0, 2)}`).createRequest({ commonName: 'F', passphrase: PASS, root: { sha256: bad } })), bad).toBe('AUTHORITY_ROOT_INVALID');
    }
  });

  it('a root file that is not one self-signed CA certificate is AUTHORITY_ROOT_INVALID, and nothing is created', async () => {
    const { signed } = await pending('sub-as-root', { sha256: realRoot.fingerprint });
    for (const [label, root] of [
      ['a subordinate certificate', signed.certificatePem],
      ['two certificates', realRoot.certificatePem + impostorRoot.certificatePem],
      ['no certificate', 'hello'],
    ] as const) {
      const home = `invalid-${label.replace(/\W/g, '')}`;
      expect(await codeOf(open(home).createRequest({ commonName: 'F', passphrase: PASS, root: { certificate: root } })), label).toBe('AUTHORITY_ROOT_INVALID');
      expect(open(home).state, label).toBe('none');
    }
  });

  it('a self-signed certificate that is not a CA is AUTHORITY_ROOT_INVALID', async () => {
    const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
    const der = await rawCert({ subjectCN: 'Leafy', issuerCN: 'Leafy', subjectKey: keys.publicKey, signingKey: keys.privateKey, issuerKey: keys.publicKey, notBefore: new Date(Date.now() - 1000), notAfter: new Date(Date.now() + 86_400_000), ca: false });
    expect(await codeOf(open('leafy').createRequest({ commonName: 'F', passphrase: PASS, root: { certificate: der } }))).toBe('AUTHORITY_ROOT_INVALID');
  });
});
