/**
 * The audit's view of revocations (docs/lifecycle.md §Audit): each station's
 * revocation records, checked against the certificates that station's ledger
 * issued, and every device of any bundle whose chain holds a CA revoked at
 * another (or the same) station: what the brand owner must disable at the hub.
 */
import type { AuditFinding } from './audit';
import type { IssuedCert } from './audit-cross';
import { AuditFindings } from './codes';
import type { LedgerRecord } from './records';
import { fingerprintSha256, normalizeSerialHex, readCertificate } from '../pki/index';

type RevocationRecord = Extract<LedgerRecord, { t: 'revocation' }>;

/** What the audit keeps of each bundle for this view. */
export interface AuditedLedger {
  bundle: string;
  origin: string;
  records: readonly (LedgerRecord | null)[];
  /** The bundle's CA chain: the station's CA first. */
  chain: readonly Uint8Array[];
}

export interface StationRevocations {
  origin: string;
  devices: number;
  cas: number;
  revocations: { index: number; serialHex: string; subject: 'device' | 'ca'; deviceId?: string; reason: string; revokedAt: string; operator: string; replacedBy?: string }[];
}

export interface DeviceUnderRevokedCa {
  /** The station that issued the device certificate, and its bundle. */
  origin: string;
  bundle: string;
  index: number;
  deviceId: string;
  serialHex: string;
  /** The revoked CA in the device's chain, and the revocation that names it. */
  revokedCa: { subject: string; serialHex: string; revokedBy: string; revokedIn: string; index: number; reason: string; revokedAt: string };
}

export interface RevocationAudit {
  perStation: StationRevocations[];
  devicesUnderRevokedCa: DeviceUnderRevokedCa[];
}

const key = (issuer: string, serialHex: string): string => `${issuer}/${serialHex}`;

export function auditRevocations(ledgers: readonly AuditedLedger[], certs: readonly IssuedCert[], root: Uint8Array): { report: RevocationAudit; findings: AuditFinding[] } {
  const findings: AuditFinding[] = [];
  const perStation: StationRevocations[] = [];
  const revokedCas = new Map<string, { origin: string; bundle: string; r: RevocationRecord }>();
  for (const l of ledgers) {
    const issued = new Set(certs.filter((c) => c.bundle === l.bundle).map((c) => key(c.issuer, c.serialHex)));
    const s: StationRevocations = { origin: l.origin, devices: 0, cas: 0, revocations: [] };
    const seen = new Set<string>();
    l.records.forEach((r, index) => {
      if (r?.t !== 'revocation') return;
      const k = key(r.issuerFingerprint, r.serialHex);
      if (!issued.has(k)) {
        findings.push({ kind: AuditFindings.REVOCATION_UNKNOWN, severity: 'error', origin: l.origin, index,
          message: `revocation of serial ${r.serialHex} (issuer ${r.issuerFingerprint.slice(0, 16)}) names no certificate this ledger issued` });
        return;
      }
      if (seen.has(k)) {
        findings.push({ kind: AuditFindings.REVOCATION_UNKNOWN, severity: 'error', origin: l.origin, index, message: `serial ${r.serialHex} is revoked twice` });
        return;
      }
      seen.add(k);
      if (r.subject === 'ca') { s.cas++; revokedCas.set(k, { origin: l.origin, bundle: l.bundle, r }); } else s.devices++;
      s.revocations.push({
        index, serialHex: r.serialHex, subject: r.subject, ...(r.deviceId !== undefined ? { deviceId: r.deviceId } : {}), reason: r.reason,
        revokedAt: r.revokedAt, operator: r.operator, ...(r.replacedBy !== undefined ? { replacedBy: r.replacedBy } : {}),
      });
    });
    perStation.push(s);
  }

  const devicesUnderRevokedCa: DeviceUnderRevokedCa[] = [];
  if (revokedCas.size > 0) {
    const rootFp = fingerprintSha256(root);
    for (const l of ledgers) {
      // Each CA of the bundle's chain by (its issuer's fingerprint, its serial); the first revoked one from the device up.
      let hit: DeviceUnderRevokedCa['revokedCa'] | null = null;
      for (let i = 0; i < l.chain.length && !hit; i++) {
        let facts;
        try { facts = readCertificate(l.chain[i]!); } catch { continue; }
        const issuerFp = i + 1 < l.chain.length ? fingerprintSha256(l.chain[i + 1]!) : rootFp;
        const rev = revokedCas.get(key(issuerFp, normalizeSerialHex(facts.serialHex)));
        if (rev) hit = { subject: facts.subject, serialHex: rev.r.serialHex, revokedBy: rev.origin, revokedIn: rev.bundle, index: rev.r.n, reason: rev.r.reason, revokedAt: rev.r.revokedAt };
      }
      if (!hit) continue;
      for (const c of certs) {
        if (c.bundle === l.bundle && c.deviceId) devicesUnderRevokedCa.push({ origin: l.origin, bundle: l.bundle, index: c.index, deviceId: c.deviceId, serialHex: c.serialHex, revokedCa: hit });
      }
    }
  }
  return { report: { perStation, devicesUnderRevokedCa }, findings };
}

export function renderRevocations(r: RevocationAudit): string[] {
  const lines = ['', 'Revocations per station:'];
  for (const s of r.perStation) {
    lines.push(`  ${s.origin}  devices ${s.devices}, subordinate CAs ${s.cas}`);
    for (const x of s.revocations) lines.push(`    #${x.index}  ${x.subject === 'ca' ? 'CA' : x.deviceId ?? ''} serial ${x.serialHex}  ${x.reason}  ${x.revokedAt}  by ${x.operator}`);
  }
  if (r.devicesUnderRevokedCa.length) {
    lines.push('', 'Devices whose chain includes a revoked CA (disable them at the hub):');
    for (const d of r.devicesUnderRevokedCa) {
      lines.push(`  ${d.deviceId}  serial ${d.serialHex}  (${d.origin}#${d.index})  under ${d.revokedCa.subject.replace(/\n/g, ', ')} serial ${d.revokedCa.serialHex}, revoked by ${d.revokedCa.revokedBy}#${d.revokedCa.index} (${d.revokedCa.reason})`);
    }
  }
  return lines;
}
