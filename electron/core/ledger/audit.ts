/**
 * Offline audit of station ledger bundles (docs/ledger-format.md §Audit).
 * Trusts nothing in a bundle except what verifies: checkpoint signatures by the
 * bundle's ledger key, Merkle roots recomputed from the entries, certificates
 * chained to the brand root the auditor supplies, and checkpoints the auditor
 * accepted before (optionally cosigned).
 */
import { AuditFindings } from './codes';
import { parseCheckpointBody, verifyCosignatures, type Checkpoint } from './checkpoint';
import { KeySchedule } from './key-schedule';
import { parseNote, parseVkey, type VerifierKey } from './note';
import type { LedgerRecord } from './records';
import { crossBundleFindings, type IssuedCert } from './audit-cross';
import { pkiChainValidator, type Bundle, type ChainResult, type ChainValidator } from './audit-input';
import { readEntries } from './audit-records';
import { AuditLifecycle, type LifecycleSummary } from './audit-lifecycle';
import { auditCrls } from './audit-crls';
import { auditRevocations, renderRevocations, type AuditedLedger, type RevocationAudit } from './audit-revocations';
import { workOrderAudit, type AuditedWorkOrder, type WorkOrderCert, type WorkOrderSummary } from './audit-work-orders';
import { caRequiresWorkOrders, formatNameLines, normalizeSerialHex, readCertificate, sha256Hex, type CertificateFacts } from '../pki/index';

export interface AuditOptions {
  root: Uint8Array;
  /** Checkpoints the auditor accepted before (signed notes, possibly cosigned). */
  trustedCheckpoints?: string[];
  /** Cosigner vkeys (type 0x04) whose cosignatures on trusted or stored checkpoints must verify. */
  cosigners?: string[];
  /** Certificates seen in the field; each must be in some ledger. */
  observed?: { file: string; der: Uint8Array }[];
  chainValidator?: ChainValidator;
  /** Treat warnings (unreconciled intents) as failures. */
  strict?: boolean;
  /** The signed work orders the auditor holds, verified against the root: each certificate under one is checked against its bounds. */
  workOrders?: readonly AuditedWorkOrder[];
  /** Every device certificate must be under a work order, whatever its CA states. */
  requireWorkOrders?: boolean;
}

export interface AuditFinding {
  kind: string;
  severity: 'error' | 'warning';
  origin: string;
  index?: number;
  message: string;
}

export interface StationSummary {
  bundle: string;
  origin: string;
  entries: number;
  checkpointSize: number;
  checkpoints: number;
  issued: number;
  failed: number;
  passed: number;
  deviceFailed: number;
  /** Hub verification certificates: legacy `verification-cert` records and intents with profile hubVerification. */
  verificationCerts: number;
  /** Work-order signing certificates (profile workOrderSigner, docs/work-orders.md). */
  workOrderSigners: number;
  /** Subordinate CA certificates signed by this station's CA (intents with profile intermediateCa). */
  subordinates: number;
  unreconciled: number;
  /** Renewals, re-keys, CA rollovers, and the devices each of the station's issuing CAs signed. */
  lifecycle: LifecycleSummary;
}

export interface AuditReport {
  ok: boolean;
  stations: StationSummary[];
  perIssuer: { issuer: string; fingerprint: string; issued: number }[];
  perDay: { day: string; issued: number }[];
  /** Per work order across every bundle: quota, issued, failed, remaining. */
  workOrders: WorkOrderSummary[];
  observed: { checked: number; missing: number };
  findings: AuditFinding[];
  /** The latest checkpoint of each bundle (save them as the next audit's trusted checkpoints). */
  accepted: string[];
  /** Revocations per station, and the devices under a revoked CA (audit-revocations.ts). */
  revocations: RevocationAudit;
}

/** Intent profiles of CA signings outside provisioning (docs/ledger-format.md §CA signings). */
const SUBORDINATE_PROFILE = 'intermediateCa';
const VERIFICATION_PROFILE = 'hubVerification';
const WORK_ORDER_SIGNER_PROFILE = 'workOrderSigner';

const subjectSet = (s: string): string =>
  s.split(/\n|,(?=\s*[A-Za-z0-9.]+=)/).map((p) => p.trim()).filter(Boolean).sort().join(',');

export function auditBundles(bundles: readonly Bundle[], opts: AuditOptions): AuditReport {
  const validate = opts.chainValidator ?? pkiChainValidator;
  const findings: AuditFinding[] = [];
  const stations: StationSummary[] = [];
  const certs: IssuedCert[] = [];
  const perIssuer = new Map<string, { issuer: string; fingerprint: string; issued: number }>();
  const perDay = new Map<string, number>();
  const accepted: string[] = [];
  const ledgers: AuditedLedger[] = [];
  const cosigners = (opts.cosigners ?? []).map(parseVkey);
  const lifecycle = new AuditLifecycle();
  const woCerts: WorkOrderCert[] = [];
  const woFailed = new Map<string, number>();

  for (const b of bundles) {
    try {
      checkBundle(b);
    } catch (e) {
      // Defence in depth: the checks below handle whatever a bundle holds; anything that still escapes them fails the bundle.
      findings.push({ kind: AuditFindings.UNCHECKED, severity: 'error', origin: stations.find((st) => st.bundle === b.dir)?.origin ?? b.dir,
        message: `the audit could not finish checking bundle ${b.dir}: ${(e as Error).message}` });
    }
  }

  function checkBundle(b: Bundle): void {
    let key: VerifierKey;
    try { key = parseVkey(b.vkey); } catch (e) {
      findings.push({ kind: AuditFindings.CHECKPOINT_SIGNATURE, severity: 'error', origin: b.dir, message: `bad vkey: ${(e as Error).message}` });
      return;
    }
    const origin = key.name;
    const add = (kind: string, message: string, index?: number, severity: 'error' | 'warning' = 'error') =>
      findings.push({ kind, severity, origin, message, ...(index !== undefined ? { index } : {}) });
    const s: StationSummary = {
      bundle: b.dir, origin, entries: 0, checkpointSize: 0, checkpoints: b.history.length,
      issued: 0, failed: 0, passed: 0, deviceFailed: 0, verificationCerts: 0, workOrderSigners: 0, subordinates: 0, unreconciled: 0,
      lifecycle: { renewals: 0, reKeys: 0, rollovers: 0, issuingCas: [] },
    };
    const life = lifecycle.station(origin);
    stations.push(s);
    for (const m of b.malformed ?? []) add(AuditFindings.BUNDLE_MALFORMED, `${m.file} line ${m.line} is ${m.message}`);

    // 1. Entries → tree and records (each line checked against its record type).
    const { tree, records, findings: entryFindings } = readEntries(b.entries);
    ledgers.push({ bundle: b.dir, origin, records, chain: b.chain });
    for (const f of entryFindings) add(f.kind, f.message, f.index);
    s.entries = tree.size;

    // 2. Checkpoints: signature by the key in force at their size, then consistency with the entries.
    const schedule = keyScheduleOf(records, b.vkey, add);
    if (schedule.current.vkey !== b.vkey && schedule.periods.length === 1) {
      add(AuditFindings.ENTRY_MALFORMED, 'entry 0 is not a genesis naming this ledger key', 0);
    } else if (schedule.current.vkey !== b.vkey) {
      add(AuditFindings.CHECKPOINT_SIGNATURE, `the bundle's ledger.vkey is not the checkpoint key in force (the last key-rotation record names ${schedule.current.verifier.name}+${schedule.current.vkey.split('+')[1] ?? ''})`);
    }
    if (b.vkeys && b.vkeys.join('\n') !== schedule.periods.map((p) => p.vkey).join('\n')) {
      add(AuditFindings.BUNDLE_MALFORMED, 'the bundle\'s ledger.vkeys does not list the keys the genesis and key-rotation records name');
    }
    const consistent = (c: Checkpoint) => Number.isSafeInteger(c.size) && c.size >= 0 && c.size <= tree.size && tree.root(c.size).equals(c.root);
    let latest: Checkpoint | null = null;
    try {
      latest = schedule.open(b.checkpoint);
      s.checkpointSize = latest.size;
      if (!consistent(latest)) add(AuditFindings.CHECKPOINT_INCONSISTENT, `latest checkpoint (size ${latest.size}) does not match the entries`);
      else accepted.push(b.checkpoint);
      if (latest.size < tree.size) add(AuditFindings.UNCHECKPOINTED_TAIL, `${tree.size - latest.size} entries are not covered by a signed checkpoint`);
    } catch (e) {
      add(AuditFindings.CHECKPOINT_SIGNATURE, `latest checkpoint: ${(e as Error).message}`);
    }
    let prev = 0;
    b.history.forEach((note, i) => {
      try {
        const c = schedule.open(note);
        if (!consistent(c)) add(AuditFindings.CHECKPOINT_INCONSISTENT, `history checkpoint ${i} (size ${c.size}) is inconsistent with the entries`);
        if (c.size < prev) add(AuditFindings.CHECKPOINT_INCONSISTENT, `history checkpoint ${i} goes back from ${prev} to ${c.size}`);
        prev = Math.max(prev, c.size);
      } catch (e) {
        add(AuditFindings.CHECKPOINT_SIGNATURE, `history checkpoint ${i}: ${(e as Error).message}`);
      }
    });
    const checkForeign = (note: string, what: string, kind: string) => {
      let c: Checkpoint;
      try { c = schedule.open(note); } catch (e) {
        add(kind, `${what} is not signed by this station's ledger key in force at its size: ${(e as Error).message}`);
        return;
      }
      try {
        if (cosigners.length && !verifyCosignatures(note, cosigners).length) add(kind, `${what} has no valid cosignature by a known cosigner`);
      } catch (e) { add(kind, `${what}: ${(e as Error).message}`); }
      if (!consistent(c)) {
        add(kind, `${what} (size ${c.size}) is inconsistent with the entries: the station rewrote its history`);
      }
    };
    // Each rotation must be vouched for by the previous key: a checkpoint of that key covering exactly up to the rotation record.
    schedule.periods.forEach((p, k) => {
      if (k === 0) return;
      const prevKey = schedule.periods[k - 1]!;
      const size = p.rotation + 1;
      if (![b.checkpoint, ...b.history].some((note) => schedule.signedBy(note, prevKey, size) && consistent(parseCheckpointBody(parseNote(note).text)))) {
        add(AuditFindings.KEY_ROTATION_UNCOVERED, `key-rotation entry ${p.rotation} is not covered by a checkpoint of the previous key (size ${size}): the new key was not vouched for`, p.rotation);
      }
    });
    b.cosigned.forEach((n, i) => checkForeign(n, `stored cosigned checkpoint ${i}`, AuditFindings.CHECKPOINT_INCONSISTENT));
    for (const [i, note] of (opts.trustedCheckpoints ?? []).entries()) {
      let o: string;
      try { o = parseCheckpointBody(parseNote(note).text).origin; } catch { continue; }
      if (o === origin) checkForeign(note, `trusted checkpoint ${i}`, AuditFindings.TRUSTED_CHECKPOINT_INCONSISTENT);
    }

    // 3. Records: genesis, intents, certificates and their chains.
    // The station's issuing CAs over its life: the current one's chain first, then those a rollover retired.
    // A retired CA counts only where the ledger's own rollover record names it: a bundle cannot add issuers after the fact.
    const retiredByLedger = new Set(records.flatMap((r) => (r?.t === 'authority-successor' ? [r.previous] : [])));
    const retired = (b.retiredChains ?? []).filter((c, k) => {
      const fp = c[0] ? sha256Hex(c[0]) : '';
      if (retiredByLedger.has(fp)) return true;
      add(AuditFindings.CHAIN_INVALID, `retired CA chain ${k + 1} (${fp.slice(0, 16) || 'empty'}) is not named by any authority-successor record of this ledger; its certificates are not taken as this station's`);
      return false;
    });
    const custodians = [b.chain, ...retired].filter((c) => c.length > 0);
    const custodianFor = (fingerprint: string | undefined): Uint8Array[] => custodians.find((c) => sha256Hex(c[0]!) === fingerprint) ?? b.chain;
    const closed = new Set<number>();
    // The requirement the brand put in the issuing CA's certificate (docs/work-orders.md §Enforcement).
    const caRequires = (ca: Uint8Array | undefined): boolean => {
      try { return ca !== undefined && caRequiresWorkOrders(readCertificate(ca)); } catch { return false; }
    };
    const releasedUnder = (intent: Extract<LedgerRecord, { t: 'intent' }> | null) => {
      if (intent?.workOrder) woFailed.set(intent.workOrder, (woFailed.get(intent.workOrder) ?? 0) + 1);
    };
    const intentOf = (i: number): Extract<LedgerRecord, { t: 'intent' }> | null => {
      const r = records[i];
      return r && r.t === 'intent' ? r : null;
    };
    const checkCert = (index: number, certB64: string, intent: Extract<LedgerRecord, { t: 'intent' }> | null, deviceId: string) => {
      const der = new Uint8Array(Buffer.from(certB64, 'base64'));
      let x: CertificateFacts;
      try { x = readCertificate(der); } catch {
        add(AuditFindings.CHAIN_INVALID, 'recorded certificate does not parse', index);
        return;
      }
      const recorded = new Date(records[index]?.at ?? '');
      const at = Number.isNaN(recorded.getTime()) ? new Date() : recorded;
      const expectLeaf = intent?.profile === SUBORDINATE_PROFILE ? 'ca' : 'end-entity';
      const custodianChain = custodianFor(intent?.issuerFingerprint);
      const custodian = custodianChain[0];
      const chain: ChainResult = custodian ? validate(x, custodian, custodianChain.slice(1), opts.root, at, expectLeaf) : { ok: false, reason: 'bundle has no custodian chain' };
      if (!chain.ok) add(AuditFindings.CHAIN_INVALID, `certificate ${deviceId}: ${chain.reason ?? 'chain invalid'}`, index);
      const serialHex = normalizeSerialHex(x.serialHex);
      const spki = sha256Hex(x.spki);
      const isCa = x.basicConstraints?.ca === true;
      const issuer = chain.issuerFingerprint ?? (custodian ? sha256Hex(custodian) : 'unknown');
      if (intent) {
        const bad: string[] = [];
        if (intent.serialHex !== serialHex) bad.push('serial');
        if (intent.spkiSha256 !== spki) bad.push('public key');
        if (intent.issuerFingerprint !== issuer) bad.push('issuer');
        if (subjectSet(intent.subject) !== subjectSet(x.subject)) bad.push('subject');
        // A sub-CA signing must yield a CA certificate; anything else must not.
        if (isCa !== (intent.profile === SUBORDINATE_PROFILE)) bad.push(`profile (${intent.profile}, CA=${String(isCa)})`);
        if (bad.length) add(AuditFindings.INTENT_MISMATCH, `certificate differs from its intent in ${bad.join(', ')}`, index);
      }
      const day = (records[index]?.at ?? '').slice(0, 10);
      perDay.set(day, (perDay.get(day) ?? 0) + 1);
      const pi = perIssuer.get(issuer) ?? { issuer: chain.issuerSubject ?? formatNameLines(x.issuerDer), fingerprint: issuer, issued: 0 };
      pi.issued++;
      perIssuer.set(issuer, pi);
      const isDevice = !intent || (intent.profile !== SUBORDINATE_PROFILE && intent.profile !== VERIFICATION_PROFILE && intent.profile !== WORK_ORDER_SIGNER_PROFILE);
      life.issued(index, intent, { issuer, issuerSubject: pi.issuer, deviceId: isDevice ? deviceId : '', serialHex });
      if (intent && isDevice) {
        woCerts.push({
          origin, index, at: records[index]?.at ?? '', deviceId, facts: intent.device ?? {}, required: caRequires(custodian) || opts.requireWorkOrders === true,
          ...(intent.workOrder ? { workOrder: intent.workOrder } : {}),
        });
      }
      certs.push({
        bundle: b.dir, origin, index, deviceId: isDevice ? deviceId : '', serialHex, issuer, spkiSha256: spki, certSha256: x.fingerprintSha256,
        ...(intent?.reissueReason ? { reissueReason: intent.reissueReason } : {}),
      });
    };
    const count = (intent: Extract<LedgerRecord, { t: 'intent' }> | null) => {
      if (intent?.profile === SUBORDINATE_PROFILE) s.subordinates++;
      else if (intent?.profile === VERIFICATION_PROFILE) s.verificationCerts++;
      else if (intent?.profile === WORK_ORDER_SIGNER_PROFILE) s.workOrderSigners++;
      else s.issued++;
    };
    records.forEach((r, i) => {
      if (!r) return;
      life.record(i, r);
      if (i === 0 && r.t !== 'genesis') add(AuditFindings.ENTRY_MALFORMED, 'entry 0 is not a genesis naming this ledger key', 0);
      if ('intent' in r && typeof r.intent === 'number') {
        const it = intentOf(r.intent);
        if (!it || r.intent >= i) { add(AuditFindings.ENTRY_MALFORMED, `refers to a missing intent ${r.intent}`, i); return; }
        if (r.t !== 'outcome') {
          if (closed.has(r.intent)) add(AuditFindings.ENTRY_MALFORMED, `intent ${r.intent} closed twice`, i);
          closed.add(r.intent);
        }
      }
      switch (r.t) {
        case 'done': count(intentOf(r.intent)); checkCert(i, r.cert, intentOf(r.intent), r.deviceId); break;
        case 'reconcile':
          if (r.resolution === 'issued' && r.cert) { count(intentOf(r.intent)); checkCert(i, r.cert, intentOf(r.intent), intentOf(r.intent)?.deviceId ?? ''); }
          else if (r.resolution === 'abandoned') releasedUnder(intentOf(r.intent));
          break;
        case 'verification-cert': s.verificationCerts++; checkCert(i, r.cert, null, r.subject); break;
        case 'failed': s.failed++; releasedUnder(intentOf(r.intent)); break;
        case 'outcome': if (r.result === 'passed') s.passed++; else s.deviceFailed++; break;
        default: break;
      }
    });
    records.forEach((r, i) => {
      if (r?.t === 'intent' && !closed.has(i)) {
        s.unreconciled++;
        add(AuditFindings.UNRECONCILED_INTENT, `intent for ${r.deviceId} (serial ${r.serialHex}) has no outcome: a certificate may exist unrecorded`, i, 'warning');
      }
    });
    s.lifecycle = life.finish();
  }

  // 4. Across bundles: duplicate (issuer, serial), device IDs issued again, one key under two device IDs.
  findings.push(...crossBundleFindings(certs));
  findings.push(...lifecycle.findings());
  const revocations = auditRevocations(ledgers, certs, opts.root);
  findings.push(...revocations.findings, ...auditCrls(ledgers, opts.root));
  const wo = workOrderAudit(woCerts, woFailed, opts.workOrders);
  findings.push(...wo.findings);

  // 5. Certificates seen in the field.
  const logged = new Set(certs.map((c) => c.certSha256));
  let missing = 0;
  for (const o of opts.observed ?? []) {
    if (logged.has(sha256Hex(o.der))) continue;
    missing++;
    let desc = o.file;
    try { const x = readCertificate(o.der); desc = `${o.file} (${x.subject}, serial ${normalizeSerialHex(x.serialHex)})`; } catch { /* keep file name */ }
    findings.push({ kind: AuditFindings.OBSERVED_NOT_LOGGED, severity: 'error', origin: '(field)', message: `observed certificate ${desc} is in no ledger` });
  }

  const ok = !findings.some((f) => f.severity === 'error' || opts.strict);
  return {
    ok,
    stations,
    perIssuer: [...perIssuer.values()],
    perDay: [...perDay.entries()].sort().map(([day, issued]) => ({ day, issued })),
    workOrders: wo.summaries,
    observed: { checked: opts.observed?.length ?? 0, missing },
    findings,
    accepted,
    revocations: revocations.report,
  };
}

/** The keys in force by size, from the genesis and key-rotation records (the bundle's vkey when entry 0 is unusable). */
function keyScheduleOf(records: readonly (LedgerRecord | null)[], bundleVkey: string, add: (kind: string, message: string, index?: number) => void): KeySchedule {
  const g = records[0];
  let schedule: KeySchedule;
  try {
    schedule = new KeySchedule(g?.t === 'genesis' ? g.vkey : bundleVkey);
  } catch (e) {
    add(AuditFindings.ENTRY_MALFORMED, `the genesis record names a malformed ledger key: ${(e as Error).message}`, 0);
    schedule = new KeySchedule(bundleVkey);
  }
  records.forEach((r, i) => {
    if (r?.t !== 'key-rotation') return;
    try { schedule.rotate(i, r.vkey); } catch (e) {
      add(AuditFindings.ENTRY_MALFORMED, `key-rotation entry names an unusable key: ${(e as Error).message}`, i);
    }
  });
  return schedule;
}

/** Device IDs the human report names per issuing CA (the JSON report lists them all). */
const DEVICES_SHOWN = 10;

export function renderAuditReport(r: AuditReport): string[] {
  const lines = [`audit ${r.ok ? 'PASSED' : 'FAILED'}: ${r.stations.length} station ledger(s), ${r.findings.length} finding(s)`, '', 'Per station:'];
  for (const s of r.stations) {
    lines.push(`  ${s.origin}  entries ${s.entries}, checkpoint ${s.checkpointSize} (${s.checkpoints} signed), issued ${s.issued}, ` +
      `signing failed ${s.failed}, device passed ${s.passed}, device failed ${s.deviceFailed}, verification certs ${s.verificationCerts}, sub-CA certs ${s.subordinates}, unreconciled ${s.unreconciled}`);
    const l = s.lifecycle;
    lines.push(`    renewals ${l.renewals}, re-keys ${l.reKeys}, CA rollovers ${l.rollovers}`);
    for (const ca of l.issuingCas) {
      const shown = ca.devices.slice(0, DEVICES_SHOWN).join(', ');
      lines.push(`    issuing CA ${ca.subject.replace(/\n/g, ', ')} [${ca.fingerprint.slice(0, 16)}]: ${ca.devices.length} device(s)${shown ? `: ${shown}${ca.devices.length > DEVICES_SHOWN ? `, and ${ca.devices.length - DEVICES_SHOWN} more` : ''}` : ''}`);
    }
  }
  lines.push('', 'Per custodian (issuing CA):');
  for (const i of r.perIssuer) lines.push(`  ${i.issuer.replace(/\n/g, ', ')}  [${i.fingerprint.slice(0, 16)}]  issued ${i.issued}`);
  lines.push('', 'Per day (UTC):');
  for (const d of r.perDay) lines.push(`  ${d.day}  issued ${d.issued}`);
  if (r.revocations.perStation.some((s) => s.revocations.length > 0)) lines.push(...renderRevocations(r.revocations));
  if (r.workOrders.length) {
    lines.push('', 'Per work order:');
    for (const w of r.workOrders) {
      lines.push(`  ${w.id}  quota ${w.quota ?? '(order not given)'}, issued ${w.issued}, failed ${w.failed}, remaining ${w.remaining ?? '?'}${w.stations.length ? `  [${w.stations.join(', ')}]` : ''}`);
    }
  }
  if (r.observed.checked) lines.push('', `Observed certificates: ${r.observed.checked} checked, ${r.observed.missing} not in any ledger`);
  if (r.findings.length) {
    lines.push('', 'Findings:');
    for (const f of r.findings) lines.push(`  [${f.severity}] ${f.kind} ${f.origin}${f.index !== undefined ? `#${f.index}` : ''}: ${f.message}`);
  }
  return lines;
}
