/**
 * What the ledger records about a certificate, and whether an issued
 * certificate is the one its intent named (same serial, same key).
 *
 * `certFacts` parses with Node's X509Certificate (OpenSSL). Its decoders cost
 * more than the rest of a device's ledger appends together, so the done record
 * first reads the serial and the SubjectPublicKeyInfo straight out of the DER
 * (`tbsFields`) and compares them with the intent; only a certificate that
 * does not plainly match is handed to OpenSSL, which then decides as before.
 */
import { X509Certificate, hash } from 'node:crypto';
import { readChildren, readElement, type DerReadOptions } from '../pki/der';

export interface CertFacts {
  serialHex: string;
  spkiSha256: string;
  certSha256: string;
  subject: string;
}

/**
 * One-shot `crypto.hash`: a done record hashes the certificate and its SPKI,
 * and on a line (cold caches between devices) createHash's Hash object cost
 * several times the digest itself.
 */
const sha256Hex = (b: Uint8Array): string => hash('sha256', b, 'hex');

/** Facts about a certificate DER, computed with Node's X509Certificate. */
export function certFacts(der: Uint8Array): CertFacts {
  const c = new X509Certificate(Buffer.from(der));
  const spki = c.publicKey.export({ type: 'spki', format: 'der' });
  return {
    serialHex: normalizeSerial(c.serialNumber),
    spkiSha256: sha256Hex(spki),
    certSha256: sha256Hex(der),
    subject: c.subject,
  };
}

/** Lowercase hex without leading zero octets (the recorder.ts convention). */
export function normalizeSerial(hex: string): string {
  const s = hex.toLowerCase().replace(/[^0-9a-f]/g, '').replace(/^(00)+/, '');
  return s === '' ? '00' : s;
}

// DER tags (X.690) in an X.509 certificate (RFC 5280 §4.1).
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const SEQUENCE = 0x30;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;
const VERSION = 0xa0; // [0] EXPLICIT
const OPTIONAL_TAIL = [0xa1, 0xa2, 0xa3]; // issuerUniqueID, subjectUniqueID, extensions
/** Strict DER only: bytes OpenSSL might read differently go to OpenSSL. */
const STRICT: DerReadOptions = { minimalLength: true };

/**
 * Serial (lowercase hex, leading zero octets dropped) and SPKI bytes of a DER
 * X.509 certificate, read from its structure: Certificate = SEQUENCE { tbs,
 * signatureAlgorithm, signature BIT STRING }, tbs = SEQUENCE { [0] version?,
 * serial, signature, issuer, validity, subject, spki, [1]? [2]? [3]? }.
 * Null for anything that does not have exactly that shape, or a serial that is
 * zero, negative or not minimally encoded (OpenSSL would render those
 * differently): the caller then asks OpenSSL.
 */
export function tbsFields(der: Uint8Array): { serialHex: string; spki: Uint8Array } | null {
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
    const serialHex = Buffer.from(v.buffer, v.byteOffset, v.length).toString('hex');
    if (/^0*$/.test(serialHex)) return null;
    return { serialHex, spki: spki.raw };
  } catch {
    return null; // not well-formed DER: OpenSSL decides
  }
}

/** The facts a done record stores, and whether the certificate carries the intent's serial and key. */
export interface IssuedFacts {
  /** The certificate's serial, or the intent's when the certificate cannot be read. */
  serialHex: string;
  /** The certificate's serial; undefined when it cannot be read. */
  certSerialHex: string | undefined;
  certSha256: string;
  matches: boolean;
}

/**
 * Compare an issued certificate with its intent. A certificate whose DER
 * carries the intent's serial and exactly the intent's SPKI bytes matches
 * without OpenSSL; any other is decided by `certFacts` as it always was (one
 * OpenSSL cannot read never matches; its serial is then the intent's).
 */
export function issuedFacts(der: Uint8Array, intent: { serialHex: string; spkiSha256: string }): IssuedFacts {
  const quick = tbsFields(der);
  if (quick && quick.serialHex === intent.serialHex && sha256Hex(quick.spki) === intent.spkiSha256) {
    return { serialHex: quick.serialHex, certSerialHex: quick.serialHex, certSha256: sha256Hex(der), matches: true };
  }
  let facts: CertFacts | null = null;
  try { facts = certFacts(der); } catch { /* recorded anyway; the audit flags it */ }
  return {
    serialHex: facts?.serialHex ?? intent.serialHex,
    certSerialHex: facts?.serialHex,
    certSha256: facts?.certSha256 ?? sha256Hex(der),
    matches: !!facts && facts.serialHex === intent.serialHex && facts.spkiSha256 === intent.spkiSha256,
  };
}
