/**
 * In-memory IssuanceRecorder for workflow tests: keeps every record, can be
 * told to reject a given call (fail closed), and exposes what it holds so a
 * test can compare it with what the issuer actually signed.
 */
import { CustodianError } from '../../electron/core/errors';
import type {
  IntentHandle, IssuanceIntent, IssuanceRecorder, IssuedCertificateRecord, ProvisioningOutcome,
} from '../../electron/core/station/recorder';

export interface MemoryIntent {
  id: string;
  intent: IssuanceIntent;
  issued?: Uint8Array;
  failed?: { code: string; message: string };
  outcomes: ProvisioningOutcome[];
}

export class MemoryRecorder implements IssuanceRecorder {
  readonly intents: MemoryIntent[] = [];
  /** Reject the next call of this kind once (LEDGER_WRITE_FAILED). */
  failNext: 'intent' | 'issued' | null = null;

  private fail(kind: 'intent' | 'issued'): void {
    if (this.failNext === kind) {
      this.failNext = null;
      throw new CustodianError('LEDGER_WRITE_FAILED', `injected ${kind} write failure`);
    }
  }

  private get(h: IntentHandle): MemoryIntent {
    const i = this.intents.find((x) => x.id === h.id);
    if (!i) throw new CustodianError('LEDGER_UNKNOWN_INTENT', `no intent ${h.id}`);
    return i;
  }

  async recordIntent(intent: IssuanceIntent): Promise<IntentHandle> {
    this.fail('intent');
    const id = String(this.intents.length);
    this.intents.push({ id, intent: structuredClone(intent), outcomes: [] });
    return { id };
  }

  async recordIssued(h: IntentHandle, der: Uint8Array): Promise<void> {
    this.fail('issued');
    this.get(h).issued = Uint8Array.from(der);
  }

  async recordFailed(h: IntentHandle, failure: { code: string; message: string }): Promise<void> {
    this.get(h).failed = failure;
  }

  async recordOutcome(h: IntentHandle, outcome: ProvisioningOutcome): Promise<void> {
    this.get(h).outcomes.push(outcome);
  }

  async issuedFor(deviceId: string): Promise<IssuedCertificateRecord[]> {
    return this.issuedWhere((i) => i.intent.deviceId === deviceId);
  }

  async issuedForKey(spkiSha256: string): Promise<IssuedCertificateRecord[]> {
    return this.issuedWhere((i) => i.intent.spkiSha256 === spkiSha256);
  }

  private issuedWhere(match: (i: MemoryIntent) => boolean): IssuedCertificateRecord[] {
    return this.intents
      .filter((i) => match(i) && i.issued)
      .map((i) => ({
        deviceId: i.intent.deviceId,
        serialHex: i.intent.serialHex,
        issuerFingerprint: i.intent.issuerFingerprint,
        spkiSha256: i.intent.spkiSha256,
        certificateDer: i.issued!,
        issuedAt: i.intent.notBefore,
        intentId: i.id,
      }));
  }

  /** Every certificate this recorder holds as issued. */
  issuedCertificates(): Uint8Array[] {
    return this.intents.flatMap((i) => (i.issued ? [i.issued] : []));
  }
}
