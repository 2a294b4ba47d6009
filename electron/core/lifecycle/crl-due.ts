/**
 * Which CRLs are due: the last CRL of each issuer whose nextUpdate is within
 * the profile's warning window (or past). A relying party refuses every
 * device once the CRL it holds has expired, so the station says so early.
 */
import type { Ledger } from '../ledger/index';
import { stationCrl, type CrlProfile } from '../pki/index';
import type { CrlRecord } from './crl-issue';

export interface CrlDue {
  issuerFingerprint: string;
  crlNumber: string;
  nextUpdate: string;
  /** Past its nextUpdate already. */
  expired: boolean;
  index: number;
}

const HOUR_MS = 3_600_000;

/** The CRL `r` is due at `now` under `profile`, or null. */
export function crlDue(r: CrlRecord, now: Date, profile: CrlProfile = stationCrl): CrlDue | null {
  const left = Date.parse(r.nextUpdate) - now.getTime();
  if (!(left <= profile.nextUpdate.warnWithinHours * HOUR_MS)) return null;
  return { issuerFingerprint: r.issuerFingerprint, crlNumber: r.crlNumber, nextUpdate: r.nextUpdate, expired: left <= 0, index: r.n };
}

/** The last CRL of each issuer in the ledger that is due at `now`. */
export function crlsDue(ledger: Ledger, now: Date, profile: CrlProfile = stationCrl): CrlDue[] {
  const last = new Map<string, CrlRecord>();
  for (let i = 0; i < ledger.size; i++) {
    if (ledger.index.typeOf(i) !== 'crl') continue;
    const r = ledger.record(i);
    if (r.t === 'crl') last.set(r.issuerFingerprint, r);
  }
  return [...last.values()].map((r) => crlDue(r, now, profile)).filter((d): d is CrlDue => d !== null);
}

export const renderCrlDue = (d: CrlDue): string =>
  `CRL ${d.crlNumber} (issuer ${d.issuerFingerprint.slice(0, 16)}) ${d.expired ? 'expired at' : 'is due: next update'} ${d.nextUpdate}; issue the next with \`custodian crl\` before relying parties refuse devices`;
