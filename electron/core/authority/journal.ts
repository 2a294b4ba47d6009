/**
 * The authority's signing journal: how CA signings outside device
 * provisioning (subordinate CA certificates, hub verification certificates)
 * reach the station's audit trail. Defined here, implemented elsewhere (the
 * ledger's `LedgerAuthorityJournal`), so the authority does not depend on the
 * ledger module.
 *
 * Contract, per signing: `beforeSign` durably records everything decided
 * before the CA key signs (serial, subject, key hash, profile, validity,
 * issuer); if it rejects, the ceremony throws AUTHORITY_JOURNAL_FAILED and
 * nothing is signed (fail closed). After signing, `signed` records the
 * certificate before the ceremony writes or returns it; if that rejects, the
 * certificate is neither kept nor returned (the intent stays open, for the
 * operator to reconcile). `signFailed` closes an intent whose signing threw.
 */
import type { AuthorityListener } from './events';

/** What the authority is about to sign. Everything here is decided before signing. */
export interface CaSigningIntent {
  kind: 'subordinate' | 'verification' | 'work-order-signer';
  profile: 'intermediateCa' | 'hubVerification' | 'workOrderSigner';
  /** RFC 4514-style subject the certificate will carry, e.g. `CN=Factory-Y, O=Acme`. */
  subject: string;
  /** Lowercase hex, no leading zero octet. */
  serialHex: string;
  /** SHA-256 of the subject's SubjectPublicKeyInfo DER, lowercase hex. */
  spkiSha256: string;
  /** SHA-256 of the CSR DER (subordinate CAs), lowercase hex. */
  csrSha256?: string;
  /** SHA-256 fingerprint of this authority's certificate, lowercase hex. */
  issuerFingerprint: string;
  notBefore: string; // ISO 8601
  notAfter: string; // ISO 8601
}

export interface CaSigningHandle {
  readonly id: string;
}

export interface AuthorityJournal {
  /** Durably record the intent. Rejects if it cannot: the authority then signs nothing. */
  beforeSign(intent: CaSigningIntent): Promise<CaSigningHandle>;
  /** Durably record the signed certificate (DER), before it leaves the authority. */
  signed(handle: CaSigningHandle, certificateDer: Uint8Array): Promise<void>;
  /** Signing failed after the intent was recorded. */
  signFailed(handle: CaSigningHandle, failure: { code: string; message: string }): Promise<void>;
  /** Authority events (root created, imported, unlocked, locked…); awaited like `AuthorityOptions.listener`. */
  listener?: AuthorityListener;
}
