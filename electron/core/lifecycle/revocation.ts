/**
 * Revocation: a certificate this station issued (a device leaf, or a
 * subordinate CA it signed) is recorded as revoked in the ledger, with who,
 * when and why. The record needs no CA key: the ledger's signed checkpoint
 * that covers it is its signature. The CA key signs only the CRL made from
 * these records (crl-issue.ts).
 *
 * `revoke` is the one way to revoke: the CLI, the app and renewal
 * (`replacedBy`) all call it.
 */
import { CustodianError } from '../errors';
import type { Ledger, LedgerRecord, RecordBodies } from '../ledger/index';
import { CA_ONLY_REASONS, canonicalRevocationReason, normalizeSerialHex, REVOCATION_REASONS } from '../pki/index';
import { RevokeCodes } from './codes';
import { issuedToDevice, issuedWithSerial, type IssuedCertificate } from './issued-certificates';

export type RevocationRecord = Extract<LedgerRecord, { t: 'revocation' }>;

/** Profiles whose certificates may be revoked, and what the record calls them. */
const REVOCABLE: Readonly<Record<string, RecordBodies['revocation']['subject']>> = { deviceLeaf: 'device', intermediateCa: 'ca' };

const SERIAL_HEX = /^[0-9a-f]{1,40}$/;
/** A serial as an operator may type it: hex, any case, colons between octets. */
const SERIAL_INPUT = /^[0-9a-fA-F:]+$/;
const OPERATOR_MAX = 128;

export interface RevokeRequest {
  /** A device ID (every certificate it holds that is not revoked yet) or a certificate serial (hex; colons and case ignored). */
  target: string;
  /** Read `target` only as this; by default a target that names different certificates both ways is refused (REVOKE_AMBIGUOUS). */
  by?: 'serial' | 'device';
  /** RFC 5280 CRLReason name, e.g. keyCompromise (pki/revocation-reasons.ts). */
  reason: string;
  operator: string;
  /** The serial of the certificate that replaces this one (renewal, re-key). */
  replacedBy?: string;
  now?: Date;
}

export interface Revoked {
  /** Ledger index of the revocation record. */
  index: number;
  record: RevocationRecord;
  /** The signed checkpoint that covers the record. */
  checkpoint?: string;
}

/** Key of a certificate across issuers: serials are unique per issuer only. */
const certKey = (issuerFingerprint: string, serialHex: string): string => `${issuerFingerprint}/${serialHex}`;

/** Every revocation record in the ledger, oldest first. */
export function revocations(ledger: Ledger): RevocationRecord[] {
  const out: RevocationRecord[] = [];
  for (const i of ledger.index.ofType('revocation')) {
    const r = ledger.record(i);
    if (r.t === 'revocation') out.push(r);
  }
  return out;
}

/** The revocation of each revoked certificate, by issuer fingerprint and serial. */
export function revokedIndex(ledger: Ledger): Map<string, RevocationRecord> {
  const m = new Map<string, RevocationRecord>();
  for (const r of revocations(ledger)) if (!m.has(certKey(r.issuerFingerprint, r.serialHex))) m.set(certKey(r.issuerFingerprint, r.serialHex), r);
  return m;
}

export function revocationOf(index: ReadonlyMap<string, RevocationRecord>, c: { issuerFingerprint: string; serialHex: string }): RevocationRecord | undefined {
  return index.get(certKey(c.issuerFingerprint, c.serialHex));
}

function refuse(code: string, message: string, details: Record<string, unknown> = {}): never {
  throw new CustodianError(code, message, details);
}

/** The certificates `target` names, or REVOKE_UNKNOWN_SERIAL / REVOKE_AMBIGUOUS. */
function resolveTarget(ledger: Ledger, target: string, by: RevokeRequest['by']): IssuedCertificate[] {
  const t = target.trim();
  if (t === '') refuse(RevokeCodes.INVALID, 'name the certificate to revoke: a device ID or a serial', { target });
  const serial = SERIAL_INPUT.test(t) ? normalizeSerialHex(t) : null;
  const bySerial = by !== 'device' && serial !== null ? issuedWithSerial(ledger, serial) : [];
  const byDevice = by !== 'serial' ? issuedToDevice(ledger, t) : [];
  if (bySerial.length > 0 && byDevice.length > 0 && !(byDevice.length === 1 && byDevice[0]!.serialHex === serial)) {
    refuse(RevokeCodes.AMBIGUOUS, `"${t}" is both a certificate serial and a device ID here: say which (--serial or --device)`, {
      target: t, serials: bySerial.map((c) => c.serialHex), deviceSerials: byDevice.map((c) => c.serialHex),
    });
  }
  const found = bySerial.length > 0 ? bySerial : byDevice;
  if (found.length === 0) {
    refuse(RevokeCodes.UNKNOWN_SERIAL, `this station's ledger holds no issued certificate with ${by === 'device' ? 'device ID' : by === 'serial' ? 'serial' : 'serial or device ID'} "${t}"`, { target: t });
  }
  return found;
}

/**
 * The revocation records `req` would write, checked against the ledger:
 * REVOKE_UNKNOWN_SERIAL, REVOKE_AMBIGUOUS, REVOKE_ALREADY_REVOKED,
 * REVOKE_REASON_INVALID, REVOKE_NOT_REVOCABLE, REVOKE_INVALID. Writes nothing
 * (the CLI checks before it asks for a passphrase).
 */
export function planRevocation(ledger: Ledger, req: RevokeRequest): RecordBodies['revocation'][] {
  // Any case is accepted; the record holds the canonical name.
  const reason = canonicalRevocationReason(req.reason);
  if (reason === undefined) {
    refuse(RevokeCodes.REASON_INVALID, `"${req.reason}" is not a revocation reason; use one of ${Object.keys(REVOCATION_REASONS).join(', ')} (RFC 5280 CRLReason)`, {
      reason: req.reason, allowed: Object.keys(REVOCATION_REASONS),
    });
  }
  const operator = req.operator.trim();
  if (operator === '' || operator.length > OPERATOR_MAX) refuse(RevokeCodes.INVALID, `the operator's name must be 1–${OPERATOR_MAX} characters`, { operator: req.operator });
  const replacedBy = req.replacedBy === undefined || !SERIAL_INPUT.test(req.replacedBy) ? req.replacedBy : normalizeSerialHex(req.replacedBy);
  if (replacedBy !== undefined && !SERIAL_HEX.test(replacedBy)) refuse(RevokeCodes.INVALID, 'replacedBy must be a certificate serial in hex', { replacedBy: req.replacedBy });

  const found = resolveTarget(ledger, req.target, req.by);
  const unrevocable = found.filter((c) => REVOCABLE[c.profile] === undefined);
  if (unrevocable.length > 0) {
    const c = unrevocable[0]!;
    refuse(RevokeCodes.NOT_REVOCABLE, `serial ${c.serialHex} is a ${c.profile} certificate; only device certificates and subordinate CAs are revoked`, { serialHex: c.serialHex, profile: c.profile });
  }
  const devices = found.filter((c) => REVOCABLE[c.profile] !== 'ca');
  if (CA_ONLY_REASONS.includes(reason) && devices.length > 0) {
    refuse(RevokeCodes.REASON_INVALID, `${reason} is the reason for a CA's revocation; serial ${devices[0]!.serialHex} is a device certificate (keyCompromise if its key leaked)`, {
      reason, serialHex: devices[0]!.serialHex, allowed: Object.keys(REVOCATION_REASONS).filter((r) => !CA_ONLY_REASONS.includes(r as typeof reason)),
    });
  }
  const done = revokedIndex(ledger);
  const open = found.filter((c) => !revocationOf(done, c));
  if (open.length === 0) {
    const prior = found.map((c) => revocationOf(done, c)!);
    const p = prior[0]!;
    refuse(RevokeCodes.ALREADY_REVOKED,
      `${found.length === 1 ? `serial ${p.serialHex} is` : `every certificate of "${req.target.trim()}" is`} already revoked (${p.reason}, ${p.revokedAt}, by ${p.operator}, ledger entry ${p.n})`,
      { revocations: prior.map((r) => ({ index: r.n, serialHex: r.serialHex, reason: r.reason, revokedAt: r.revokedAt, operator: r.operator })) });
  }
  const revokedAt = (req.now ?? new Date()).toISOString();
  return open.map((c) => {
    const subject = REVOCABLE[c.profile]!;
    return {
      serialHex: c.serialHex, issuerFingerprint: c.issuerFingerprint, subject,
      ...(subject === 'device' ? { deviceId: c.deviceId } : {}),
      reason, revokedAt, operator,
      ...(replacedBy !== undefined ? { replacedBy } : {}),
    };
  });
}

/**
 * Record the revocation of the certificate(s) `req.target` names. A device
 * ID revokes each of its certificates not yet revoked. Throws what
 * planRevocation throws before anything is written, or the ledger's
 * LEDGER_* error when it cannot record.
 */
export async function revoke(ledger: Ledger, req: RevokeRequest): Promise<Revoked[]> {
  const out: Revoked[] = [];
  for (const body of planRevocation(ledger, req)) {
    const r = ledger.append('revocation', body);
    out.push({ index: r.index, record: ledger.record(r.index) as RevocationRecord, ...(r.checkpoint !== undefined ? { checkpoint: r.checkpoint } : {}) });
  }
  return out;
}
