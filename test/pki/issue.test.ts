/**
 * issueCertificate: the CA's refusals (issuer checks, key match, request
 * validation) and validity clamping.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { signTbs, type TbsSigner } from '../../electron/core/pki/certificate-builder';
import type { CryptoKeyPair } from '../../electron/core/pki/crypto';
import { fingerprintSha256, generateKeyPair, issueCertificate, readCertificate, type IssuedCertificate } from '../../electron/core/pki/index';
import { readIssuer } from '../../electron/core/pki/issuer-checks';
import { expectCode, rawCert } from './helpers';

/** The real signer, counted: the TBSCertificates issueCertificate hands it. */
const countingSigner = () => vi.fn<TbsSigner>(signTbs);

const NB = new Date('2025-01-01T00:00:00Z');
const NOW = new Date('2025-03-01T00:00:00Z');
let rootK: CryptoKeyPair;
let facK: CryptoKeyPair;
let techK: CryptoKeyPair;
let devK: CryptoKeyPair;
let root: IssuedCertificate;
let factory: IssuedCertificate;
let tech: IssuedCertificate;
let leaf: IssuedCertificate;

beforeAll(async () => {
  const gen = () => generateKeyPair('P-256', { extractable: false });
  [rootK, facK, techK, devK] = await Promise.all([gen(), gen(), gen(), gen()]);
  root = await issueCertificate({ profile: 'rootCa', commonName: 'Root', subjectPublicKey: rootK.publicKey, issuer: 'self', selfKeys: rootK, notBefore: NB, days: 3650, now: NOW });
  factory = await issueCertificate({ profile: 'intermediateCa', commonName: 'Factory', subjectPublicKey: facK.publicKey, issuer: { certificate: root.der, privateKey: rootK.privateKey }, pathLen: 1, notBefore: NB, days: 1000, now: NOW });
  tech = await issueCertificate({ profile: 'intermediateCa', commonName: 'Tech', subjectPublicKey: techK.publicKey, issuer: { certificate: factory.der, privateKey: facK.privateKey }, notBefore: NB, days: 500, now: NOW });
  leaf = await issueCertificate({ profile: 'deviceLeaf', commonName: 'dev-1', subjectPublicKey: devK.publicKey, issuer: { certificate: tech.der, privateKey: techK.privateKey }, notBefore: NB, days: 100, now: NOW });
});

const leafReq = (over: Record<string, unknown> = {}) =>
  issueCertificate({ profile: 'deviceLeaf', commonName: 'dev-2', subjectPublicKey: devK.publicKey, issuer: { certificate: tech.der, privateKey: techK.privateKey }, notBefore: NB, days: 100, now: NOW, ...over } as Parameters<typeof issueCertificate>[0]);

describe('issuer checks', () => {
  it('readIssuer never confuses issuers: alternating CAs, and an array rewritten in place', () => {
    for (const c of [tech, factory, tech, root, root, tech]) expect(readIssuer(c.der).fingerprintSha256).toBe(c.fingerprintSha256);
    const buf = Uint8Array.from(tech.der);
    expect(readIssuer(buf).fingerprintSha256).toBe(tech.fingerprintSha256);
    buf[buf.length - 1]! ^= 1; // same array, one signature byte changed: another certificate
    expect(readIssuer(buf).fingerprintSha256).toBe(fingerprintSha256(buf));
    expect(readIssuer(buf).fingerprintSha256).not.toBe(tech.fingerprintSha256);
    expect(readIssuer(tech.der).fingerprintSha256).toBe(tech.fingerprintSha256);
  });

  it('refuses an issuer that is not a CA (a device certificate)', async () => {
    await expectCode(leafReq({ issuer: { certificate: leaf.der, privateKey: devK.privateKey } }), 'CHAIN_ISSUER_NOT_CA');
  });

  it('refuses a CA certificate without keyCertSign', async () => {
    const noSign = await rawCert({ subjectCN: 'NoSign', issuerCN: 'Root', subjectKey: techK.publicKey, issuerKey: rootK.publicKey, signingKey: rootK.privateKey, notBefore: NB, notAfter: new Date('2027-01-01T00:00:00Z'), ca: true, keyUsage: ['digitalSignature', 'cRLSign'] });
    await expectCode(leafReq({ issuer: { certificate: noSign, privateKey: techK.privateKey } }), 'CHAIN_ISSUER_NO_KEYCERTSIGN');
  });

  it('refuses an intermediate under an intermediate with pathLen 0', async () => {
    await expectCode(
      issueCertificate({ profile: 'intermediateCa', commonName: 'Sub', subjectPublicKey: devK.publicKey, issuer: { certificate: tech.der, privateKey: techK.privateKey }, notBefore: NB, days: 10, now: NOW }),
      'CHAIN_PATHLEN_EXCEEDED',
    );
  });

  it('refuses a sub-CA pathLen that its issuer leaves no room for', async () => {
    await expectCode(
      issueCertificate({ profile: 'intermediateCa', commonName: 'Sub', subjectPublicKey: devK.publicKey, issuer: { certificate: factory.der, privateKey: facK.privateKey }, pathLen: 1, notBefore: NB, days: 10, now: NOW }),
      'CHAIN_PATHLEN_EXCEEDED',
    );
  });

  it('refuses a private key that does not match the issuer certificate, before signing anything', async () => {
    const signer = countingSigner();
    await expectCode(leafReq({ issuer: { certificate: tech.der, privateKey: facK.privateKey }, signer }), 'KEY_MISMATCH');
    expect(signer).not.toHaveBeenCalled();
    // the signer does see the TBSCertificate when one is signed
    await leafReq({ signer });
    expect(signer).toHaveBeenCalledTimes(1);
    expect(signer.mock.calls[0]![0][0]).toBe(0x30); // a DER SEQUENCE
    expect(signer.mock.calls[0]![1]).toBe(techK.privateKey);
  });

  it('never hands out a certificate whose signature does not verify under the issuer (KEY_MISMATCH)', async () => {
    const faulty: TbsSigner = async (tbs, key, hash) => {
      const sig = await signTbs(tbs, key, hash);
      sig[sig.length - 1]! ^= 1; // a signer fault
      return sig;
    };
    await expect(leafReq({ signer: faulty })).rejects.toMatchObject({ code: 'KEY_MISMATCH', message: 'the signed certificate does not verify under the issuer key' });
    // a signature by the wrong key (another CryptoKey of the same curve) is caught the same way
    const wrongKey: TbsSigner = (tbs, _key, hash) => signTbs(tbs, devK.privateKey, hash);
    await expect(leafReq({ signer: wrongKey })).rejects.toMatchObject({ code: 'KEY_MISMATCH', message: 'the signed certificate does not verify under the issuer key' });
    // the default signer's signature passes the same check
    expect((await leafReq()).der.length).toBeGreaterThan(0);
  });

  it('refuses an RSA key offered for an EC issuer certificate', async () => {
    const rsa = await generateKeyPair('RSA-2048', { extractable: false });
    await expectCode(leafReq({ issuer: { certificate: tech.der, privateKey: rsa.privateKey } }), 'KEY_MISMATCH');
  });

  it('refuses an issuer that has expired or is not yet valid at `now`', async () => {
    await expectCode(leafReq({ now: new Date('2030-01-01T00:00:00Z') }), 'CHAIN_EXPIRED');
    await expectCode(leafReq({ now: new Date('2024-01-01T00:00:00Z') }), 'CHAIN_NOT_YET_VALID');
  });

  it("refuses selfKeys that are not the subject key, and 'self' for non-root profiles", async () => {
    await expectCode(issueCertificate({ profile: 'rootCa', commonName: 'R', subjectPublicKey: devK.publicKey, issuer: 'self', selfKeys: rootK, notBefore: NB, days: 10 }), 'KEY_MISMATCH');
    await expectCode(issueCertificate({ profile: 'intermediateCa', commonName: 'R', subjectPublicKey: rootK.publicKey, issuer: 'self', selfKeys: rootK, notBefore: NB, days: 10 }), 'PROFILE_INVALID_REQUEST');
    await expectCode(issueCertificate({ profile: 'rootCa', commonName: 'R', subjectPublicKey: rootK.publicKey, issuer: { certificate: root.der, privateKey: rootK.privateKey }, notBefore: NB, days: 10 }), 'PROFILE_INVALID_REQUEST');
  });
});

describe('validity clamping', () => {
  it('pulls notAfter in to the issuer notAfter and reports it', async () => {
    const c = await leafReq({ days: 3000 });
    expect(c.clamped).toBe(true);
    expect(c.clampedFields).toEqual(['notAfter']);
    expect(c.notAfter.getTime()).toBe(readCertificate(tech.der).notAfter.getTime());
    expect(readCertificate(c.der).notAfter.getTime()).toBe(c.notAfter.getTime());
  });

  it('pulls notBefore up to the issuer notBefore and reports it', async () => {
    const c = await leafReq({ notBefore: new Date('2024-12-01T00:00:00Z') });
    expect(c.clampedFields).toEqual(['notBefore']);
    expect(c.notBefore.toISOString()).toBe(NB.toISOString());
  });

  it('does not clamp (and says so) when the window fits', async () => {
    const c = await leafReq({ notBefore: new Date('2025-02-01T10:20:30.999Z'), days: 10 });
    expect(c.clamped).toBe(false);
    expect(c.notBefore.toISOString()).toBe('2025-02-01T10:20:30.000Z');
    expect(c.notAfter.toISOString()).toBe('2025-02-11T10:20:30.000Z');
  });

  it('refuses a window entirely outside the issuer', async () => {
    await expectCode(leafReq({ notBefore: new Date('2029-01-01T00:00:00Z') }), 'PROFILE_VALIDITY_EMPTY');
  });

  it('refuses days outside 1..maxDays', async () => {
    await expectCode(leafReq({ days: 0 }), 'PROFILE_INVALID_REQUEST');
    await expectCode(leafReq({ days: 1.5 }), 'PROFILE_INVALID_REQUEST');
    await expectCode(leafReq({ days: 3653 }), 'PROFILE_INVALID_REQUEST');
    await expectCode(issueCertificate({ profile: 'hubVerification', commonName: 'ABC', subjectPublicKey: devK.publicKey, issuer: { certificate: tech.der, privateKey: techK.privateKey }, notBefore: NB, days: 91, now: NOW }), 'PROFILE_INVALID_REQUEST');
  });
});

describe('subject rules', () => {
  it('a device leaf CN must be a valid device ID (dps by default, iothub on request)', async () => {
    await expectCode(leafReq({ commonName: 'Dev-Upper' }), 'DEVICE_ID_INVALID');
    const c = await leafReq({ commonName: 'Dev-Upper', deviceIdRule: 'iothub' });
    expect(c.subject).toBe('CN=Dev-Upper');
    await expectCode(leafReq({ commonName: 'a'.repeat(65), deviceIdRule: 'iothub' }), 'PROFILE_INVALID_COMMON_NAME');
  });

  it('a verification CN must look like a hub code', async () => {
    const ver = (cn: string) => issueCertificate({ profile: 'hubVerification', commonName: cn, subjectPublicKey: devK.publicKey, issuer: { certificate: tech.der, privateKey: techK.privateKey }, notBefore: NB, now: NOW });
    await expectCode(ver('not a code'), 'PROFILE_INVALID_COMMON_NAME');
    await expectCode(ver(''), 'PROFILE_INVALID_COMMON_NAME');
    expect((await ver('ABC123')).subject).toBe('CN=ABC123');
  });

  it('leaves take no organization and no pathLen', async () => {
    await expectCode(leafReq({ organization: 'Evil' }), 'PROFILE_INVALID_REQUEST');
    await expectCode(leafReq({ pathLen: 0 }), 'PROFILE_INVALID_REQUEST');
  });

  it('device keys outside policy are refused at issuance too', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'der' });
    await expectCode(leafReq({ subjectPublicKey: new Uint8Array(k1) }), 'KEY_UNSUPPORTED_CURVE');
  });

  it('a CA key must be one of the CA key specs', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const odd = generateKeyPairSync('rsa', { modulusLength: 2304 }).publicKey.export({ type: 'spki', format: 'der' });
    await expectCode(
      issueCertificate({ profile: 'intermediateCa', commonName: 'Odd', subjectPublicKey: new Uint8Array(odd), issuer: { certificate: root.der, privateKey: rootK.privateKey }, notBefore: NB, days: 10, now: NOW }),
      'KEY_UNSUPPORTED_SPEC',
    );
  });
});
