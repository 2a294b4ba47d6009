/**
 * `IssuanceRecorder` over a `Ledger`, plus typed append functions for the other
 * station events. Every method resolves only after its record is durable; a
 * rejected `recordIntent` means the caller must not sign (fail closed). The
 * provisioning records go through group commit (Ledger.appendDurable), so the
 * heads of a line share fsyncs and no head waits for another's.
 */
import { CustodianError } from '../errors';
import type {
  IntentBounds, IntentHandle, IssuanceIntent, IssuanceRecorder, IssuedCertificateRecord, ProvisioningOutcome, RecorderHealth, WorkOrderUsage,
} from '../station/recorder';
import { quotaExhausted, reconcileCommand } from '../station/recorder';
import { LedgerCodes } from './codes';
import { certFacts, issuedFacts } from './cert-facts';
import type { Ledger } from './ledger';
import { IntentFields, type LedgerRecord, type RecordBodies } from './records';
import { WorkOrderTally } from './work-order-usage';

type IntentRecord = Extract<LedgerRecord, { t: 'intent' }>;

export interface UnreconciledIntent {
  index: number;
  at: string;
  intent: IssuanceIntent;
}

export interface ReconcileInput {
  /** `abandoned`: nothing from it reached a device (not signed, or signed and never sent). `issued`: it was signed and may be out; supply the certificate. */
  resolution: 'abandoned' | 'issued';
  operator: string;
  reason: string;
  certificateDer?: Uint8Array;
}

export interface LedgerRecorderOptions {
  /** Reject new intents while intents left open by a previous run are unreconciled (default true). */
  blockOnUnreconciled?: boolean;
}

/**
 * LEDGER_UNRECONCILED_INTENT naming each open intent (index, device, serial)
 * and the command that resolves it.
 */
export function unreconciledError(open: readonly UnreconciledIntent[]): CustodianError {
  const list = open.map((u) => `#${u.index} (${u.intent.deviceId}, serial ${u.intent.serialHex}, ${u.at})`).join(', ');
  const first = open[0]?.index ?? 0;
  return new CustodianError(LedgerCodes.UNRECONCILED_INTENT,
    `${open.length} signing intent(s) from an interrupted run must be reconciled before anything is signed: ${list}. `
    + `For each, find out whether its certificate reached the device, then run \`${reconcileCommand(first)}\``
    + `${open.length > 1 ? ' (with that intent\'s number)' : ''}: abandoned when nothing from it was installed, issued with the certificate file when it was.`,
    {
      intents: open.map((u) => u.index),
      open: open.map((u) => ({ index: u.index, deviceId: u.intent.deviceId, serialHex: u.intent.serialHex, at: u.at })),
      commands: open.map((u) => reconcileCommand(u.index)),
      hint: 'custodian ledger reconcile',
    });
}

export class LedgerRecorder implements IssuanceRecorder {
  /** Intents that were open when the ledger was opened (left by a crash). */
  private readonly inherited: Set<number>;
  /** The intent read last (a device's done and outcome both look it up); records never change once written. */
  private lastIntent: { index: number; rec: IntentRecord } | null = null;
  /** Slots per work order, read from the ledger at first use and moved by each record written here. */
  private readonly tally: WorkOrderTally;

  constructor(readonly ledger: Ledger, private readonly opts: LedgerRecorderOptions = {}) {
    this.inherited = new Set(ledger.openReport?.unreconciled ?? []);
    this.tally = new WorkOrderTally(ledger);
  }

  workOrderUsage(workOrder: string): WorkOrderUsage {
    return this.tally.usage(workOrder);
  }

  /**
   * Write a record about `workOrder`'s slots and move the tally in the same
   * synchronous step as the write itself (the ledger writes and indexes at
   * the call, before its promise settles), so the tally never differs from
   * what a read of the ledger would count. A failed write makes it read again.
   */
  private counted<T>(workOrder: string | undefined, what: 'intent' | 'issued' | 'released', write: () => Promise<T>): Promise<T> {
    if (!workOrder) return write();
    let pending: Promise<T>;
    try {
      pending = write();
    } catch (e) {
      this.tally.forget(workOrder);
      throw e;
    }
    this.tally.note(workOrder, what);
    return pending.catch((e: unknown) => {
      this.tally.forget(workOrder);
      throw e;
    });
  }

  private intentAt(handle: IntentHandle | number): { index: number; rec: IntentRecord } {
    const index = typeof handle === 'number' ? handle : Number(handle.id);
    if (!Number.isInteger(index) || index < 0 || index >= this.ledger.size || this.ledger.index.typeOf(index) !== 'intent') {
      throw new CustodianError(LedgerCodes.UNKNOWN_INTENT, 'no such intent', { id: typeof handle === 'number' ? handle : handle.id });
    }
    if (this.lastIntent?.index !== index) this.lastIntent = { index, rec: this.ledger.record(index) as IntentRecord };
    return this.lastIntent;
  }

  private openIntent(handle: IntentHandle | number): { index: number; rec: IntentRecord } {
    const it = this.intentAt(handle);
    if (this.ledger.index.linkOf(it.index) !== -1) {
      throw new CustodianError(LedgerCodes.UNKNOWN_INTENT, `intent ${it.index} is already closed`, { intent: it.index });
    }
    return it;
  }

  async recordIntent(intent: IssuanceIntent, bounds?: IntentBounds): Promise<IntentHandle> {
    if ((this.opts.blockOnUnreconciled ?? true) && this.inherited.size) throw unreconciledError(this.unreconciled().filter((u) => this.inherited.has(u.index)));
    const parsed = IntentFields.safeParse(intent);
    if (!parsed.success) {
      throw new CustodianError(LedgerCodes.RECORD_INVALID, 'invalid issuance intent', { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    }
    const body = parsed.data;
    for (const i of this.ledger.index.bySerial.get(body.serialHex) ?? []) {
      const other = this.ledger.record(i) as { issuerFingerprint?: string };
      if (other.issuerFingerprint === body.issuerFingerprint) {
        throw new CustodianError(LedgerCodes.DUPLICATE_SERIAL, `serial ${body.serialHex} was already used by this issuer`, { entry: i });
      }
    }
    if (!body.reissueReason && (await this.issuedFor(body.deviceId)).length) {
      throw new CustodianError(LedgerCodes.REISSUE_REASON_REQUIRED, `device ${body.deviceId} already has a certificate`, { deviceId: body.deviceId });
    }
    // From the count to the append nothing awaits: no other run can take the slot in between.
    const wo = body.workOrder;
    if (bounds && wo !== undefined) {
      const taken = this.tally.usage(wo).reserved;
      if (taken >= bounds.quota) throw quotaExhausted(wo, bounds.quota, taken, body.deviceId);
    }
    const { index, at } = await this.counted(wo, 'intent', () => this.ledger.appendDurable('intent', body));
    // The record as decodeRecord would read it back: the device's done and outcome look it up next.
    this.lastIntent = { index, rec: { t: 'intent', n: index, at, ...body } };
    return { id: String(index) };
  }

  async recordIssued(handle: IntentHandle, certificateDer: Uint8Array): Promise<void> {
    const { index, rec } = this.openIntent(handle);
    const facts = issuedFacts(certificateDer, rec);
    await this.counted(rec.workOrder, 'issued', () => this.ledger.appendDurable('done', {
      intent: index,
      deviceId: rec.deviceId,
      serialHex: facts.serialHex,
      issuerFingerprint: rec.issuerFingerprint,
      certSha256: facts.certSha256,
      cert: Buffer.from(certificateDer.buffer, certificateDer.byteOffset, certificateDer.byteLength).toString('base64'),
    }));
    if (!facts.matches) {
      throw new CustodianError(LedgerCodes.CERT_MISMATCH, 'the signed certificate does not match its intent; do not ship it', {
        intent: index, serial: facts.certSerialHex, expectedSerial: rec.serialHex, durable: true,
      });
    }
  }

  async recordFailed(handle: IntentHandle, failure: { code: string; message: string }): Promise<void> {
    const { index, rec } = this.openIntent(handle);
    await this.counted(rec.workOrder, 'released', () => this.ledger.appendDurable('failed', { intent: index, code: failure.code, message: failure.message }));
  }

  async recordOutcome(handle: IntentHandle, outcome: ProvisioningOutcome): Promise<void> {
    const { index } = this.intentAt(handle);
    await this.ledger.appendDurable('outcome', outcome.result === 'passed'
      ? { intent: index, result: 'passed', ...(outcome.finalProof ? { finalProof: outcome.finalProof } : {}), ...(outcome.proofs ? { proofs: outcome.proofs } : {}) }
      : { intent: index, result: 'failed', code: outcome.code, message: outcome.message });
  }

  async issuedFor(deviceId: string): Promise<IssuedCertificateRecord[]> {
    return this.issuedUnder(this.ledger.index.byDevice.get(deviceId) ?? []);
  }

  async issuedForKey(spkiSha256: string): Promise<IssuedCertificateRecord[]> {
    return this.issuedUnder(this.ledger.index.bySpki.get(spkiSha256) ?? []);
  }

  /** The certificates issued under these intents: closed by a done record, or reconciled as issued. */
  private issuedUnder(intents: readonly number[]): IssuedCertificateRecord[] {
    const out: IssuedCertificateRecord[] = [];
    for (const i of intents) {
      const closing = this.ledger.index.linkOf(i);
      if (closing < 0) continue;
      const r = this.ledger.record(closing);
      if ((r.t === 'done' || (r.t === 'reconcile' && r.resolution === 'issued')) && r.cert) {
        const intent = this.ledger.record(i) as IntentRecord;
        out.push({
          deviceId: intent.deviceId, serialHex: r.serialHex ?? intent.serialHex, issuerFingerprint: intent.issuerFingerprint,
          spkiSha256: intent.spkiSha256, certificateDer: new Uint8Array(Buffer.from(r.cert, 'base64')), issuedAt: r.at,
          intentId: String(i),
        });
      }
    }
    return out;
  }

  health(): RecorderHealth {
    const stopped = this.ledger.failure;
    return {
      stopped: stopped ? { code: stopped.code, message: stopped.message, details: stopped.details } : null,
      openIntents: this.unreconciled().map((u) => ({ id: String(u.index), deviceId: u.intent.deviceId, serialHex: u.intent.serialHex })),
    };
  }

  /** Intents with no done, failed or reconcile record. */
  unreconciled(): UnreconciledIntent[] {
    return [...this.ledger.index.openIntents].sort((a, b) => a - b).map((index) => {
      const { t: _t, n: _n, at, ...intent } = this.ledger.record(index) as IntentRecord;
      return { index, at, intent };
    });
  }

  /** Close an interrupted intent with the operator's finding. */
  async reconcile(intentIndex: number, input: ReconcileInput): Promise<void> {
    const { index, rec } = this.openIntent(intentIndex);
    const body: RecordBodies['reconcile'] = { intent: index, resolution: input.resolution, operator: input.operator, reason: input.reason };
    if (input.resolution === 'issued') {
      if (!input.certificateDer) throw new CustodianError(LedgerCodes.RECORD_INVALID, 'an issued reconciliation needs the certificate', {});
      const f = certFacts(input.certificateDer);
      if (f.serialHex !== rec.serialHex || f.spkiSha256 !== rec.spkiSha256) {
        throw new CustodianError(LedgerCodes.CERT_MISMATCH, 'the certificate does not match the intent', { intent: index });
      }
      body.serialHex = f.serialHex;
      body.certSha256 = f.certSha256;
      body.cert = Buffer.from(input.certificateDer).toString('base64');
    }
    await this.counted(rec.workOrder, input.resolution === 'issued' ? 'issued' : 'released', async () => this.ledger.append('reconcile', body));
    this.inherited.delete(index);
  }

  // ---------------------------------------------------------------- other station events

  async recordAuthorityImport(e: RecordBodies['authority-import']): Promise<number> {
    return this.ledger.append('authority-import', e).index;
  }

  async recordAuthoritySuccessor(e: RecordBodies['authority-successor']): Promise<number> {
    return this.ledger.append('authority-successor', e).index;
  }

  async recordAuthorityKeyLoad(e: RecordBodies['authority-key-load']): Promise<number> {
    return this.ledger.append('authority-key-load', e).index;
  }

  /** A certificate signed outside provisioning (e.g. a proof-of-possession verification certificate). */
  async recordVerificationCertificate(
    certificateDer: Uint8Array, e: { purpose: string; issuerFingerprint: string; operator: string },
  ): Promise<number> {
    const f = certFacts(certificateDer);
    return this.ledger.append('verification-cert', {
      purpose: e.purpose, subject: f.subject, serialHex: f.serialHex, issuerFingerprint: e.issuerFingerprint,
      operator: e.operator, certSha256: f.certSha256, cert: Buffer.from(certificateDer).toString('base64'),
    }).index;
  }

  async recordConfigChange(e: RecordBodies['config']): Promise<number> {
    return this.ledger.append('config', e).index;
  }

  async recordSession(e: RecordBodies['session']): Promise<number> {
    return this.ledger.append('session', e).index;
  }

  async recordAuthorityUnlockFailed(e: RecordBodies['authority-unlock-failed']): Promise<number> {
    return this.ledger.append('authority-unlock-failed', e).index;
  }
}
