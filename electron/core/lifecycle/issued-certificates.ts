/**
 * The certificates a station's ledger says it issued, found by serial or by
 * device ID through the ledger's index: an intent closed by a done record, or
 * reconciled as issued with its certificate. Subordinate CAs are intents
 * too (device ID `subordinate-ca:<serial>`, profile intermediateCa).
 */
import type { Ledger, LedgerRecord } from '../ledger/index';

type IntentRecord = Extract<LedgerRecord, { t: 'intent' }>;

export interface IssuedCertificate {
  /** Ledger index of the intent. */
  intent: number;
  deviceId: string;
  serialHex: string;
  issuerFingerprint: string;
  profile: string;
  certificateDer: Uint8Array;
  issuedAt: string;
}

/** The certificate issued under intent `i`, or null when the intent is open, failed or abandoned. */
export function issuedUnder(ledger: Ledger, i: number): IssuedCertificate | null {
  if (ledger.index.typeOf(i) !== 'intent') return null;
  const closing = ledger.index.linkOf(i);
  if (closing < 0) return null;
  const r = ledger.record(closing);
  if (!((r.t === 'done' || (r.t === 'reconcile' && r.resolution === 'issued')) && r.cert)) return null;
  const intent = ledger.record(i) as IntentRecord;
  return {
    intent: i, deviceId: intent.deviceId, serialHex: r.serialHex ?? intent.serialHex, issuerFingerprint: intent.issuerFingerprint,
    profile: intent.profile, certificateDer: new Uint8Array(Buffer.from(r.cert, 'base64')), issuedAt: r.at,
  };
}

function under(ledger: Ledger, indices: readonly number[] | undefined): IssuedCertificate[] {
  const out: IssuedCertificate[] = [];
  for (const i of indices ?? []) {
    const c = issuedUnder(ledger, i);
    if (c) out.push(c);
  }
  return out;
}

export const issuedWithSerial = (ledger: Ledger, serialHex: string): IssuedCertificate[] => under(ledger, ledger.index.bySerial.get(serialHex));
export const issuedToDevice = (ledger: Ledger, deviceId: string): IssuedCertificate[] => under(ledger, ledger.index.byDevice.get(deviceId));

/** Every certificate the ledger holds as issued, oldest first (one pass over the entry types). */
export function allIssued(ledger: Ledger): IssuedCertificate[] {
  const out: IssuedCertificate[] = [];
  for (let i = 0; i < ledger.size; i++) {
    const c = issuedUnder(ledger, i);
    if (c) out.push(c);
  }
  return out;
}
