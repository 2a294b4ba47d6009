/**
 * The station CA's CRL, made from the ledger: every revocation of a
 * certificate this CA issued, under the next CRL number. The number is one
 * more than the last `crl` record of this issuer, and the CRL is recorded
 * (a `crl` record, the CRL itself included) before it is handed out, so
 * numbers only grow and each CRL that left the station is in the ledger.
 */
import { CustodianError } from '../errors';
import type { Ledger, LedgerRecord, RecordBodies } from '../ledger/index';
import { buildCrl, fingerprintSha256, sha256Hex, type CrlEntry, type RevocationReason, type SigningKey } from '../pki/index';
import { CrlCodes } from './codes';
import { revokedIndex } from './revocation';

export type CrlRecord = Extract<LedgerRecord, { t: 'crl' }>;

export interface CrlIssuer {
  /** The CA certificate (DER) that issued the revoked certificates and signs the CRL. */
  certificate: Uint8Array;
  /** Its key: the vault's, or a token's (signs there). */
  privateKey: SigningKey;
}

export interface IssueCrlRequest {
  issuer: CrlIssuer;
  operator: string;
  now?: Date;
  /** Days to nextUpdate; the stationCrl profile's default when absent. */
  nextUpdateDays?: number;
}

export interface IssuedCrl {
  der: Uint8Array;
  pem: string;
  crlNumber: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  /** The certificates it lists. */
  entries: CrlEntry[];
  /** Ledger index of its `crl` record. */
  index: number;
  checkpoint?: string;
}

/** The newest `crl` record of the issuer with this fingerprint, or null. */
export function latestCrl(ledger: Ledger, issuerFingerprint: string): CrlRecord | null {
  for (const i of ledger.index.ofType('crl').reverse()) {
    const r = ledger.record(i);
    if (r.t === 'crl' && r.issuerFingerprint === issuerFingerprint) return r;
  }
  return null;
}

function nextNumber(last: CrlRecord | null): bigint {
  if (!last) return 1n;
  if (!/^(0|[1-9][0-9]*)$/.test(last.crlNumber)) {
    throw new CustodianError(CrlCodes.NUMBER_UNREADABLE, `the last CRL recorded (ledger entry ${last.n}) has no decimal CRL number: the next one cannot be chosen`, { index: last.n, crlNumber: last.crlNumber });
  }
  return BigInt(last.crlNumber) + 1n;
}

/** CRL_CLOCK_BEHIND when `now` (to the second, as the CRL carries it) is before the last CRL's thisUpdate or the newest revocation. */
function assertClockAhead(now: Date, last: CrlRecord | null, entries: readonly CrlEntry[]): void {
  const t = Math.floor(now.getTime() / 1000) * 1000;
  const newest = entries.reduce<CrlEntry | null>((a, e) => (a === null || e.revokedAt.getTime() > a.revokedAt.getTime() ? e : a), null);
  const bounds = [
    ...(last ? [{ at: Date.parse(last.thisUpdate), what: `CRL ${last.crlNumber} (ledger entry ${last.n}) dated` }] : []),
    ...(newest ? [{ at: Math.floor(newest.revokedAt.getTime() / 1000) * 1000, what: `the revocation of serial ${newest.serialHex} at` }] : []),
  ];
  for (const b of bounds) {
    if (t < b.at) {
      throw new CustodianError(CrlCodes.CLOCK_BEHIND, `the clock reads ${now.toISOString()}, earlier than ${b.what} ${new Date(b.at).toISOString()}: set the station clock before issuing a CRL`, {
        now: now.toISOString(), after: new Date(b.at).toISOString(), what: b.what,
      });
    }
  }
}

/** Sign the next CRL of `req.issuer` and record it. Throws CRL_* (CRL_CLOCK_BEHIND before anything is signed), PROFILE_INVALID_REQUEST, a token's TOKEN_* or the ledger's LEDGER_*. */
export async function issueCrl(ledger: Ledger, req: IssueCrlRequest): Promise<IssuedCrl> {
  const issuerFingerprint = fingerprintSha256(req.issuer.certificate);
  const last = latestCrl(ledger, issuerFingerprint);
  const crlNumber = nextNumber(last);
  const entries: CrlEntry[] = [];
  for (const r of revokedIndex(ledger).values()) {
    if (r.issuerFingerprint === issuerFingerprint) entries.push({ serialHex: r.serialHex, revokedAt: new Date(r.revokedAt), reason: r.reason as RevocationReason });
  }
  const now = req.now ?? new Date();
  assertClockAhead(now, last, entries);
  const built = await buildCrl({
    issuerCertificate: req.issuer.certificate, signingKey: req.issuer.privateKey, crlNumber, thisUpdate: now, entries,
    ...(req.nextUpdateDays !== undefined ? { nextUpdateDays: req.nextUpdateDays } : {}),
  });
  const body: RecordBodies['crl'] = {
    issuerFingerprint, crlNumber: crlNumber.toString(), thisUpdate: built.thisUpdate.toISOString(), nextUpdate: built.nextUpdate.toISOString(),
    revoked: entries.length, operator: req.operator, crlSha256: sha256Hex(built.der), crl: Buffer.from(built.der).toString('base64'),
  };
  const r = ledger.append('crl', body);
  return { der: built.der, pem: built.pem, crlNumber, thisUpdate: built.thisUpdate, nextUpdate: built.nextUpdate, entries, index: r.index, ...(r.checkpoint !== undefined ? { checkpoint: r.checkpoint } : {}) };
}
