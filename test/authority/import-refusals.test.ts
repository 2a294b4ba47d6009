/**
 * importBundle refuses every bundle that does not make this station a valid
 * CA under its root, each with its own code, and leaves the pending state
 * untouched when it does. Factory-Y pins the Company-X root by its SHA-256 at
 * request time; the OpenSSL-signed bundles are imported with their own root
 * pinned (root-pin.test.ts covers pinning itself).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Authority, type CreateRequestResult, type SignSubordinateResult } from '../../electron/core/authority/index';
import { fingerprintSha256, fromPem, toPem } from '../../electron/core/pki/index';
import { codeOf, openssl, tempDir } from './fixtures';

const W = tempDir('import-');
const PASS = 'station passphrase';
const open = (name: string, now?: () => Date) => Authority.open({ home: join(W, name), workFactor: 17, ...(now ? { now } : {}) });

let X: Authority; // Company-X root, unlocked
let Y: Authority; // Factory-Y, pending
let yReq: CreateRequestResult;
let wReq: CreateRequestResult;
let signedY: SignSubordinateResult;
let rootPem: string;

beforeAll(async () => {
  X = open('x');
  const root = await X.initRoot({ commonName: 'Company-X', pathLen: 2, days: 3650, passphrase: PASS });
  rootPem = root.certificatePem;
  Y = open('y');
  yReq = await Y.createRequest({ commonName: 'Factory-Y', passphrase: PASS, root: { sha256: root.fingerprint } });
  wReq = await open('w').createRequest({ commonName: 'Factory-W', passphrase: PASS, root: { sha256: root.fingerprint } });
  signedY = await X.signSubordinate(yReq.csrPem, { pathLen: 1, days: 1000 });
}, 60_000);

function expectStillPending(a: Authority, home: string): void {
  expect(a.state).toBe('pending');
  expect(Authority.open({ home: join(W, home) }).state).toBe('pending');
  expect(existsSync(join(W, home, 'authority', 'chain.pem'))).toBe(false);
}

describe('importBundle refusals', () => {
  it('a bundle issued for another key → AUTHORITY_KEY_MISMATCH', async () => {
    const signedW = await X.signSubordinate(wReq.csrPem, { pathLen: 1, days: 100 });
    expect(await codeOf(Y.importBundle(signedW.bundlePem))).toBe('AUTHORITY_KEY_MISMATCH');
    expectStillPending(Y, 'y');
  });

  it('a chain that does not reach a root → AUTHORITY_CHAIN_NO_ROOT', async () => {
    expect(await codeOf(Y.importBundle(signedY.certificatePem))).toBe('AUTHORITY_CHAIN_NO_ROOT');
    expectStillPending(Y, 'y');
  });

  it('a broken signature in the chain → CHAIN_SIGNATURE_INVALID', async () => {
    const tampered = Uint8Array.from(signedY.certificateDer);
    tampered[tampered.length - 3]! ^= 0x01; // inside the ECDSA signature value
    expect(await codeOf(Y.importBundle(toPem(tampered) + rootPem))).toBe('CHAIN_SIGNATURE_INVALID');
    expectStillPending(Y, 'y');
  });

  it('a different root with the same name → AUTHORITY_ROOT_MISMATCH (it is not the pinned root)', async () => {
    const impostor = await open('x2').initRoot({ commonName: 'Company-X', pathLen: 2, days: 3650, passphrase: PASS });
    expect(await codeOf(Y.importBundle(signedY.certificatePem + impostor.certificatePem))).toBe('AUTHORITY_ROOT_MISMATCH');
    expectStillPending(Y, 'y');
  });

  it('an expired or not-yet-valid chain → CHAIN_EXPIRED / CHAIN_NOT_YET_VALID', async () => {
    const later = open('y', () => new Date(Date.now() + 2000 * 86_400_000));
    expect(await codeOf(later.importBundle(signedY.bundlePem))).toBe('CHAIN_EXPIRED');
    const earlier = open('y', () => new Date(Date.now() - 86_400_000));
    expect(await codeOf(earlier.importBundle(signedY.bundlePem))).toBe('CHAIN_NOT_YET_VALID');
    expectStillPending(Y, 'y');
  });

  it('no pending request and no --key → AUTHORITY_NO_PENDING_REQUEST', async () => {
    expect(await codeOf(open('empty').importBundle(signedY.bundlePem))).toBe('AUTHORITY_NO_PENDING_REQUEST');
  });

  it('garbage → AUTHORITY_BUNDLE_MALFORMED', async () => {
    expect(await codeOf(Y.importBundle('hello'))).toBe('AUTHORITY_BUNDLE_MALFORMED');
  });

  describe('pathLen and validity that do not fit (OpenSSL-signed, since the station never issues these)', () => {
    let Z: Authority;
    const d = join(W, 'ossl');
    beforeAll(async () => {
      Z = open('z');
      const req = await Z.createRequest({ commonName: 'Technician-Z', passphrase: PASS });
      mkdirSync(d);
      writeFileSync(join(d, 'z.csr'), req.csrPem);
      const roots: [string, string, number][] = [['r0', 'critical,CA:true,pathlen:0', 3650], ['r1', 'critical,CA:true,pathlen:1', 3650], ['short', 'critical,CA:true', 30]];
      for (const [name, bc, days] of roots) {
        openssl(d, ['req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-subj', `/CN=Root ${name}`, '-days', String(days),
          '-addext', `basicConstraints=${bc}`, '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', `${name}.pem`]);
      }
      const sign = (root: string, bc: string, days: number, out: string) => {
        writeFileSync(join(d, `${out}.ext`), `basicConstraints=${bc}\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n`);
        openssl(d, ['x509', '-req', '-in', 'z.csr', '-CA', `${root}.pem`, '-CAkey', `${root}.key`, '-CAcreateserial', '-days', String(days), '-sha256', '-extfile', `${out}.ext`, '-out', `${out}.pem`]);
        return openssl(d, ['x509', '-in', `${out}.pem`]) + openssl(d, ['x509', '-in', `${root}.pem`]);
      };
      Object.assign(bundles, {
        noRoom: sign('r0', 'critical,CA:true,pathlen:0', 365, 'z-under-r0'),
        tooLong: sign('r1', 'critical,CA:true,pathlen:3', 365, 'z-pathlen3'),
        outlives: sign('short', 'critical,CA:true,pathlen:0', 365, 'z-outlives'),
        notCa: sign('r1', 'critical,CA:false', 365, 'z-not-ca'),
        fits: sign('r1', 'critical,CA:true,pathlen:0', 365, 'z-fits'),
      });
    }, 60_000);
    const bundles: Record<'noRoom' | 'tooLong' | 'outlives' | 'notCa' | 'fits', string> = { noRoom: '', tooLong: '', outlives: '', notCa: '', fits: '' };

    /** The bundle's own root (its last certificate), as the officer would pin it from the OpenSSL root's hand-over. */
    const own = (bundle: string) => ({ root: { sha256: fingerprintSha256(fromPem(bundle).at(-1)!.der) } });

    it('an issuer with pathLen 0 leaves no room for this CA → AUTHORITY_PATHLEN_NO_ROOM', async () => {
      expect(await codeOf(Z.importBundle(bundles.noRoom, own(bundles.noRoom)))).toBe('AUTHORITY_PATHLEN_NO_ROOM');
      expectStillPending(Z, 'z');
    });

    it('a declared pathLen above what the issuer allows → CHAIN_PATHLEN_EXCEEDED', async () => {
      expect(await codeOf(Z.importBundle(bundles.tooLong, own(bundles.tooLong)))).toBe('CHAIN_PATHLEN_EXCEEDED');
      expectStillPending(Z, 'z');
    });

    it('a validity outliving the issuer → CHAIN_VALIDITY_OUTSIDE_ISSUER', async () => {
      expect(await codeOf(Z.importBundle(bundles.outlives, own(bundles.outlives)))).toBe('CHAIN_VALIDITY_OUTSIDE_ISSUER');
      expectStillPending(Z, 'z');
    });

    it('a certificate that is not a CA → CHAIN_LEAF_KIND_MISMATCH', async () => {
      expect(await codeOf(Z.importBundle(bundles.notCa, own(bundles.notCa)))).toBe('CHAIN_LEAF_KIND_MISMATCH');
      expectStillPending(Z, 'z');
    });

    it('…while the fitting one is accepted', async () => {
      const r = await Z.importBundle(bundles.fits, own(bundles.fits));
      expect(r).toMatchObject({ kind: 'subordinate', subject: 'CN=Technician-Z', keyImported: false });
      expect(Z.state).toBe('active');
    });
  });
});
