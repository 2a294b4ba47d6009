/**
 * RFC 5280 §5.3.1 CRLReason: the name the ledger records, the ENUMERATED
 * value a CRL entry carries (shared: the app offers the same names). certificateHold (a temporary suspension) and
 * removeFromCRL (delta CRLs only) are left out: a revocation here is permanent.
 */
export const REVOCATION_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;

export type RevocationReason = keyof typeof REVOCATION_REASONS;
export const REVOCATION_REASON_NAMES = Object.keys(REVOCATION_REASONS) as [RevocationReason, ...RevocationReason[]];

export function isRevocationReason(s: string): s is RevocationReason {
  return Object.hasOwn(REVOCATION_REASONS, s);
}
