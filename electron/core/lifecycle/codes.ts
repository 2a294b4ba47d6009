/**
 * Stable error codes of the certificate lifecycle: revocation (REVOKE_*),
 * CRL issuance (CRL_*) and the hand-over files for the hub (HUB_EXPORT_*).
 * Published codes are never renamed or reused.
 */
export const RevokeCodes = {
  /** No certificate this station issued has that serial or device ID. */
  UNKNOWN_SERIAL: 'REVOKE_UNKNOWN_SERIAL',
  /** Every certificate the target names is already revoked (details: the revocation records). */
  ALREADY_REVOKED: 'REVOKE_ALREADY_REVOKED',
  /** The reason is not an RFC 5280 CRLReason name a permanent revocation may carry. */
  REASON_INVALID: 'REVOKE_REASON_INVALID',
  /** The target is both a serial and a device ID of different certificates: name which one. */
  AMBIGUOUS: 'REVOKE_AMBIGUOUS',
  /** The certificate is not a device leaf or a subordinate CA (a hub verification or work-order signer certificate). */
  NOT_REVOCABLE: 'REVOKE_NOT_REVOCABLE',
  /** The revocation request is malformed (empty operator, bad replacedBy serial). */
  INVALID: 'REVOKE_INVALID',
} as const;

export const CrlCodes = {
  /** The CRL number recorded last cannot be read (a ledger written by other software): the next one cannot be chosen. */
  NUMBER_UNREADABLE: 'CRL_NUMBER_UNREADABLE',
  /** The clock reads earlier than the last CRL's thisUpdate or the newest revocation it lists (details: now, after, what): a CRL dated earlier would look older than one already handed out. */
  CLOCK_BEHIND: 'CRL_CLOCK_BEHIND',
} as const;

export const HubExportCodes = {
  /** The output directory already holds hand-over files (use --force), or cannot be written. */
  OUTPUT_EXISTS: 'HUB_EXPORT_OUTPUT_EXISTS',
  /** The station has no active CA to hand over. */
  NO_AUTHORITY: 'HUB_EXPORT_NO_AUTHORITY',
  /** A device ID DPS cannot take as an enrollment (registration) ID: listed in revoked/not-enrollable.txt, blocked at the hub only. */
  NOT_ENROLLMENT_ID: 'HUB_EXPORT_NOT_ENROLLMENT_ID',
  /** A hub, DPS, resource group or enrollment group name Azure would refuse (details: option, value, rule). */
  INVALID_NAME: 'HUB_EXPORT_INVALID_NAME',
} as const;
