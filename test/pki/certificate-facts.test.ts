/** certificateSpki: the key of a certificate, walked out of the DER; names as OpenSSL writes them. */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { concat } from '../../electron/core/pki/bytes';
import { readDerHeader, readChildren, readElement, tlv } from '../../electron/core/pki/der';
import {
  certificateSerialAndSpki,
  certificateSpki,
  exportSpki,
  formatNameLines,
  formatNameRfc4514,
  fromPem,
  generateKeyPair,
  issueCertificate,
  normalizeSerialHex,
  readCertificate,
  type IssuedCertificate,
} from '../../electron/core/pki/index';
import { expectCode, fixtureKey, hex, openssl, tempDir } from './helpers';

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

describe('names and serial as OpenSSL writes them', () => {
  it('multi-line and RFC 4514 forms, escaping and all, and the serial without its sign octet', () => {
    const dir = tempDir();
    const r = openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem',
      '-subj', '/C=DE/O=Ac, me/OU=#1 line/CN=dev\\+1 ', '-days', '1', '-set_serial', '0x80a1'], dir);
    expect(r.status, r.stderr).toBe(0);
    const der = fromPem(readFileSync(join(dir, 'c.pem'), 'utf8'))[0]!.der;
    const x = new X509Certificate(der);
    const f = readCertificate(der);
    expect(formatNameLines(f.subjectDer)).toBe(x.subject);
    expect(formatNameLines(f.issuerDer)).toBe(x.issuer);
    expect(formatNameRfc4514(f.subjectDer)).toBe(x.subject.split('\n').reverse().join(', '));
    expect(f.subject).toBe(x.subject.split('\n').join(', '));
    expect(f.serialHex).toBe('0080a1'); // the INTEGER's content octets
    expect(normalizeSerialHex(f.serialHex)).toBe('80a1');
    expect(normalizeSerialHex(x.serialNumber)).toBe('80a1');
    expect(certificateSerialAndSpki(der)).toEqual({ serialHex: '80a1', spki: f.spki });
  });

  it('normalizeSerialHex: lower case, no leading zero octets, "00" for zero', () => {
    expect(normalizeSerialHex('00:0A:FF')).toBe('0aff');
    expect(normalizeSerialHex('0000')).toBe('00');
    expect(normalizeSerialHex('')).toBe('00');
  });

  it('certificateSpki reads in full what the quick walk leaves (a zero serial)', () => {
    const dir = tempDir();
    const r = openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-subj', '/CN=zero', '-days', '1', '-set_serial', '0'], dir);
    expect(r.status, r.stderr).toBe(0);
    const der = fromPem(readFileSync(join(dir, 'c.pem'), 'utf8'))[0]!.der;
    expect(certificateSerialAndSpki(der)).toBeNull();
    expect(hex(certificateSpki(der))).toBe(opensslSpki(der));
  });
});
