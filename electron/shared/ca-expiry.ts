/**
 * When the station warns that a CA certificate nears its notAfter: 90, 30 and
 * 7 days ahead, time enough to request a successor, have it signed upstream
 * and import it (docs/lifecycle.md). Plain data and one pure function:
 * `authority show`, the station service and the renderer all warn from here.
 */
export const CA_EXPIRY_WARNING_DAYS = [90, 30, 7] as const;
export type CaExpiryThreshold = (typeof CA_EXPIRY_WARNING_DAYS)[number];

const DAY_MS = 86_400_000;

export interface CaExpiryWarning {
  /** Whole days until notAfter (negative once expired). */
  daysLeft: number;
  /** The nearest threshold reached (7 inside a week, then 30, then 90); 0 once expired. */
  thresholdDays: CaExpiryThreshold | 0;
}

/** The warning due for a CA certificate valid until `notAfter` at `now`, or null while it is more than 90 days away. */
export function caExpiryWarning(notAfter: Date | string, now: Date | number = Date.now()): CaExpiryWarning | null {
  const end = typeof notAfter === 'string' ? Date.parse(notAfter) : notAfter.getTime();
  const daysLeft = Math.floor((end - (typeof now === 'number' ? now : now.getTime())) / DAY_MS);
  if (daysLeft < 0) return { daysLeft, thresholdDays: 0 };
  let reached: CaExpiryThreshold | null = null;
  for (const t of CA_EXPIRY_WARNING_DAYS) if (daysLeft < t) reached = t;
  return reached === null ? null : { daysLeft, thresholdDays: reached };
}
