/**
 * AUTHORITY_* codes: the station's CA state and ceremonies. Chain problems
 * found by the pki validator keep their CHAIN_* codes; CSR and key problems
 * keep CSR_* / KEY_*; vault problems keep VAULT_*. Published codes are never
 * renamed or reused.
 */
export const AuthorityCodes = {
  /** No authority on this station (no init-root, request or import yet). */
  NOT_CONFIGURED: 'AUTHORITY_NOT_CONFIGURED',
  /** An authority (or a pending request) already exists; refusing to create another over it. */
  ALREADY_CONFIGURED: 'AUTHORITY_ALREADY_CONFIGURED',
  /** The operation needs the CA key: unlock first. */
  LOCKED: 'AUTHORITY_LOCKED',
  /** The authority has a pending request but no certificate yet: import the bundle first. */
  NOT_ACTIVE: 'AUTHORITY_NOT_ACTIVE',
  /** A bundle was given to import, but there is no pending request and no --key. */
  NO_PENDING_REQUEST: 'AUTHORITY_NO_PENDING_REQUEST',
  /** No certificate in the bundle is for our (pending or imported) key. */
  KEY_MISMATCH: 'AUTHORITY_KEY_MISMATCH',
  /** The bundle holds no readable certificate. */
  BUNDLE_MALFORMED: 'AUTHORITY_BUNDLE_MALFORMED',
  /** The bundle's chain does not end in a self-signed root certificate. */
  CHAIN_NO_ROOT: 'AUTHORITY_CHAIN_NO_ROOT',
  /** The issuer's path length leaves no room for this CA (import) or for the requested sub-CA (sign). */
  PATHLEN_NO_ROOM: 'AUTHORITY_PATHLEN_NO_ROOM',
  /** The key given with --key is unreadable, encrypted, or of an unsupported type. */
  KEY_UNREADABLE: 'AUTHORITY_KEY_UNREADABLE',
  /** A parameter is invalid (name, days, key spec…). */
  BAD_INPUT: 'AUTHORITY_BAD_INPUT',
  /** The CSR has no subject CN to name the subordinate CA by. */
  CSR_NO_COMMON_NAME: 'AUTHORITY_CSR_NO_COMMON_NAME',
  /** Another process holds the authority's lock (a ceremony is in progress). */
  BUSY: 'AUTHORITY_BUSY',
  /** The signing journal (the station ledger) could not record the intent or the certificate; nothing was signed or handed out. */
  JOURNAL_FAILED: 'AUTHORITY_JOURNAL_FAILED',
  /** The files under <home>/authority are inconsistent or unreadable. */
  STATE_CORRUPTED: 'AUTHORITY_STATE_CORRUPTED',
  /** A subordinate's name equals (RFC 5280 matching) its issuer's or an ancestor's: path builders would take it for its own issuer. */
  SUBJECT_DUPLICATES_ISSUER: 'AUTHORITY_SUBJECT_DUPLICATES_ISSUER',
  /** No upstream root is pinned: give the root certificate or its SHA-256 at `request` or `import`. */
  ROOT_NOT_PINNED: 'AUTHORITY_ROOT_NOT_PINNED',
  /** The bundle's chain does not end in the pinned root (details: pinnedSha256, bundle root fingerprint(s)). */
  ROOT_MISMATCH: 'AUTHORITY_ROOT_MISMATCH',
  /** What was given as the upstream root is not one self-signed CA certificate, or not a SHA-256 fingerprint. */
  ROOT_INVALID: 'AUTHORITY_ROOT_INVALID',
  /** A successor key and CSR already wait for their signed bundle: import it before requesting another. details: { spkiSha256, createdAt } */
  SUCCESSOR_PENDING: 'AUTHORITY_SUCCESSOR_PENDING',
  /** `request --successor` on a root: a root is replaced by a new trust anchor, not rolled over under itself. */
  SUCCESSOR_OF_ROOT: 'AUTHORITY_SUCCESSOR_OF_ROOT',
  /** The bundle's certificate for the successor key is not a subordinate CA under the pinned root. */
  SUCCESSOR_NOT_SUBORDINATE: 'AUTHORITY_SUCCESSOR_NOT_SUBORDINATE',
  /** No (or more than one) retired CA of this station has a fingerprint starting with the one given. details: { fingerprint, retired } */
  RETIRED_UNKNOWN: 'AUTHORITY_RETIRED_UNKNOWN',
} as const;

export type AuthorityCode = (typeof AuthorityCodes)[keyof typeof AuthorityCodes];
