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
import { decodeLongOid, expectTag, readChildren, readDerHeader, readElement, type DerReadOptions } from './der';
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
  /** The policy OIDs of the certificatePolicies extension, in order (qualifiers are not kept). */
  certificatePolicies?: string[];
  /** OIDs of critical extensions this engine does not understand. */
  unknownCritical: string[];
}

const KNOWN = new Set<string>([Oid.basicConstraints, Oid.keyUsage, Oid.extKeyUsage, Oid.subjectKeyIdentifier, Oid.authorityKeyIdentifier, Oid.subjectAltName, Oid.certificatePolicies]);

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
        case Oid.certificatePolicies:
          // Read from the DER: a 2.25 UUID arc is too large for the OID text the ASN.1 library gives back.
          facts.certificatePolicies = readChildren(readElement(new Uint8Array(value)).content).map((pi) => decodeLongOid(expectTag(readChildren(pi.content)[0], 0x06, 'policyIdentifier').content));
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

// DER tags (X.690) in an X.509 certificate (RFC 5280 §4.1), for the quick read below.
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const SEQUENCE = 0x30;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;
const VERSION = 0xa0; // [0] EXPLICIT
const OPTIONAL_TAIL = [0xa1, 0xa2, 0xa3]; // issuerUniqueID, subjectUniqueID, extensions
/** Strict DER only: bytes a full parse might read differently are left to it. */
const STRICT: DerReadOptions = { minimalLength: true };

/**
 * Serial (lowercase hex, leading zero octets dropped) and SPKI bytes (a view
 * into `der`) of a DER X.509 certificate, walked out of its structure without
 * a full parse (OpenSSL's or the schema's, 50–700 µs): Certificate = SEQUENCE
 * { tbs, signatureAlgorithm, signature BIT STRING }, tbs = SEQUENCE { [0]
 * version?, serial, signature, issuer, validity, subject, spki, [1]? [2]? [3]? }.
 * Null for anything that does not have exactly that shape in strict DER, or a
 * serial that is zero, negative or not minimally encoded: the caller then
 * reads the certificate with readCertificate.
 */
export function certificateSerialAndSpki(der: Uint8Array): { serialHex: string; spki: Uint8Array } | null {
  try {
    const cert = readElement(der, STRICT);
    if (cert.tag !== SEQUENCE || cert.raw.length !== der.length) return null;
    const top = readChildren(cert.content, STRICT);
    if (top.length !== 3 || top[0]!.tag !== SEQUENCE || top[1]!.tag !== SEQUENCE || top[2]!.tag !== BIT_STRING) return null;
    const tbs = readChildren(top[0]!.content, STRICT);
    let i = tbs[0]?.tag === VERSION ? 1 : 0;
    const [serial, sigAlg, issuer, validity, subject, spki] = tbs.slice(i, i + 6);
    if (!serial || serial.tag !== INTEGER || !spki) return null;
    if (![sigAlg, issuer, validity, subject, spki].every((t) => t!.tag === SEQUENCE)) return null;
    const times = readChildren(validity!.content, STRICT);
    if (times.length !== 2 || !times.every((t) => t.tag === UTC_TIME || t.tag === GENERALIZED_TIME)) return null;
    let tail = 0;
    for (i += 6; i < tbs.length; i++) {
      const at = OPTIONAL_TAIL.indexOf(tbs[i]!.tag, tail);
      if (at < 0) return null;
      tail = at + 1;
    }
    let v = serial.content;
    if (v.length === 0 || v[0]! & 0x80 || (v.length > 1 && v[0] === 0 && !(v[1]! & 0x80))) return null;
    if (v[0] === 0) v = v.subarray(1);
    const serialHex = toHex(v);
    if (/^0*$/.test(serialHex)) return null;
    return { serialHex, spki: spki.raw };
  } catch {
    return null; // not well-formed DER: the full parse decides
  }
}

/**
 * A certificate's SubjectPublicKeyInfo exactly as encoded (a copy): walked out
 * of the DER (certificateSerialAndSpki), or read by readCertificate when the
 * bytes are not plainly shaped. For callers that only need the key of a
 * certificate whose bytes were checked elsewhere. Throws CHAIN_MALFORMED when
 * the DER is not a certificate.
 */
export function certificateSpki(input: Uint8Array): Uint8Array {
  const der = toBytes(input);
  const quick = certificateSerialAndSpki(der);
  return quick ? Uint8Array.from(quick.spki) : readCertificate(der).spki;
}

/** True when `child`'s signature verifies under `issuerSpki` (OpenSSL via Node). */
export function signatureVerifies(childDer: Uint8Array, issuerSpki: Uint8Array): boolean {
  try {
    return new NodeX509Certificate(Buffer.from(childDer)).verify(publicKeyObject(issuerSpki));
  } catch {
    return false;
  }
}
