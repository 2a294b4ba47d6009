/** How close a certificate is to its notAfter, for warnings in the UI. */

/** Certificates closer than this to expiry are flagged. */
export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

export type ExpiryLevel = 'ok' | 'soon' | 'expired';

export function expiryOf(notAfter: string, now = Date.now()): { daysLeft: number; expiry: ExpiryLevel } {
  const daysLeft = Math.floor((Date.parse(notAfter) - now) / DAY_MS);
  return { daysLeft, expiry: daysLeft < 0 ? 'expired' : daysLeft < EXPIRY_WARNING_DAYS ? 'soon' : 'ok' };
}

/** A SHA-256 hex fingerprint in groups of four, easier to compare aloud. */
export function groupHex(hex: string): string {
  return hex.replace(/(.{4})(?=.)/g, '$1 ');
}
