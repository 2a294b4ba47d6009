/**
 * Reads a DER certificate into the plain facts the issuer checks and the chain
 * validator need. Raw byte slices (names, SPKI) are kept exactly as encoded so
 * name chaining compares bytes, not re-encodings.
 */
import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  KeyUsage,
  SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { CustodianError } from '../errors';
import { toArrayBuffer, toBytes, toHex } from './bytes';
import { PkiCodes } from './codes';
import { readDerHeader } from './der';
import { KEY_USAGE_BITS, type KeyUsageName } from './extensions';
import { publicKeyObject } from './key-objects';
import { formatName } from './names';
import { Oid } from './oids';
import { fingerprintSha256 } from './pem';

export interface CertificateFacts {
  der: Uint8Array;
  subject: string;
  issuer: string;
  subjectDer: Uint8Array;
  issuerDer: Uint8Array;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  spki: Uint8Array;
  publicKeyBits: Uint8Array;
  signatureAlgorithmOid: string;
  fingerprintSha256: string;
  basicConstraints?: { ca: boolean; pathLen?: number; critical: boolean };
  keyUsage?: { usages: KeyUsageName[]; critical: boolean };
  extendedKeyUsage?: { oids: string[]; critical: boolean };
  subjectKeyIdentifier?: Uint8Array;
  authorityKeyIdentifier?: Uint8Array;
  /** OIDs of critical extensions this engine does not understand. */
  unknownCritical: string[];
}

const KNOWN = new Set<string>([Oid.basicConstraints, Oid.keyUsage, Oid.extKeyUsage, Oid.subjectKeyIdentifier, Oid.authorityKeyIdentifier, Oid.subjectAltName]);

/** The n-th child TLV (raw bytes) of a constructed DER value. */
function childTlv(parent: Uint8Array, index: number): Uint8Array {
  const h = readDerHeader(parent);
  if (!h || h.totalLength > parent.length) throw new Error('bad DER');
  let off = h.headerLength;
  for (let i = 0; off < h.totalLength; i++) {
    const ch = readDerHeader(parent.subarray(off));
    if (!ch || off + ch.totalLength > h.totalLength) throw new Error('bad DER');
    if (i === index) return parent.subarray(off, off + ch.totalLength);
    off += ch.totalLength;
  }
  throw new Error('DER child missing');
}

export function decodeKeyUsage(ku: KeyUsage): KeyUsageName[] {
  const bytes = toBytes(ku.value);
  const out: KeyUsageName[] = [];
  for (const [name, bit] of Object.entries(KEY_USAGE_BITS) as [KeyUsageName, number][]) {
    const byte = bytes[bit >> 3];
    if (byte !== undefined && byte & (0x80 >> (bit & 7))) out.push(name);
  }
  return out;
}

export function readCertificate(input: Uint8Array): CertificateFacts {
  const der = toBytes(input);
  try {
    const h = readDerHeader(der);
    if (!h || h.tag !== 0x30 || h.totalLength !== der.length) throw new Error('outer DER length does not match the input');
    const cert = AsnConvert.parse(toArrayBuffer(der), Certificate);
    const tbsRaw = childTlv(der, 0);
    // TBSCertificate: [0] version, serial, signature, issuer, validity, subject, spki, …
    const offset = childTlv(tbsRaw, 0)[0] === 0xa0 ? 1 : 0;
    const issuerDer = Uint8Array.from(childTlv(tbsRaw, 2 + offset));
    const subjectDer = Uint8Array.from(childTlv(tbsRaw, 4 + offset));
    const spki = Uint8Array.from(childTlv(tbsRaw, 5 + offset));
    const tbs = cert.tbsCertificate;
    const facts: CertificateFacts = {
      der,
      subject: formatName(subjectDer),
      issuer: formatName(issuerDer),
      subjectDer,
      issuerDer,
      serialHex: toHex(tbs.serialNumber),
      notBefore: tbs.validity.notBefore.getTime(),
      notAfter: tbs.validity.notAfter.getTime(),
      spki,
      publicKeyBits: toBytes(tbs.subjectPublicKeyInfo.subjectPublicKey),
      signatureAlgorithmOid: cert.signatureAlgorithm.algorithm,
      fingerprintSha256: fingerprintSha256(der),
      unknownCritical: [],
    };
    for (const e of tbs.extensions ?? []) {
      const value = e.extnValue.buffer;
      const critical = e.critical === true;
      switch (e.extnID) {
        case Oid.basicConstraints: {
          const bc = AsnConvert.parse(value, BasicConstraints);
          facts.basicConstraints = { ca: bc.cA, critical, ...(bc.pathLenConstraint !== undefined ? { pathLen: bc.pathLenConstraint } : {}) };
          break;
        }
        case Oid.keyUsage:
          facts.keyUsage = { usages: decodeKeyUsage(AsnConvert.parse(value, KeyUsage)), critical };
          break;
        case Oid.extKeyUsage:
          facts.extendedKeyUsage = { oids: [...AsnConvert.parse(value, ExtendedKeyUsage)], critical };
          break;
        case Oid.subjectKeyIdentifier:
          facts.subjectKeyIdentifier = Uint8Array.from(toBytes(AsnConvert.parse(value, SubjectKeyIdentifier).buffer));
          break;
        case Oid.authorityKeyIdentifier: {
          const aki = AsnConvert.parse(value, AuthorityKeyIdentifier);
          if (aki.keyIdentifier) facts.authorityKeyIdentifier = Uint8Array.from(toBytes(aki.keyIdentifier.buffer));
          break;
        }
        default:
          if (critical && !KNOWN.has(e.extnID)) facts.unknownCritical.push(e.extnID);
      }
    }
    return facts;
  } catch (e) {
    throw new CustodianError(PkiCodes.CHAIN_MALFORMED, `certificate is not valid DER X.509: ${(e as Error).message}`, {}, { cause: e });
  }
}

/**
 * A certificate's SubjectPublicKeyInfo exactly as encoded, walked out of the
 * DER without a full parse (OpenSSL's or the schema's, 50–700 µs): for callers
 * that only need the key of a certificate whose bytes were checked elsewhere.
 * Throws CHAIN_MALFORMED when the DER does not have that shape.
 */
export function certificateSpki(input: Uint8Array): Uint8Array {
  const der = toBytes(input);
  try {
    const h = readDerHeader(der);
    if (!h || h.tag !== 0x30 || h.totalLength !== der.length) throw new Error('outer DER length does not match the input');
    const tbs = childTlv(der, 0);
    if (tbs[0] !== 0x30) throw new Error('TBSCertificate is not a SEQUENCE');
    // TBSCertificate: [0] version, serial, signature, issuer, validity, subject, spki, …
    const spki = childTlv(tbs, childTlv(tbs, 0)[0] === 0xa0 ? 6 : 5);
    if (spki[0] !== 0x30) throw new Error('SubjectPublicKeyInfo is not a SEQUENCE');
    return Uint8Array.from(spki);
  } catch (e) {
    throw new CustodianError(PkiCodes.CHAIN_MALFORMED, `certificate is not valid DER X.509: ${(e as Error).message}`, {}, { cause: e });
  }
}

/** True when `child`'s signature verifies under `issuerSpki` (OpenSSL via Node). */
export function signatureVerifies(childDer: Uint8Array, issuerSpki: Uint8Array): boolean {
  try {
    return new NodeX509Certificate(Buffer.from(childDer)).verify(publicKeyObject(issuerSpki));
  } catch {
    return false;
  }
}
