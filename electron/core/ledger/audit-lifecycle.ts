/**
 * The audit's view of certificate lifecycles (docs/lifecycle.md): per
 * station, which devices each of its issuing CAs signed (a station has
 * several over its life, one per CA rollover), how many certificates were
 * renewals or re-keys and how many rollovers it made; across stations, a
 * certificate revoked at one station and renewed at another (or renewed
 * after its revocation at the same one).
 */
import type { AuditFinding } from './audit';
import { quote } from './audit-records';
import { AuditFindings } from './codes';
import type { LedgerRecord } from './records';

type IntentRecord = Extract<LedgerRecord, { t: 'intent' }>;

/** One issuing CA of a station and the devices it signed. */
export interface IssuingCaSummary {
  fingerprint: string;
  subject: string;
  issued: number;
  /** Device IDs it signed a certificate for, sorted. */
  devices: string[];
}

export interface LifecycleSummary {
  /** Certificates that replaced a device's certificate for the same key (intent `renewal: renew`). */
  renewals: number;
  /** Certificates that replaced a device's certificate with one for a new key (`renewal: re-key`). */
  reKeys: number;
  /** CA rollovers (`authority-successor` records). */
  rollovers: number;
  /** Each issuing CA of the station, in the order first seen. */
  issuingCas: IssuingCaSummary[];
}

interface Renewal { origin: string; index: number; deviceId: string; replaces: string; serialHex: string; replacedIssuer: string | null }
interface Revocation { origin: string; index: number; serialHex: string; issuerFingerprint: string; reason: string; replacedBy?: string }

/** Collects one station's lifecycle facts while the audit walks its records; `finish` gives its summary. */
export class StationLifecycle {
  #renewals = 0;
  #reKeys = 0;
  #rollovers = 0;
  readonly #cas = new Map<string, { subject: string; issued: number; devices: Set<string> }>();
  readonly #issuerOf = new Map<string, string>();
  readonly #pending: Omit<Renewal, 'replacedIssuer'>[] = [];

  constructor(readonly origin: string, private readonly all: AuditLifecycle) {}

  /** A certificate the audit accepted: `deviceId` empty for CA signings. */
  issued(index: number, intent: IntentRecord | null, c: { issuer: string; issuerSubject: string; deviceId: string; serialHex: string }): void {
    const ca = this.#cas.get(c.issuer) ?? { subject: c.issuerSubject, issued: 0, devices: new Set<string>() };
    ca.issued++;
    if (c.deviceId) ca.devices.add(c.deviceId);
    this.#cas.set(c.issuer, ca);
    this.#issuerOf.set(c.serialHex, c.issuer);
    if (intent?.renewal === 'renew') this.#renewals++;
    if (intent?.renewal === 're-key') this.#reKeys++;
    if (intent?.renewal && intent.replaces) this.#pending.push({ origin: this.origin, index, deviceId: c.deviceId, replaces: intent.replaces, serialHex: c.serialHex });
  }

  record(index: number, r: LedgerRecord): void {
    if (r.t === 'authority-successor') this.#rollovers++;
    if (r.t === 'revocation') {
      this.all.revocations.push({ origin: this.origin, index, serialHex: r.serialHex, issuerFingerprint: r.issuerFingerprint, reason: r.reason, ...(r.replacedBy ? { replacedBy: r.replacedBy } : {}) });
    }
  }

  finish(): LifecycleSummary {
    for (const p of this.#pending) this.all.renewals.push({ ...p, replacedIssuer: this.#issuerOf.get(p.replaces) ?? null });
    return {
      renewals: this.#renewals,
      reKeys: this.#reKeys,
      rollovers: this.#rollovers,
      issuingCas: [...this.#cas].map(([fingerprint, v]) => ({ fingerprint, subject: v.subject, issued: v.issued, devices: [...v.devices].sort() })),
    };
  }
}

/** Lifecycle facts across every bundle of one audit. */
export class AuditLifecycle {
  readonly renewals: Renewal[] = [];
  readonly revocations: Revocation[] = [];

  station(origin: string): StationLifecycle {
    return new StationLifecycle(origin, this);
  }

  /**
   * A renewal of a revoked certificate: revoked at one station and renewed
   * at another, or renewed after its revocation. The revocation a renewal
   * itself wrote (reason superseded, replacedBy its new serial) is its
   * disposition, not a finding.
   */
  findings(): AuditFinding[] {
    const out: AuditFinding[] = [];
    // By serial, so a ledger of many renewals and revocations is checked in one pass over each.
    const bySerial = new Map<string, Revocation[]>();
    for (const v of this.revocations) {
      const list = bySerial.get(v.serialHex);
      if (list) list.push(v);
      else bySerial.set(v.serialHex, [v]);
    }
    for (const n of this.renewals) {
      for (const v of bySerial.get(n.replaces) ?? []) {
        if (n.replacedIssuer !== null && v.issuerFingerprint !== n.replacedIssuer) continue;
        if (v.replacedBy === n.serialHex) continue;
        const elsewhere = v.origin !== n.origin;
        // At one station, revoking a certificate after its successor replaced it is ordinary.
        if (!elsewhere && v.index > n.index) continue;
        out.push({
          kind: AuditFindings.RENEWED_REVOKED, severity: 'error', origin: n.origin, index: n.index,
          message: `device ${quote(n.deviceId)}: certificate ${n.replaces} revoked (${v.reason}) at ${v.origin}#${v.index} was renewed ${elsewhere ? `at another station, ${n.origin}#${n.index}` : `at ${n.origin}#${n.index}`} as ${n.serialHex}`,
        });
      }
    }
    return out;
  }
}
