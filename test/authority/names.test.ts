/**
 * The authority's ceremonies check every name they sign or adopt: no
 * control, bidirectional or invisible format character in any attribute
 * (typed, requested or in an imported bundle), and no subordinate named like
 * its issuer or a CA above it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Authority } from '../../electron/core/authority/index';
import { isCustodianError } from '../../electron/core/errors';
import { readCsr, toPem } from '../../electron/core/pki/index';
import { findUnsafeCharacter } from '../../electron/shared/unsafe-text';
import { rawCert } from '../pki/helpers';
import { cn, csrFor, o, rawName, TAG } from '../support/hostile-names';
import { codeOf, tempDir } from './fixtures';

const W = tempDir('names-');
const PASS = 'station passphrase';
const open = (name: string) => Authority.open({ home: join(W, name), workFactor: 17 });

let X: Authority; // Company-X (O=Company X), unlocked
let Y: Authority; // Factory-Y under it, unlocked
let rootPem: string;

beforeAll(async () => {
  X = open('x');
  rootPem = (await X.initRoot({ commonName: 'Company-X', organization: 'Company X', pathLen: 2, days: 3650, passphrase: PASS })).certificatePem;
  Y = open('y');
  const req = await Y.createRequest({ commonName: 'Factory-Y', passphrase: PASS, root: { certificate: rootPem } });
  await Y.importBundle((await X.signSubordinate(req.csrPem, { pathLen: 1, days: 1000 })).bundlePem);
  await Y.unlock(PASS);
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

const issued = (a: string) => (existsSync(join(W, a, 'authority', 'issued')) ? readdirSync(join(W, a, 'authority', 'issued')) : []);

describe('sign-subordinate', () => {
  it('refuses a request with ESC and a newline in O, or a right-to-left override in CN, and signs nothing', async () => {
    for (const [name, attribute] of [
      [rawName([cn('Evil-Sub'), o('Ev\u001b[31mil\n[OK] signed')]), 'O'],
      [rawName([cn('Factory\u202eY-gpj.exe', TAG.bmp)]), 'CN'],
      [rawName([cn('Fac\u200dtory')]), 'CN'],
    ] as const) {
      const e = await errorOf(X.signSubordinate(await csrFor(name), { pathLen: 0, days: 30 }));
      expect(e.code).toBe('CSR_SUBJECT_UNSAFE_CHARACTER');
      expect(e.details.attribute).toBe(attribute);
      expect(findUnsafeCharacter(e.message)).toBeUndefined();
    }
    expect(issued('x')).toHaveLength(1); // Factory-Y's certificate only
  });

  it('refuses a subordinate named like its issuer (any encoding, any case) or a CA above it', async () => {
    const before = issued('x').length;
    for (const name of [
      rawName([o('Company X'), cn('Company-X')]),
      rawName([o('company x', TAG.printable), cn('COMPANY-X', TAG.bmp)]),
    ]) {
      const e = await errorOf(X.signSubordinate(await csrFor(name), { pathLen: 0, days: 30 }));
      expect(e.code).toBe('AUTHORITY_SUBJECT_DUPLICATES_ISSUER');
      expect(e.details).toMatchObject({ level: 1 });
    }
    expect(issued('x')).toHaveLength(before);
    // Under Factory-Y, a CA named Company-X repeats an ancestor.
    const e = await errorOf(Y.signSubordinate(await csrFor(rawName([o('Company X'), cn('Company-X')])), { pathLen: 0, days: 30 }));
    expect(e.code).toBe('AUTHORITY_SUBJECT_DUPLICATES_ISSUER');
    expect(e.details).toMatchObject({ sameAs: 'O=Company X, CN=Company-X', level: 2 });
    expect(await codeOf(Y.signSubordinate(await csrFor(rawName([cn('Factory-Y')])), { pathLen: 0, days: 30 }))).toBe('AUTHORITY_SUBJECT_DUPLICATES_ISSUER');
    // A name of its own is signed.
    await expect(Y.signSubordinate(await csrFor(rawName([o('Company X'), cn('Technician-Z')])), { pathLen: 0, days: 30 })).resolves.toMatchObject({ subject: 'O=Company X, CN=Technician-Z' });
  });
});

describe('init-root and request', () => {
  it('refuse an unsafe character in the typed CN or O (PROFILE_UNSAFE_NAME_CHARACTER) before any key is made', async () => {
    for (const [i, s] of ([
      { commonName: 'Root\u202e' },
      { commonName: 'Root', organization: 'Ev\u001bil' },
      { commonName: '\ufeffRoot' },
    ] as const).entries()) {
      const home = `typed-${i}`;
      const e = await errorOf(open(home).initRoot({ ...s, passphrase: PASS }));
      expect(e.code).toBe('PROFILE_UNSAFE_NAME_CHARACTER');
      expect(await codeOf(open(home).createRequest({ ...s, passphrase: PASS }))).toBe('PROFILE_UNSAFE_NAME_CHARACTER');
      expect(existsSync(join(W, home, 'authority', 'ca-key.age'))).toBe(false);
    }
  });

  it('a request named like the root it pins is refused', async () => {
    const e = await errorOf(open('like-root').createRequest({ commonName: 'company-x', organization: 'Company X', passphrase: PASS, root: { certificate: rootPem } }));
    expect(e.code).toBe('AUTHORITY_SUBJECT_DUPLICATES_ISSUER');
    expect(open('like-root').state).toBe('none');
  });
});

describe('import', () => {
  /** A pending station whose key `sign` certifies, under a root `rootCN`, both made outside the station. */
  async function foreignBundle(home: string, rootCN: string, subjectCN: string) {
    const a = open(home);
    const spki = readCsr((await a.createRequest({ commonName: 'Factory-Q', passphrase: PASS })).csrPem).publicKeySpki;
    const rootKeys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
    const now = Date.now();
    const root = await rawCert({ subjectCN: rootCN, issuerCN: rootCN, subjectKey: rootKeys.publicKey, signingKey: rootKeys.privateKey, issuerKey: rootKeys.publicKey, notBefore: new Date(now - 3_600_000), notAfter: new Date(now + 100 * 86_400_000), ca: true, keyUsage: ['keyCertSign', 'cRLSign'] });
    const leaf = await rawCert({ subjectCN, issuerCN: rootCN, subjectKey: spki, signingKey: rootKeys.privateKey, issuerKey: rootKeys.publicKey, notBefore: new Date(now - 60_000), notAfter: new Date(now + 50 * 86_400_000), ca: true, pathLen: 0, keyUsage: ['keyCertSign', 'cRLSign'] });
    return { a, bundle: toPem(leaf) + toPem(root), root: { certificate: root } };
  }

  it('refuses a bundle whose names hold an unsafe character (the station would sign under them and show them)', async () => {
    const { a, bundle, root } = await foreignBundle('foreign-esc', 'Brand\u001b]0;pwned\u0007Root', 'Factory-Q');
    const e = await errorOf(a.importBundle(bundle, { root }));
    expect(e.code).toBe('PROFILE_UNSAFE_NAME_CHARACTER');
    expect(findUnsafeCharacter(e.message)).toBeUndefined();
    expect(a.state).toBe('pending');
  });

  it('refuses a bundle whose certificate is named like its issuer', async () => {
    const { a, bundle, root } = await foreignBundle('foreign-dup', 'Brand Root', 'Brand Root');
    expect(await codeOf(a.importBundle(bundle, { root }))).toBe('AUTHORITY_SUBJECT_DUPLICATES_ISSUER');
    expect(a.state).toBe('pending');
    const fine = await foreignBundle('foreign-fine', 'Brand Root', 'Factory-Q');
    await expect(fine.a.importBundle(fine.bundle, { root: fine.root })).resolves.toMatchObject({ subject: 'CN=Factory-Q' });
  });
});
