/**
 * LedgerPort over the station's signing ledger (electron/core/ledger), opened
 * once per app run and shared with the provisioning recorder (single writer).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Authority } from '../../authority/index';
import {
  Ledger, LedgerCodes, exportBundle, formatTlogProof,
  type EntrySummary, type LedgerRecord,
} from '../../ledger/index';
import { CustodianError, isCustodianError } from '../../errors';
import { issuedWithSerial, revocationOf, revokedIndex, revoke } from '../../lifecycle/index';
import type { StationLedger } from '../../line/station-ledger';
import type { LedgerEntryFacts, LedgerPort } from '../ports';

type Status = LedgerEntryFacts['status'];

function statusOf(l: Ledger, s: EntrySummary): Status {
  switch (s.type) {
    case 'done': return 'issued';
    case 'failed': return 'failed';
    case 'outcome': return s.result === 'passed' ? 'issued' : 'failed';
    case 'reconcile': return 'reconciled';
    case 'verification-cert': return 'issued';
    case 'intent': {
      const closing = l.index.linkOf(s.index);
      if (closing < 0) return 'pending';
      const t = l.index.typeOf(closing);
      return t === 'done' ? 'issued' : t === 'failed' ? 'failed' : 'reconciled';
    }
    // Station bookkeeping (genesis, config, session, authority-*): no certificate
    // outcome of its own; `type`/`text` say what the record is.
    default: return 'info';
  }
}

function facts(l: Ledger, s: EntrySummary): LedgerEntryFacts {
  const r = l.record(s.index);
  const intent = s.intent !== undefined ? (l.record(s.intent) as Extract<LedgerRecord, { t: 'intent' }>) : r.t === 'intent' ? r : undefined;
  return {
    index: s.index,
    time: new Date(s.at).toISOString(),
    status: statusOf(l, s),
    type: s.type,
    text: s.text,
    deviceId: s.deviceId ?? '',
    serialHex: s.serialHex ?? null,
    workOrder: s.workOrder ?? null,
    operator: s.operator ?? intent?.operator ?? '',
    reissue: intent?.reissueReason !== undefined,
    reissueReason: intent?.reissueReason ?? null,
    profile: intent?.profile ?? null,
    issuerFingerprint: intent?.issuerFingerprint ?? null,
    spkiSha256: intent?.spkiSha256 ?? null,
  };
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    n += st.isDirectory() ? dirBytes(p) : st.size;
  }
  return n;
}

export function ledgerAdapter(station: StationLedger, authority: Authority): LedgerPort {
  const need = (): Ledger => {
    const l = station.readable();
    if (!l) throw new CustodianError(LedgerCodes.NOT_FOUND, 'This station has no signing ledger yet.');
    return l;
  };
  const inRange = (l: Ledger, index: number) => {
    if (index >= l.size) throw new CustodianError(LedgerCodes.NOT_IN_LEDGER, 'No ledger entry has that number.', { index, size: l.size });
  };
  return {
    async size() { return station.readable()?.size ?? 0; },
    async read(start, count) {
      const l = station.readable();
      return l ? l.list(start, count).map((s) => facts(l, s)) : [];
    },
    async search(by, value, limit) {
      const l = station.readable();
      if (!l) return { entries: [], truncated: false };
      const q = by === 'deviceId' ? { deviceId: value } : by === 'serial' ? { serialHex: value.toLowerCase().replace(/:/g, '') } : { workOrder: value };
      const hits = l.search({ ...q, limit: limit + 1 }).reverse(); // newest first
      return { entries: hits.slice(0, limit).map((s) => facts(l, s)), truncated: hits.length > limit };
    },
    async entry(index) {
      const l = need();
      inRange(l, index);
      const [s] = l.list(index, 1);
      const base = facts(l, s!);
      const r = l.record(index);
      // Every record of a run (intent, done, failed, outcome, reconcile) shows that run's certificate.
      const intentIdx = r.t === 'intent' ? index : 'intent' in r && typeof r.intent === 'number' ? r.intent : -1;
      const closing = intentIdx >= 0 ? l.index.linkOf(intentIdx) : -1;
      const closingRec = closing >= 0 ? l.record(closing) : null;
      // A revocation shows the certificate it revoked.
      const revokedCert = r.t === 'revocation' ? issuedWithSerial(l, r.serialHex).find((c) => c.issuerFingerprint === r.issuerFingerprint) : undefined;
      const cert = r.t === 'done' || r.t === 'verification-cert' || r.t === 'reconcile' ? r.cert
        : closingRec && (closingRec.t === 'done' || closingRec.t === 'reconcile') ? closingRec.cert
          : revokedCert ? Buffer.from(revokedCert.certificateDer).toString('base64') : undefined;
      const failure = r.t === 'failed' ? { code: r.code, message: r.message }
        : r.t === 'outcome' && r.result === 'failed' ? { code: r.code ?? 'WORKFLOW_FAILED', message: r.message ?? '' }
          : closingRec?.t === 'failed' ? { code: closingRec.code, message: closingRec.message } : null;
      let chainDer: Uint8Array[] = [];
      try {
        chainDer = authority.state === 'active'
          ? [...authority.exportChain().pem.matchAll(/-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END/g)].map((m) => new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64')))
          : [];
      } catch {
        chainDer = [];
      }
      const issuerFingerprint = r.t === 'revocation' ? r.issuerFingerprint : base.issuerFingerprint;
      const revoked = cert && base.serialHex && issuerFingerprint
        ? revocationOf(revokedIndex(l), { issuerFingerprint, serialHex: base.serialHex }) : undefined;
      return {
        ...base,
        revocation: revoked ? { index: revoked.n, reason: revoked.reason, revokedAt: revoked.revokedAt, operator: revoked.operator } : null,
        certificateDer: cert ? new Uint8Array(Buffer.from(cert, 'base64')) : null,
        chainDer: cert ? chainDer : [],
        failure,
        entryHash: l.tree.leafHashAt(index).toString('hex'),
      };
    },
    async exportAuditBundle(dir) {
      const l = need();
      if (authority.state !== 'active') throw new CustodianError('AUTHORITY_NOT_ACTIVE', 'The audit bundle needs the station CA chain; set up the authority first.');
      if (l.checkpoint.size < l.size) l.signCheckpoint();
      const out = join(dir, `custodian-audit-${new Date().toISOString().replace(/[:.]/g, '-')}`);
      const r = exportBundle(l, out, { chainPem: authority.exportChain().pem, retiredChainsPem: authority.retiredChainsPem() });
      return { path: out, bytes: dirBytes(out), size: r.size };
    },
    async proof(index) {
      const l = need();
      inRange(l, index);
      if (l.checkpoint.size <= index) l.signCheckpoint();
      const cp = l.checkpoint;
      return formatTlogProof({ index, proof: l.tree.inclusionProof(index, cp.size), checkpoint: l.checkpointNote });
    },
    async revoke(req) {
      // The station's one writer: the same ledger the provisioning recorder appends to.
      const done = await revoke(station.writable().ledger, req);
      return done.map(({ index, record: r }) => ({
        index, serialHex: r.serialHex, subject: r.subject, deviceId: r.deviceId ?? null, reason: r.reason, revokedAt: r.revokedAt, operator: r.operator,
      }));
    },
    async verify(onProgress) {
      let l: Ledger | null = null;
      try {
        l = station.readable();
        if (!l) return { ok: true, size: 0, anomalies: [] };
        // Every entry re-hashed against every checkpoint (Ledger.verify), a chunk at a time: the station keeps serving in between.
        const rep = l.openReport;
        const size = l.size;
        const steps = l.verify();
        onProgress?.({ entries: 0, size });
        for (let r = steps.next(); !r.done; r = steps.next()) {
          onProgress?.({ entries: r.value.entries, size });
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        onProgress?.({ entries: size, size });
        const anomalies = [
          ...(rep.tornTail ? [{ code: rep.tornTail.code, message: rep.tornTail.message, index: null }] : []),
          ...rep.unreconciled.map((index) => ({ code: LedgerCodes.UNRECONCILED_INTENT, message: 'This signing intent has no recorded outcome; reconcile it.', index })),
        ];
        return { ok: anomalies.length === 0, size, anomalies };
      } catch (e) {
        if (!isCustodianError(e)) throw e;
        const index = typeof e.details.index === 'number' ? e.details.index : null;
        return { ok: false, size: l?.size ?? 0, anomalies: [{ code: e.code, message: e.message, index }] };
      }
    },
  };
}
