/**
 * The audit's checks across every bundle it reads (docs/ledger-format.md §7):
 * one (issuer, serial) issued twice, a device ID issued again without a
 * re-issue reason, and one device public key certified under two device IDs
 * (the signature of a cloned secure element).
 */
import type { AuditFinding } from './audit';
import { quote } from './audit-records';
import { AuditFindings } from './codes';

/** A certificate the audit accepted into its cross-bundle view. */
export interface IssuedCert {
  /** The bundle directory it was read from. */
  bundle: string;
  origin: string;
  index: number;
  /** The device ID for a device certificate; empty for sub-CA and verification certificates. */
  deviceId: string;
  serialHex: string;
  issuer: string;
  /** SHA-256 of the certificate's SubjectPublicKeyInfo, lowercase hex. */
  spkiSha256: string;
  reissueReason?: string;
  certSha256: string;
}

function group<K>(certs: readonly IssuedCert[], key: (c: IssuedCert) => K | undefined): Map<K, IssuedCert[]> {
  const m = new Map<K, IssuedCert[]>();
  for (const c of certs) {
    const k = key(c);
    if (k === undefined) continue;
    const list = m.get(k);
    if (list) list.push(c);
    else m.set(k, [c]);
  }
  return m;
}

const where = (c: IssuedCert): string => `${c.origin}#${c.index} in bundle ${c.bundle}`;

export function crossBundleFindings(certs: readonly IssuedCert[]): AuditFinding[] {
  const findings: AuditFinding[] = [];
  for (const list of group(certs, (c) => `${c.issuer}/${c.serialHex}`).values()) {
    for (const c of list.slice(1)) {
      findings.push({ kind: AuditFindings.DUPLICATE_SERIAL, severity: 'error', origin: c.origin, index: c.index,
        message: `serial ${c.serialHex} of issuer ${c.issuer.slice(0, 16)} also issued at ${list[0]!.origin}#${list[0]!.index}` });
    }
  }
  for (const [dev, list] of group(certs, (c) => c.deviceId || undefined)) {
    for (const c of list.slice(1)) {
      if (!c.reissueReason && c.certSha256 !== list[0]!.certSha256) {
        findings.push({ kind: AuditFindings.DUPLICATE_DEVICE, severity: 'error', origin: c.origin, index: c.index,
          message: `device ${dev} issued again without a re-issue reason (first at ${list[0]!.origin}#${list[0]!.index})` });
      }
    }
  }
  // One key, one device: the first certificate of each further device ID is set against the key's first device.
  for (const [spki, list] of group(certs, (c) => (c.deviceId ? c.spkiSha256 : undefined))) {
    const first = list[0]!;
    const seen = new Set([first.deviceId]);
    for (const c of list) {
      if (seen.has(c.deviceId)) continue;
      seen.add(c.deviceId);
      findings.push({ kind: AuditFindings.DUPLICATE_KEY, severity: 'error', origin: c.origin, index: c.index,
        message: `public key ${spki.slice(0, 16)}… is certified for device ${quote(c.deviceId)} (serial ${c.serialHex}, ${where(c)}) ` +
          `and for device ${quote(first.deviceId)} (serial ${first.serialHex}, ${where(first)}): one key under two device IDs is the signature of a cloned secure element` });
    }
  }
  return findings;
}
