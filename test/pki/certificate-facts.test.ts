/** certificateSpki: the key of a certificate, walked out of the DER. */
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { concat } from '../../electron/core/pki/bytes';
import { readDerHeader, readChildren, readElement, tlv } from '../../electron/core/pki/der';
import { certificateSpki, exportSpki, generateKeyPair, issueCertificate, readCertificate, type IssuedCertificate } from '../../electron/core/pki/index';
import { expectCode, fixtureKey, hex } from './helpers';

const NB = new Date('2025-01-01T00:00:00Z');
let ecLeaf: IssuedCertificate;
let rsaRoot: IssuedCertificate;

beforeAll(async () => {
  const ca = await generateKeyPair('P-384', { extractable: false });
  const root = await issueCertificate({ profile: 'rootCa', commonName: 'Root', subjectPublicKey: ca.publicKey, issuer: 'self', selfKeys: ca, notBefore: NB, days: 3650, now: NB });
  const dev = await generateKeyPair('P-256', { extractable: false });
  ecLeaf = await issueCertificate({ profile: 'deviceLeaf', commonName: 'dev-1', subjectPublicKey: dev.publicKey, issuer: { certificate: root.der, privateKey: ca.privateKey }, notBefore: NB, days: 30, now: NB });
  const rsa = await fixtureKey('root-rsa2048');
  rsaRoot = await issueCertificate({ profile: 'rootCa', commonName: 'RSA Root', subjectPublicKey: rsa.publicKey, issuer: 'self', selfKeys: rsa, notBefore: NB, days: 3650, now: NB });
});

const opensslSpki = (der: Uint8Array): string => hex(new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' }));

describe('certificateSpki', () => {
  it('is the SPKI OpenSSL and the full parser see, for EC and RSA certificates', async () => {
    for (const c of [ecLeaf, rsaRoot]) {
      expect(hex(certificateSpki(c.der))).toBe(opensslSpki(c.der));
      expect(hex(certificateSpki(c.der))).toBe(hex(readCertificate(c.der).spki));
    }
    expect(hex(certificateSpki(rsaRoot.der))).toBe(hex(await exportSpki((await fixtureKey('root-rsa2048')).publicKey)));
  });

  it('finds the SPKI of a v1 certificate (no [0] version field)', () => {
    const [tbs, alg, sig] = readChildren(readElement(ecLeaf.der).content) as [ReturnType<typeof readElement>, ReturnType<typeof readElement>, ReturnType<typeof readElement>];
    const fields = readChildren(tbs.content);
    expect(fields[0]!.tag).toBe(0xa0);
    const v1 = tlv(0x30, concat(tlv(0x30, concat(...fields.slice(1, 7).map((f) => f.raw))), alg.raw, sig.raw));
    expect(hex(certificateSpki(v1))).toBe(hex(fields[6]!.raw));
  });

  it('returns a copy, not a view into the certificate', () => {
    const der = Uint8Array.from(ecLeaf.der);
    const spki = certificateSpki(der);
    der.fill(0);
    expect(hex(spki)).toBe(opensslSpki(ecLeaf.der));
  });

  it('refuses what is not a certificate with CHAIN_MALFORMED', async () => {
    const der = ecLeaf.der;
    await expectCode(() => certificateSpki(der.subarray(0, der.length - 1)), 'CHAIN_MALFORMED');
    await expectCode(() => certificateSpki(concat(der, Uint8Array.of(0))), 'CHAIN_MALFORMED');
    await expectCode(() => certificateSpki(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])), 'CHAIN_MALFORMED');
    await expectCode(() => certificateSpki(new Uint8Array(0)), 'CHAIN_MALFORMED');
    // a TBS cut short before its SPKI
    const tbs = readChildren(readElement(der).content)[0]!;
    const short = tlv(0x30, tlv(0x30, concat(...readChildren(tbs.content).slice(0, 5).map((f) => f.raw))));
    expect(readDerHeader(short)!.totalLength).toBe(short.length);
    await expectCode(() => certificateSpki(short), 'CHAIN_MALFORMED');
  });
});
