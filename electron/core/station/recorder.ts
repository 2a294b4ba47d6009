/**
 * The recording contract between the provisioning workflow and the signing
 * ledger. The workflow records an intent *before* the CA key signs, the issued
 * certificate *before* it is sent to the device, and the outcome afterwards.
 * An implementation must make each call durable before its promise resolves;
 * if it cannot, it must reject, and the workflow then signs nothing (fail closed).
 */

import type { KeyAttestation } from '../device/client';
import { CustodianError } from '../errors';
import { WorkOrderCodes } from '../workorder/codes';
import type { FinalProof, Proof } from './proofs';

/** What the station is about to sign. Everything here is decided before signing. */
export interface IssuanceIntent {
  deviceId: string;
  /** RFC 4514 subject the station will put in the certificate, e.g. `CN=dev-001`. */
  subject: string;
  /** Certificate serial number, lowercase hex, no leading zero octet. */
  serialHex: string;
  /** SHA-256 of the device's SubjectPublicKeyInfo DER, lowercase hex. */
  spkiSha256: string;
  /** SHA-256 of the CSR DER when the device supplied one, lowercase hex. */
  csrSha256?: string;
  /** SHA-256 fingerprint of the issuing CA certificate, lowercase hex. */
  issuerFingerprint: string;
  /** Name of the issuance profile (see electron/core/pki profiles). */
  profile: string;
  notBefore: string; // ISO 8601
  notAfter: string; // ISO 8601
  operator: string;
  workOrder?: string;
  /** Required by policy when the device ID was already issued a certificate. */
  reissueReason?: string;
  /** The driver the device was reached through (`custodian`, `nrf91`). */
  driver?: string;
  /** What the driver learned of the device (IMEI, modem firmware, UUID …). */
  device?: Record<string, string>;
  /** The proofs passed before signing (proofs.ts). */
  proofs?: Proof[];
  /** The device identity's statement about its new key, verbatim. */
  attestation?: KeyAttestation;
  /** Serial of the certificate this one replaces (a renewal: renewal.ts), which this station issued for the same device ID. */
  replaces?: string;
  /** How it replaces it: the same key (`renew`) or a new one (`re-key`). */
  renewal?: 'renew' | 're-key';
}

export interface IntentHandle {
  /** Ledger-assigned identifier (e.g. the entry index) of the intent record. */
  readonly id: string;
}

export interface IssuedCertificateRecord {
  deviceId: string;
  serialHex: string;
  issuerFingerprint: string;
  spkiSha256: string;
  certificateDer: Uint8Array;
  issuedAt: string;
  /**
   * The handle id of the intent this certificate was issued under, when the
   * recorder knows it: lets a retry that re-installs this certificate record
   * its outcome against the original intent instead of signing again.
   */
  intentId?: string;
}

export type ProvisioningOutcome =
  /** `proofs`: every proof the run passed, in order; `finalProof`: the one the policy took as the last word. */
  | { result: 'passed'; finalProof?: FinalProof; proofs?: Proof[] }
  | { result: 'failed'; code: string; message: string };

/** An intent the recorder holds with no closing record (done, failed or reconcile). */
export interface OpenIntent {
  id: string;
  deviceId: string;
  serialHex: string;
}

/**
 * What a recorder can still do and what it holds open, asked after a run
 * failed (the verdict states it). `stopped` is the write failure after which
 * it records nothing more: the station must then stop signing and serving
 * until the cause is fixed.
 */
export interface RecorderHealth {
  stopped: { code: string; message: string; details: Readonly<Record<string, unknown>> } | null;
  openIntents: OpenIntent[];
}

/** The operator's command that closes an open intent (`custodian ledger reconcile`). */
export function reconcileCommand(id: string | number, resolution: 'abandoned' | 'issued' | 'abandoned|issued' = 'abandoned|issued'): string {
  return `custodian ledger reconcile ${id} --resolution ${resolution}${resolution === 'issued' ? ' --cert <certificate file>' : ''} --reason "<what you found>" --operator <name>`;
}

/**
 * How many of a work order's slots the recorder's records take
 * (docs/work-orders.md §Quota): an intent reserves one, a `failed` record
 * (nothing was signed) or a reconcile as abandoned releases it, a certificate
 * (done, or reconciled as issued) keeps it, and an intent with no closing
 * record keeps it until it is reconciled.
 */
export interface WorkOrderUsage {
  /** Intents naming the order. */
  intents: number;
  /** Certificates issued under it. */
  issued: number;
  /** Intents closed with nothing issued (their slots are free again). */
  released: number;
  /** Intents not closed yet (each still holds its slot). */
  open: number;
  /** Slots taken: intents − released. */
  reserved: number;
}

/** What bounds an intent: the recorder refuses it when its work order already holds `quota` slots. */
export interface IntentBounds {
  quota: number;
}

/** WORK_ORDER_QUOTA_EXHAUSTED naming the order, its quota and how many slots are taken. */
export function quotaExhausted(id: string, quota: number, taken: number, deviceId: string): CustodianError {
  return new CustodianError(WorkOrderCodes.QUOTA_EXHAUSTED, `device ${deviceId} is refused: work order ${id} has used its quota of ${quota} certificate(s) (${taken} taken, counting intents not yet resolved)`, {
    id, bound: 'quota', deviceId, quota, taken,
  });
}

/**
 * A rejected call whose error has `details.durable === true` wrote its record
 * anyway (only what follows it, such as a checkpoint, failed): the caller
 * treats the record as made, and must still not go on (the recorder has stopped).
 */
export interface IssuanceRecorder {
  /**
   * Durably record the intent. Rejects if it cannot: the caller must then not sign.
   * With `bounds`, rejects WORK_ORDER_QUOTA_EXHAUSTED when the intent's work
   * order already holds `bounds.quota` slots; the count and the append are one
   * step, so concurrent runs never take more slots than the quota.
   */
  recordIntent(intent: IssuanceIntent, bounds?: IntentBounds): Promise<IntentHandle>;
  /** Durably record the signed certificate, before it leaves the station. */
  recordIssued(handle: IntentHandle, certificateDer: Uint8Array): Promise<void>;
  /** Signing itself failed after the intent was written. */
  recordFailed(handle: IntentHandle, failure: { code: string; message: string }): Promise<void>;
  /** What happened on the device after the certificate was issued. */
  recordOutcome(handle: IntentHandle, outcome: ProvisioningOutcome): Promise<void>;
  /** Certificates already issued for a device ID (for re-issue policy). */
  issuedFor(deviceId: string): Promise<IssuedCertificateRecord[]>;
  /**
   * Certificates already issued for a device public key (SHA-256 of its
   * SubjectPublicKeyInfo, lowercase hex), under any device ID: one key, one
   * device (a key certified for another device ID is refused before the intent).
   */
  issuedForKey(spkiSha256: string): Promise<IssuedCertificateRecord[]>;
  /** Optional: the slots a work order's records take (without it, a quota is checked only at the intent, if at all). */
  workOrderUsage?(workOrder: string): WorkOrderUsage;
  /** Optional: whether the recorder has stopped after a write failure, and the intents it holds open. Without it, a recorder is taken to be writable. */
  health?(): RecorderHealth;
}
