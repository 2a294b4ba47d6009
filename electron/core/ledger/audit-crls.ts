/**
 * The audit's check of each station's `crl` records (docs/lifecycle.md
 * §Audit): per issuer the CRL numbers only grow, each stored CRL matches its
 * recorded digest and number, verifies under its issuer, and lists every
 * revocation of that issuer recorded before it.
 */
import type { AuditFinding } from './audit';
import type { AuditedLedger } from './audit-revocations';
import { AuditFindings } from './codes';
import { crlSignedBy, fingerprintSha256, readCrl, sha256Hex, type CrlFacts } from '../pki/index';

const DECIMAL = /^(0|[1-9][0-9]*)$/;

export function auditCrls(ledgers: readonly AuditedLedger[], root: Uint8Array): AuditFinding[] {
  const findings: AuditFinding[] = [];
  for (const l of ledgers) {
    const cas = new Map([...l.chain, root].map((der) => [fingerprintSha256(der), der]));
    const lastNumber = new Map<string, bigint>();
    const revoked = new Map<string, Set<string>>();
    l.records.forEach((r, index) => {
      const add = (kind: string, message: string, severity: AuditFinding['severity'] = 'error') => findings.push({ kind, severity, origin: l.origin, index, message });
      if (r?.t === 'revocation') {
        revoked.set(r.issuerFingerprint, (revoked.get(r.issuerFingerprint) ?? new Set()).add(r.serialHex));
        return;
      }
      if (r?.t !== 'crl') return;
      const issuer = r.issuerFingerprint.slice(0, 16);
      if (!DECIMAL.test(r.crlNumber)) {
        add(AuditFindings.CRL_NUMBER, `CRL record of issuer ${issuer} has no decimal CRL number (${JSON.stringify(r.crlNumber.slice(0, 40))})`);
      } else {
        const n = BigInt(r.crlNumber);
        const last = lastNumber.get(r.issuerFingerprint);
        if (last !== undefined && n <= last) add(AuditFindings.CRL_NUMBER, `CRL ${n} of issuer ${issuer} does not follow CRL ${last}: CRL numbers must grow`);
        lastNumber.set(r.issuerFingerprint, last !== undefined && last > n ? last : n);
      }
      if (!r.crl) return;
      const der = new Uint8Array(Buffer.from(r.crl, 'base64'));
      if (sha256Hex(der) !== r.crlSha256) add(AuditFindings.CRL_DIGEST, `CRL ${r.crlNumber}: the stored CRL does not match its recorded crlSha256`);
      let facts: CrlFacts;
      try { facts = readCrl(der); } catch {
        add(AuditFindings.CRL_SIGNATURE, `CRL ${r.crlNumber}: the stored CRL cannot be read`);
        return;
      }
      const ca = cas.get(r.issuerFingerprint);
      if (!ca) add(AuditFindings.CRL_SIGNATURE, `CRL ${r.crlNumber}: its issuer ${issuer} is not in the bundle's chain; signature not checked`, 'warning');
      else if (!crlSignedBy(facts, ca)) add(AuditFindings.CRL_SIGNATURE, `CRL ${r.crlNumber}: the signature does not verify under its issuer ${issuer}`);
      if (facts.crlNumber === undefined || facts.crlNumber.toString() !== r.crlNumber) {
        add(AuditFindings.CRL_NUMBER, `CRL record says number ${r.crlNumber}, the CRL it holds says ${facts.crlNumber ?? 'none'}`);
      }
      const listed = new Set(facts.serials);
      const missing = [...(revoked.get(r.issuerFingerprint) ?? [])].filter((s) => !listed.has(s));
      if (missing.length > 0) add(AuditFindings.CRL_INCOMPLETE, `CRL ${r.crlNumber} leaves out serial(s) ${missing.join(', ')}, revoked before it`);
    });
  }
  return findings;
}
