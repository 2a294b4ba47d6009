/**
 * Stable error codes raised by the provisioning workflow (electron/core/station).
 * WORKFLOW_* : the run could not complete as specified; POLICY_* : the issuance
 * policy refused to sign. Device-level failures keep their DEVICE_* / FRAME_*
 * codes, certificate-engine refusals their CSR_* / KEY_* / CHAIN_* codes, and
 * recorder failures their LEDGER_* codes: the workflow never re-labels them.
 * Never rename or reuse a published code.
 */
export const StationCodes = {
  /** The state machine was asked to take a transition its table does not have (a bug). */
  WORKFLOW_ILLEGAL_TRANSITION: 'WORKFLOW_ILLEGAL_TRANSITION',
  /** The device lacks a capability the policy requires (e.g. 'challenge'). details: { missing } */
  WORKFLOW_CAPABILITY_MISSING: 'WORKFLOW_CAPABILITY_MISSING',
  /** The device has no key and on-device key generation is off or unsupported. */
  WORKFLOW_NO_DEVICE_KEY: 'WORKFLOW_NO_DEVICE_KEY',
  /** The device answered a different identity on re-identify than at the start. details: { before, after, at } */
  WORKFLOW_DEVICE_CHANGED: 'WORKFLOW_DEVICE_CHANGED',
  /** The device did not prove possession of the key to be certified (bad challenge signature). */
  WORKFLOW_POSSESSION_FAILED: 'WORKFLOW_POSSESSION_FAILED',
  /** The CSR's subject CN is not the device ID. details: { deviceId, csrCn } */
  WORKFLOW_CSR_CN_MISMATCH: 'WORKFLOW_CSR_CN_MISMATCH',
  /** The leaf or chain read back from the device differs from what was written. details: { object } */
  WORKFLOW_READBACK_MISMATCH: 'WORKFLOW_READBACK_MISMATCH',
  /** After installation the device could not sign a challenge with the installed leaf's key. */
  WORKFLOW_FINAL_CHALLENGE_FAILED: 'WORKFLOW_FINAL_CHALLENGE_FAILED',
  /**
   * The policy's final proof is the CSR signature, but this run's key was not
   * generated in it (or came without a CSR): nothing proves the device holds it now. details: { keygenDone, keyPath }
   */
  WORKFLOW_FINAL_PROOF_UNAVAILABLE: 'WORKFLOW_FINAL_PROOF_UNAVAILABLE',
  /** The policy requires a verified key attestation and the device's new key came without one. details: { attestation } */
  WORKFLOW_ATTESTATION_REQUIRED: 'WORKFLOW_ATTESTATION_REQUIRED',
  /** The device reported digests of what it stores that the driver did not find equal to what was written. */
  WORKFLOW_READBACK_DIGEST_MISMATCH: 'WORKFLOW_READBACK_DIGEST_MISMATCH',
  /** The device's credential store is locked with credentials this station does not recognise. */
  WORKFLOW_DEVICE_LOCKED: 'WORKFLOW_DEVICE_LOCKED',
  /** The run was cancelled (AbortSignal). Nothing after the cancelled step happened. */
  WORKFLOW_CANCELLED: 'WORKFLOW_CANCELLED',
  /** The station's issuer is not fit to sign (no chain, not a CA). */
  WORKFLOW_ISSUER_UNUSABLE: 'WORKFLOW_ISSUER_UNUSABLE',
  /** `custodian demo` was pointed at a folder that already holds files. */
  WORKFLOW_DEMO_DIR_NOT_EMPTY: 'WORKFLOW_DEMO_DIR_NOT_EMPTY',

  /** The device ID already has a certificate from this station; re-issue needs an operator reason. */
  POLICY_REISSUE_REASON_REQUIRED: 'POLICY_REISSUE_REASON_REQUIRED',
  /** The device key type is not in the policy's allowed list. details: { algorithm, allowed } */
  POLICY_KEY_TYPE_NOT_ALLOWED: 'POLICY_KEY_TYPE_NOT_ALLOWED',
  /**
   * The device's public key is already certified for another device ID (a
   * cloned secure element); no reason overrides it. details: { deviceId, spkiSha256, certifiedFor: [{ deviceId, serialHex, issuedAt }] }
   */
  POLICY_KEY_ALREADY_CERTIFIED: 'POLICY_KEY_ALREADY_CERTIFIED',
  /** The issuance policy itself is inconsistent (validity out of range, empty key list…). */
  POLICY_INVALID: 'POLICY_INVALID',

  /** Renew: the certificate it replaces has more than the policy's renewal window left. details: { serialHex, notAfter, daysLeft, windowDays } */
  RENEWAL_OUTSIDE_WINDOW: 'RENEWAL_OUTSIDE_WINDOW',
  /** Renew / re-key: the device holds no certificate this station's records know for its device ID. details: { deviceId, serialHex } */
  RENEWAL_UNKNOWN_CERTIFICATE: 'RENEWAL_UNKNOWN_CERTIFICATE',
  /** Renew / re-key: the certificate to replace is revoked: a revoked device is provisioned again, not renewed. details: { serialHex, reason, revokedAt } */
  RENEWAL_CERTIFICATE_REVOKED: 'RENEWAL_CERTIFICATE_REVOKED',
  /** Renew / re-key: the certificate to replace has expired. details: { serialHex, notAfter } */
  RENEWAL_CERTIFICATE_EXPIRED: 'RENEWAL_CERTIFICATE_EXPIRED',
  /** Renew: the device's key is not the key of the certificate it replaces. details: { serialHex, expectedSpkiSha256, spkiSha256 } */
  RENEWAL_KEY_MISMATCH: 'RENEWAL_KEY_MISMATCH',
  /** Re-key: the device gave the old certificate's key again after generating a new one. details: { serialHex, spkiSha256 } */
  RENEWAL_KEY_UNCHANGED: 'RENEWAL_KEY_UNCHANGED',
  /** Renew / re-key: the device's credential store is locked, so it cannot take a new certificate. details: { deviceId } */
  RENEWAL_DEVICE_LOCKED: 'RENEWAL_DEVICE_LOCKED',
  /** Re-key: the device cannot generate a new key (no keygen capability). details: { deviceId, capabilities } */
  RENEWAL_KEYGEN_UNAVAILABLE: 'RENEWAL_KEYGEN_UNAVAILABLE',
  /** The policy revokes a replaced certificate, but this station was given no way to revoke. details: { oldCertificate } */
  RENEWAL_REVOCATION_UNAVAILABLE: 'RENEWAL_REVOCATION_UNAVAILABLE',
} as const;

export type StationCode = (typeof StationCodes)[keyof typeof StationCodes];
