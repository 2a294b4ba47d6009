/**
 * The signing path encodes names, OIDs and extensions directly instead of
 * through @peculiar/asn1-schema (a schema serializer cost ~0.15 ms per name
 * and per extension list). These tests pin the direct encoders to the schema
 * encoder's DER byte for byte.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  ExtendedKeyUsage,
  Extensions,
  KeyIdentifier,
  KeyUsage,
  Name,
  RelativeDistinguishedName,
  SubjectKeyIdentifier,
  TBSCertificate,
  type Extension,
} from '@peculiar/asn1-x509';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeTbs } from '../../electron/core/pki/certificate-builder';
import { decodeOid, encodeOid, readChildren, readDerHeader, tlv } from '../../electron/core/pki/der';
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  extendedKeyUsageExtension,
  keyUsageBitString,
  keyUsageExtension,
  subjectKeyIdentifierExtension,
  type KeyUsageName,
} from '../../electron/core/pki/extensions';
import { encodeName, nameEntries, type SubjectFields } from '../../electron/core/pki/names';
import { Oid } from '../../electron/core/pki/oids';

const hex = (b: ArrayBuffer | Uint8Array): string => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString('hex');

function schemaName(f: SubjectFields): string {
  const rdn = (type: string, value: AttributeValue) => new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value })]);
  const rdns: RelativeDistinguishedName[] = [];
  if (f.country !== undefined) rdns.push(rdn(Oid.country, new AttributeValue({ printableString: f.country })));
  if (f.organization !== undefined) rdns.push(rdn(Oid.organization, new AttributeValue({ utf8String: f.organization })));
  if (f.organizationalUnit !== undefined) rdns.push(rdn(Oid.organizationalUnit, new AttributeValue({ utf8String: f.organizationalUnit })));
  rdns.push(rdn(Oid.commonName, new AttributeValue({ utf8String: f.commonName })));
  return hex(AsnConvert.serialize(new Name(rdns)));
}

describe('direct DER encoders match the schema encoder', () => {
  it('encodeOid is the inverse of decodeOid, including multi-byte arcs', () => {
    for (const oid of [Oid.commonName, Oid.ecdsaWithSha256, Oid.extKeyUsage, '1.3.6.1.5.5.7.3.2', '2.999.1', '1.2.840.113549.1.1.11', '0.9.2342.19200300.100.1.25']) {
      expect(decodeOid(encodeOid(oid))).toBe(oid);
    }
    expect(hex(encodeOid('1.2.840.10045.4.3.2'))).toBe('2a8648ce3d040302');
    expect(() => encodeOid('3.1')).toThrow();
    expect(() => encodeOid('1.40')).toThrow();
    expect(() => encodeOid('1.2.03')).toThrow();
    // each call answers its own bytes: a caller scribbling on one cannot change the next
    const first = encodeOid(Oid.commonName);
    first.fill(0);
    expect(hex(encodeOid(Oid.commonName))).toBe('550403');
    expect(() => encodeOid('1.2.03')).toThrow();
  });

  it('tlv writes the minimal definite length at every form boundary', () => {
    const expected: [number, string][] = [[0, '0400'], [127, '047f'], [128, '048180'], [255, '0481ff'], [256, '04820100'], [65535, '0482ffff'], [65536, '0483010000']];
    for (const [n, head] of expected) {
      const out = tlv(0x04, new Uint8Array(n).fill(0xab));
      expect(hex(out.subarray(0, head.length / 2))).toBe(head);
      expect(out.length).toBe(head.length / 2 + n);
      expect(readDerHeader(out, { minimalLength: true })).toMatchObject({ tag: 0x04, contentLength: n, totalLength: out.length });
      expect(out.subarray(head.length / 2).every((b) => b === 0xab)).toBe(true);
    }
  });

  it('nameEntries: a bad UTF8String throws, and the next name still decodes', () => {
    const good = encodeName({ commonName: 'Gerät-1' });
    const bad = Uint8Array.from(good);
    bad[bad.length - 2] = 0xff; // 0xff never occurs in UTF-8
    expect(() => nameEntries(bad)).toThrow();
    expect(nameEntries(good)).toEqual([{ oid: Oid.commonName, label: 'CN', value: 'Gerät-1' }]);
  });

  it('encodeName: C/O/OU/CN, ASCII and non-ASCII, short and long', () => {
    const cases: SubjectFields[] = [
      { commonName: 'dev-0001' },
      { commonName: 'Company-X Root CA', organization: 'Company-X', country: 'DE' },
      { commonName: 'Technician-Z', organization: 'Company-X', organizationalUnit: 'Line 7', country: 'FR' },
      { commonName: 'Gerät-Ünïcødé-设备' },
      { commonName: 'x'.repeat(64), organization: 'o'.repeat(64) },
    ];
    for (const c of cases) expect(hex(encodeName(c))).toBe(schemaName(c));
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64, unit: 'grapheme' }), fc.option(fc.string({ minLength: 1, maxLength: 64 }), { nil: undefined }), (cn, o) => {
        const f: SubjectFields = o === undefined ? { commonName: cn } : { commonName: cn, organization: o };
        expect(hex(encodeName(f))).toBe(schemaName(f));
      }),
      { numRuns: 200 },
    );
  });

  it('extension values: every encoder writes what the schema serializer writes', () => {
    const value = (e: Extension): string => hex(e.extnValue.buffer);
    const schemaBc = (ca: boolean, pathLen?: number): string => {
      const bc = new BasicConstraints({ cA: ca });
      if (pathLen !== undefined) bc.pathLenConstraint = pathLen;
      return hex(AsnConvert.serialize(bc));
    };
    expect(value(basicConstraintsExtension(false, undefined, true))).toBe(schemaBc(false));
    expect(value(basicConstraintsExtension(false, undefined, true))).toBe('3000');
    expect(value(basicConstraintsExtension(true, undefined, true))).toBe(schemaBc(true));
    for (const n of [0, 1, 8, 127, 128, 255, 256, 65535, 2 ** 31, Number.MAX_SAFE_INTEGER]) {
      expect(value(basicConstraintsExtension(true, n, true))).toBe(schemaBc(true, n));
    }
    expect(value(basicConstraintsExtension(false, 3, false))).toBe(schemaBc(false)); // pathLen only on a CA
    expect(() => basicConstraintsExtension(true, -1, true)).toThrow(RangeError);

    const names = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'] as const;
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom<KeyUsageName>(...names), { minLength: 1 }), (usages) => {
        const { bytes, unusedBits } = keyUsageBitString(usages);
        expect(value(keyUsageExtension(usages, true))).toBe(hex(AsnConvert.serialize(new KeyUsage(bytes.slice().buffer, unusedBits))));
      }),
      { numRuns: 100 },
    );

    for (const oids of [['1.3.6.1.5.5.7.3.2'], ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2', '2.999.1234567']]) {
      expect(value(extendedKeyUsageExtension(oids, false))).toBe(hex(AsnConvert.serialize(new ExtendedKeyUsage(oids))));
    }
    for (const id of [new Uint8Array(20).fill(7), Uint8Array.from({ length: 130 }, (_, i) => i)]) {
      expect(value(subjectKeyIdentifierExtension(id))).toBe(hex(AsnConvert.serialize(new SubjectKeyIdentifier(id.slice().buffer))));
      expect(value(authorityKeyIdentifierExtension(id))).toBe(
        hex(AsnConvert.serialize(new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(id.slice().buffer) }))),
      );
    }
  });

  it('encodeTbs: extensions (critical and not) and the algorithm identifier as the schema writes them', () => {
    const extensions = [
      basicConstraintsExtension(true, 1, true),
      basicConstraintsExtension(false, undefined, true),
      keyUsageExtension(['digitalSignature', 'keyEncipherment'], true),
      extendedKeyUsageExtension(['1.3.6.1.5.5.7.3.2'], false),
      subjectKeyIdentifierExtension(new Uint8Array(20).fill(7)),
      authorityKeyIdentifierExtension(new Uint8Array(20).fill(9)),
    ];
    const alg = new AlgorithmIdentifier({ algorithm: Oid.ecdsaWithSha256 });
    const fields = {
      serial: Uint8Array.of(0x01, 0x23),
      issuerName: encodeName({ commonName: 'Issuer' }),
      subjectName: encodeName({ commonName: 'dev-0001' }),
      notBefore: new Date('2025-06-01T00:00:00Z'),
      notAfter: new Date('2026-06-01T00:00:00Z'),
      spki: Uint8Array.from(Buffer.from('3059301306072a8648ce3d020106082a8648ce3d03010703420004' + '11'.repeat(64), 'hex')),
      extensions,
      signatureHash: 'SHA-256' as const,
    };
    const tbs = encodeTbs(fields, alg);
    const parsed = AsnConvert.parse(tbs, TBSCertificate);
    expect(hex(AsnConvert.serialize(new Extensions(parsed.extensions!)))).toBe(hex(AsnConvert.serialize(new Extensions(extensions))));
    expect(hex(AsnConvert.serialize(parsed.signature))).toBe(hex(AsnConvert.serialize(alg)));
    expect(hex(AsnConvert.serialize(parsed))).toBe(hex(tbs)); // the schema re-encodes it to the same bytes
    const rsa = new AlgorithmIdentifier({ algorithm: Oid.sha256WithRsa, parameters: new Uint8Array([5, 0]).buffer });
    expect(hex(AsnConvert.serialize(AsnConvert.parse(encodeTbs(fields, rsa), TBSCertificate).signature))).toBe('300d06092a864886f70d01010b0500');
  });
});

describe('readDerHeader minimalLength', () => {
  it('refuses only the length fields DER forbids, and only when asked', () => {
    const longFormShort = Uint8Array.of(0x04, 0x81, 0x03, 1, 2, 3); // 0x81 for a length below 0x80
    const leadingZero = Uint8Array.of(0x04, 0x82, 0x00, 0x81, ...new Uint8Array(0x81));
    const minimal = Uint8Array.of(0x04, 0x81, 0x81, ...new Uint8Array(0x81));
    for (const bytes of [longFormShort, leadingZero, minimal]) expect(readDerHeader(bytes)?.contentLength).toBe(bytes.length - (bytes[1]! & 0x7f) - 2);
    expect(readDerHeader(longFormShort, { minimalLength: true })).toBeUndefined();
    expect(readDerHeader(leadingZero, { minimalLength: true })).toBeUndefined();
    expect(readDerHeader(minimal, { minimalLength: true })).toMatchObject({ headerLength: 3, contentLength: 0x81 });
    expect(() => readChildren(longFormShort, { minimalLength: true })).toThrow();
    expect(readChildren(longFormShort)).toHaveLength(1);
  });
});
