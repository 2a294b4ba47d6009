/**
 * RFC 5280 §5.3.1 CRLReason: the name the ledger records, the ENUMERATED
 * value a CRL entry carries (shared: the app offers the same names). certificateHold (a temporary suspension) and
 * removeFromCRL (delta CRLs only) are left out: a revocation here is permanent;
 * aACompromise (attribute authorities) names nothing this station issues.
 */
export const REVOCATION_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  privilegeWithdrawn: 9,
} as const;

export type RevocationReason = keyof typeof REVOCATION_REASONS;
export const REVOCATION_REASON_NAMES = Object.keys(REVOCATION_REASONS) as [RevocationReason, ...RevocationReason[]];

export function isRevocationReason(s: string): s is RevocationReason {
  return Object.hasOwn(REVOCATION_REASONS, s);
}

/** The canonical reason name for `s` in any case (`keycompromise` → keyCompromise), or undefined. */
export function canonicalRevocationReason(s: string): RevocationReason | undefined {
  return REVOCATION_REASON_NAMES.find((r) => r.toLowerCase() === s.trim().toLowerCase());
}

/** Reasons only a CA's revocation may carry. */
export const CA_ONLY_REASONS: readonly RevocationReason[] = ['cACompromise'];
