/**
 * What the ledger records about a certificate, and whether an issued
 * certificate is the one its intent named (same serial, same key): the
 * ledger's view of pki's certificate reader.
 *
 * A full read (readCertificate) costs more than the rest of a device's ledger
 * appends together, so the done record first takes the serial and the
 * SubjectPublicKeyInfo straight out of the DER (pki certificateSerialAndSpki)
 * and compares them with the intent; only a certificate that does not plainly
 * match is read in full, which then decides.
 */
import { certificateSerialAndSpki, formatNameLines, normalizeSerialHex, readCertificate, sha256Hex } from '../pki/index';

export interface CertFacts {
  /** Lowercase hex without leading zero octets (the recorder.ts convention). */
  serialHex: string;
  spkiSha256: string;
  certSha256: string;
  /** One `label=value` a line, in encoding order (as OpenSSL's multi-line form). */
  subject: string;
}

/** Facts about a certificate DER. Throws CHAIN_MALFORMED when it is not one. */
export function certFacts(der: Uint8Array): CertFacts {
  const f = readCertificate(der);
  return {
    serialHex: normalizeSerialHex(f.serialHex),
    spkiSha256: sha256Hex(f.spki),
    certSha256: f.fingerprintSha256,
    subject: formatNameLines(f.subjectDer),
  };
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
 * without a full read; any other is decided by `certFacts` (one that cannot
 * be read never matches; its serial is then the intent's).
 */
export function issuedFacts(der: Uint8Array, intent: { serialHex: string; spkiSha256: string }): IssuedFacts {
  const quick = certificateSerialAndSpki(der);
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
