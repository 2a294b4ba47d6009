/**
 * Limits of a device certificate's lifetime, in one place: the pki deviceLeaf
 * profile issues under them and the Settings schema refuses what it could not
 * honour. Plain data: the renderer loads it too.
 */
export const LEAF_VALIDITY = {
  /** Lifetime when nothing is configured: five years. */
  defaultDays: 1826,
  /** The profile's ceiling: ten years. */
  maxDays: 3652,
} as const;

/** notBefore is moved back by up to this much to absorb device clock skew. */
export const LEAF_BACKDATE = { defaultMinutes: 60, maxMinutes: 24 * 60 } as const;
