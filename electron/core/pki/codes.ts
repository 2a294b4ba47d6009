/**
 * Stable error codes raised by the certificate engine (`electron/core/pki`).
 * Once published a code is never renamed or reused; add new ones at the end of
 * their group. The CLI maps them to exit statuses, the UI to plain language.
 */
export const PkiCodes = {
  // CSR intake
  CSR_TOO_LARGE: 'CSR_TOO_LARGE',
  CSR_MALFORMED: 'CSR_MALFORMED',
  CSR_TRUNCATED: 'CSR_TRUNCATED',
  CSR_SIGNATURE_INVALID: 'CSR_SIGNATURE_INVALID',
  CSR_UNSUPPORTED_SIGNATURE_ALGORITHM: 'CSR_UNSUPPORTED_SIGNATURE_ALGORITHM',
  /** A subject attribute of the CSR holds a control, bidirectional or invisible format character (details: attribute, codePoint, index). */
  CSR_SUBJECT_UNSAFE_CHARACTER: 'CSR_SUBJECT_UNSAFE_CHARACTER',

  // Keys and key policy
  KEY_UNSUPPORTED_CURVE: 'KEY_UNSUPPORTED_CURVE',
  KEY_RSA_TOO_SMALL: 'KEY_RSA_TOO_SMALL',
  KEY_RSA_TOO_LARGE: 'KEY_RSA_TOO_LARGE',
  KEY_UNSUPPORTED_ALGORITHM: 'KEY_UNSUPPORTED_ALGORITHM',
  KEY_MALFORMED: 'KEY_MALFORMED',
  KEY_MISMATCH: 'KEY_MISMATCH',
  KEY_NOT_EXTRACTABLE: 'KEY_NOT_EXTRACTABLE',
  KEY_UNSUPPORTED_SPEC: 'KEY_UNSUPPORTED_SPEC',

  // Chains (validator, and issuer checks at issuance time)
  CHAIN_MALFORMED: 'CHAIN_MALFORMED',
  CHAIN_SIGNATURE_INVALID: 'CHAIN_SIGNATURE_INVALID',
  CHAIN_EXPIRED: 'CHAIN_EXPIRED',
  CHAIN_NOT_YET_VALID: 'CHAIN_NOT_YET_VALID',
  CHAIN_NAME_MISMATCH: 'CHAIN_NAME_MISMATCH',
  CHAIN_AKI_MISMATCH: 'CHAIN_AKI_MISMATCH',
  CHAIN_ISSUER_NOT_CA: 'CHAIN_ISSUER_NOT_CA',
  CHAIN_ISSUER_NO_KEYCERTSIGN: 'CHAIN_ISSUER_NO_KEYCERTSIGN',
  CHAIN_PATHLEN_EXCEEDED: 'CHAIN_PATHLEN_EXCEEDED',
  CHAIN_VALIDITY_OUTSIDE_ISSUER: 'CHAIN_VALIDITY_OUTSIDE_ISSUER',
  CHAIN_UNTRUSTED_ROOT: 'CHAIN_UNTRUSTED_ROOT',
  CHAIN_INCOMPLETE: 'CHAIN_INCOMPLETE',
  CHAIN_LEAF_KIND_MISMATCH: 'CHAIN_LEAF_KIND_MISMATCH',
  CHAIN_UNKNOWN_CRITICAL_EXTENSION: 'CHAIN_UNKNOWN_CRITICAL_EXTENSION',

  // Device IDs
  DEVICE_ID_INVALID: 'DEVICE_ID_INVALID',

  // Profiles and issuance requests
  PROFILE_INVALID_REQUEST: 'PROFILE_INVALID_REQUEST',
  PROFILE_INVALID_COMMON_NAME: 'PROFILE_INVALID_COMMON_NAME',
  PROFILE_VALIDITY_EMPTY: 'PROFILE_VALIDITY_EMPTY',
  /** A name the station would sign or adopt holds a control, bidirectional or invisible format character (details: attribute, codePoint, index). */
  PROFILE_UNSAFE_NAME_CHARACTER: 'PROFILE_UNSAFE_NAME_CHARACTER',

  // CRLs
  /** The CA certificate cannot sign a CRL: not a CA, no cRLSign key usage, or no subject key identifier. */
  CRL_ISSUER_UNSUITABLE: 'CRL_ISSUER_UNSUITABLE',
  /** The CA certificate is expired (or not yet valid) at thisUpdate: a CRL it signs would not be accepted. */
  CRL_ISSUER_EXPIRED: 'CRL_ISSUER_EXPIRED',
  /** A CRL entry's serial is not lowercase hex of 1–40 digits (details: serialHex). */
  CRL_SERIAL_INVALID: 'CRL_SERIAL_INVALID',
  /** A CRL entry's reason is not in the CRLReason table (details: reason, serialHex). */
  CRL_REASON_INVALID: 'CRL_REASON_INVALID',
} as const;

export type PkiCode = (typeof PkiCodes)[keyof typeof PkiCodes];
