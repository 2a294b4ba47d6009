/**
 * Stable error codes raised by the signing ledger (LEDGER_*) and the offline
 * audit (AUDIT_*). Published codes are never renamed or reused.
 */
export const LedgerCodes = {
  /** Entries, checkpoint or history disagree: the station must stop (tamper alarm). */
  TAMPERED: 'LEDGER_TAMPERED',
  /** A partial final line (crash during an unacknowledged append) was cut off. Reported, not fatal. */
  TORN_TAIL: 'LEDGER_TORN_TAIL',
  /** An append, fsync or checkpoint write failed; nothing after it may be signed. */
  WRITE_FAILED: 'LEDGER_WRITE_FAILED',
  /** An intent has no done/failed/reconcile record yet; the operator must reconcile it. */
  UNRECONCILED_INTENT: 'LEDGER_UNRECONCILED_INTENT',
  /** The ledger directory has no ledger yet (use createLedger). */
  NOT_FOUND: 'LEDGER_NOT_FOUND',
  /** createLedger was called on a directory that already holds a ledger. */
  EXISTS: 'LEDGER_EXISTS',
  /** The ledger was closed, or opened read-only, or stopped after a write failure. */
  CLOSED: 'LEDGER_CLOSED',
  /** Another live process has this ledger open for writing (the app and the CLI at once). */
  LOCKED: 'LEDGER_LOCKED',
  /** The ledger key file is missing, unreadable or too permissive. */
  KEY_INVALID: 'LEDGER_KEY_INVALID',
  /** The checkpoint key is sealed or on a token and not unlocked yet: entries are kept, checkpoints wait for the unlock. */
  KEY_LOCKED: 'LEDGER_KEY_LOCKED',
  /** The checkpoint key cannot be kept where it would go (a token without Ed25519 under a PIN): the plain key stays. */
  KEY_UNSUPPORTED: 'LEDGER_KEY_UNSUPPORTED',
  /** A record handed to an append function is malformed. */
  RECORD_INVALID: 'LEDGER_RECORD_INVALID',
  /** An intent handle or index does not name an intent, or it is already closed. */
  UNKNOWN_INTENT: 'LEDGER_UNKNOWN_INTENT',
  /** An intent reuses a serial this ledger already recorded for the same issuer. */
  DUPLICATE_SERIAL: 'LEDGER_DUPLICATE_SERIAL',
  /** An intent for a device that already holds a certificate lacks a reissueReason. */
  REISSUE_REASON_REQUIRED: 'LEDGER_REISSUE_REASON_REQUIRED',
  /** The certificate handed to recordIssued does not match its intent (it is recorded anyway). */
  CERT_MISMATCH: 'LEDGER_CERT_MISMATCH',
  /** No done record matches the device ID or serial asked for. */
  NOT_IN_LEDGER: 'LEDGER_NOT_IN_LEDGER',
  /** A signed note, vkey, checkpoint, cosignature or proof is malformed. */
  NOTE_MALFORMED: 'LEDGER_NOTE_MALFORMED',
  /** A note signature from a known key does not verify, or no known key signed it. */
  NOTE_UNVERIFIED: 'LEDGER_NOTE_UNVERIFIED',
  /** A Merkle inclusion or consistency proof does not verify, or its request is out of range. */
  PROOF_INVALID: 'LEDGER_PROOF_INVALID',
} as const;

export const AuditCodes = {
  /** The audit found at least one anomaly (the report lists them). */
  FAILED: 'AUDIT_FAILED',
  /** A bundle directory is missing a file or a file is malformed. */
  BUNDLE_INVALID: 'AUDIT_BUNDLE_INVALID',
  /** An input file given to the audit (root, trusted checkpoints, observed certs) cannot be read. */
  INPUT_INVALID: 'AUDIT_INPUT_INVALID',
} as const;

/** Anomaly kinds listed in an audit report (stable strings, like codes). */
export const AuditFindings = {
  CHECKPOINT_SIGNATURE: 'AUDIT_CHECKPOINT_SIGNATURE',
  CHECKPOINT_INCONSISTENT: 'AUDIT_CHECKPOINT_INCONSISTENT',
  TRUSTED_CHECKPOINT_INCONSISTENT: 'AUDIT_TRUSTED_CHECKPOINT_INCONSISTENT',
  ENTRY_MALFORMED: 'AUDIT_ENTRY_MALFORMED',
  SEQUENCE: 'AUDIT_SEQUENCE',
  CHAIN_INVALID: 'AUDIT_CHAIN_INVALID',
  INTENT_MISMATCH: 'AUDIT_INTENT_MISMATCH',
  DUPLICATE_SERIAL: 'AUDIT_DUPLICATE_SERIAL',
  DUPLICATE_DEVICE: 'AUDIT_DUPLICATE_DEVICE',
  /** One device public key certified under two device IDs, in one bundle or across bundles (a cloned secure element). */
  DUPLICATE_KEY: 'AUDIT_DUPLICATE_KEY',
  OBSERVED_NOT_LOGGED: 'AUDIT_OBSERVED_NOT_LOGGED',
  UNRECONCILED_INTENT: 'AUDIT_UNRECONCILED_INTENT',
  UNCHECKPOINTED_TAIL: 'AUDIT_UNCHECKPOINTED_TAIL',
  /** A line of checkpoints.jsonl or cosigned.jsonl is not a JSON string. */
  BUNDLE_MALFORMED: 'AUDIT_BUNDLE_MALFORMED',
  /** Part of a bundle defeated the audit's checks; the bundle fails rather than the audit stopping. */
  UNCHECKED: 'AUDIT_UNCHECKED',
  /** A key-rotation record that no checkpoint of the previous key covers: the new key was not vouched for. */
  KEY_ROTATION_UNCOVERED: 'AUDIT_KEY_ROTATION_UNCOVERED',
  /** A certificate revoked at one station was renewed at another (or renewed after its revocation at the same one). */
  RENEWED_REVOKED: 'AUDIT_RENEWED_REVOKED',
  /** A revocation record names no certificate its own ledger issued, or a serial revoked twice. */
  REVOCATION_UNKNOWN: 'AUDIT_REVOCATION_UNKNOWN',
  /** A device certificate issued without a work order by a CA that requires them (or when the auditor requires them). */
  OUTSIDE_WORK_ORDER: 'AUDIT_OUTSIDE_WORK_ORDER',
  /** A certificate names a work order the auditor did not supply (or whose signature did not verify). */
  WORK_ORDER_UNKNOWN: 'AUDIT_WORK_ORDER_UNKNOWN',
  /** A certificate beyond its work order's quota, counted across every bundle in the order they were issued. */
  WORK_ORDER_QUOTA_EXCEEDED: 'AUDIT_WORK_ORDER_QUOTA_EXCEEDED',
  /** A certificate for a device its work order's allow-list does not admit. */
  WORK_ORDER_DEVICE_NOT_ALLOWED: 'AUDIT_WORK_ORDER_DEVICE_NOT_ALLOWED',
  /** A certificate recorded outside its work order's validity window. */
  WORK_ORDER_OUTSIDE_WINDOW: 'AUDIT_WORK_ORDER_OUTSIDE_WINDOW',
  /** One device ID issued certificates under two work orders (warning). */
  DEVICE_IN_TWO_WORK_ORDERS: 'AUDIT_DEVICE_IN_TWO_WORK_ORDERS',
  /** A `crl` record whose CRL number is not above the last one of the same issuer, or differs from the number in the CRL it holds. */
  CRL_NUMBER: 'AUDIT_CRL_NUMBER',
  /** A `crl` record's crlSha256 does not match the CRL it holds. */
  CRL_DIGEST: 'AUDIT_CRL_DIGEST',
  /** The CRL a `crl` record holds cannot be read or does not verify under its issuer (a warning when the issuer is not in the bundle's chain). */
  CRL_SIGNATURE: 'AUDIT_CRL_SIGNATURE',
  /** A CRL that leaves out a revocation of its issuer recorded before it. */
  CRL_INCOMPLETE: 'AUDIT_CRL_INCOMPLETE',
} as const;
