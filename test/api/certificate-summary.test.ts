/**
 * summariseChain maps pki's certificate facts onto the contract's
 * CertificateSummary. OpenSSL (Node's X509Certificate) is the reference for
 * what it shows: names in RFC 4514 order, serial, fingerprints, validity.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, issueCertificate, toPem, type IssuedCertificate } from '../../electron/core/pki/index';
import { summarise, summariseChain } from '../../electron/core/service/certificate-summary';
import { CertificateSummary } from '../../electron/shared/api/common';

const sha256 = (b: Uint8Array | Buffer): string => createHash('sha256').update(b).digest('hex');
const NB = new Date('2025-01-01T00:00:00Z');
const NOW = new Date('2025-02-01T00:00:00Z');
let root: IssuedCertificate;
let mid: IssuedCertificate;
let leaf: IssuedCertificate;

beforeAll(async () => {
  const [rk, mk, lk] = await Promise.all([generateKeyPair('P-384', { extractable: false }), generateKeyPair('RSA-2048', { extractable: false }), generateKeyPair('P-256', { extractable: false })]);
  root = await issueCertificate({
    profile: 'rootCa', commonName: 'Company-X Root', organization: 'Company, X', country: 'DE',
    subjectPublicKey: rk.publicKey, issuer: 'self', selfKeys: rk, pathLen: 1, notBefore: NB, days: 3000, now: NOW,
  });
  mid = await issueCertificate({
    profile: 'intermediateCa', commonName: 'Factory-Y', organization: 'Company, X',
    subjectPublicKey: mk.publicKey, issuer: { certificate: root.der, privateKey: rk.privateKey }, pathLen: 0, notBefore: NB, days: 2000, now: NOW,
  });
  leaf = await issueCertificate({
    profile: 'deviceLeaf', commonName: 'dev-001', subjectPublicKey: lk.publicKey, issuer: { certificate: mid.der, privateKey: mk.privateKey }, notBefore: NB, days: 30, now: NOW,
  });
});

describe('summariseChain', () => {
  it('shows what OpenSSL reads from each certificate, names in RFC 4514 order', () => {
    const chain = [leaf.der, mid.der, root.der];
    const out = summariseChain(chain);
    expect(out).toHaveLength(3);
    out.forEach((s, i) => {
      const der = chain[i]!;
      const x = new X509Certificate(der);
      const rfc4514 = (name: string): string => name.split('\n').reverse().join(', ');
      expect(CertificateSummary.parse(s)).toEqual(s);
      expect(s.subject).toBe(rfc4514(x.subject));
      expect(s.issuer).toBe(rfc4514(x.issuer));
      expect(s.serialHex).toBe(x.serialNumber.toLowerCase().replace(/^(00)+(?=.)/, ''));
      expect(s.fingerprint).toBe(sha256(der));
      expect(s.spkiFingerprint).toBe(sha256(x.publicKey.export({ type: 'spki', format: 'der' })));
      expect(s.notBefore).toBe(new Date(x.validFrom).toISOString());
      expect(s.notAfter).toBe(new Date(x.validTo).toISOString());
      expect(s.isCa).toBe(x.ca);
      expect(s.pem).toBe(toPem(der));
    });
    expect(out[2]!.subject).toBe('CN=Company-X Root, O=Company\\, X, C=DE');
    expect(out.map((s) => s.keyAlgorithm)).toEqual(['P-256', 'RSA-2048', 'P-384']);
    expect(out.map((s) => s.pathLen)).toEqual([null, 0, 1]);
    expect(out.map((s) => s.pathLenRoom)).toEqual([0, 0, 1]);
  });

  it('a root alone keeps its own pathLen as its room; summarise is the one-certificate chain', () => {
    expect(summarise(root.der)).toEqual(summariseChain([root.der])[0]);
    expect(summarise(root.der)).toMatchObject({ isCa: true, pathLen: 1, pathLenRoom: 1 });
    expect(summarise(mid.der)).toMatchObject({ isCa: true, pathLen: 0, pathLenRoom: 0 });
  });
});
