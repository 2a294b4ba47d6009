/**
 * What the station service needs from each core module, as narrow interfaces
 * ("ports"). `createStationService` takes one object per area; an area that
 * is not given answers every call with API_NOT_AVAILABLE (see `need`).
 *
 * Secrets rule: passphrases and token PINs go IN to AuthorityPort; nothing
 * that comes OUT of a port carries key material — only certificates (DER),
 * requests and facts.
 */
import { CustodianError } from '../errors';
import { ApiCodes } from '../../shared/errors';
import type { KeyAlgorithm as KeyAlgorithmName } from '../../shared/api/common';
import type { RootCheck } from '../../shared/api/authority';
import type { Settings } from '../../shared/api/settings';
import type { WorkOrdersStatus, WorkOrderView } from '../../shared/api/work-orders';
import type { ProvisionStep } from '../../shared/events';
import type { DriverChoice, DriverName } from '../../shared/drivers';
import type { FinalProofName, ProofName } from '../../shared/proofs';

/** A CA name as the authority issues it: CN and, optionally, O. */
export interface SubjectInput {
  commonName: string;
  organization?: string;
}

/** The upstream root as read by the service: the certificate file's bytes, or the fingerprint as typed. */
export type RootPinBytes = { certificate: Uint8Array } | { sha256: string };

/** Where a new CA key goes: sealed in the vault under a new passphrase, or generated in a PKCS#11 token (URI + PIN). */
export type KeyPlacementInput = { passphrase: string; token?: undefined } | { token: { uri: string; pin: string }; passphrase?: undefined };

export interface AuthorityPort {
  /** Current state. `chainDer` is the issuing CA first, root last (empty when none). */
  describe(): Promise<{
    kind: 'root' | 'subordinate' | 'pending' | 'demo' | null;
    unlocked: boolean;
    chainDer: Uint8Array[];
  }>;
  unlock(passphrase: string): Promise<void>;
  lock(): Promise<void>;
  initRoot(req: { subject: SubjectInput; keyAlgorithm: KeyAlgorithmName; validityDays: number; pathLen: number | null } & KeyPlacementInput): Promise<void>;
  createRequest(req: { subject: SubjectInput; keyAlgorithm: KeyAlgorithmName; root?: RootPinBytes } & KeyPlacementInput): Promise<{ csrDer: Uint8Array }>;
  /** `chainDer`: the issuers above the new certificate (this CA first, root last). */
  signSubordinate(req: { csrDer: Uint8Array; validityDays: number; pathLen: number | null }): Promise<{ certificateDer: Uint8Array; chainDer: Uint8Array[] }>;
  /**
   * Bundle text as read from the chosen file (PEM certificates). With
   * `migrate`: an existing CA's PEM private key (the file's bytes) to seal
   * under `passphrase` in the vault; the caller zeroes `keyPem` afterwards.
   * `root`: the upstream root (required unless the request pinned one).
   */
  importBundle(bundlePem: string, migrate?: { keyPem: Uint8Array; passphrase: string }, root?: RootPinBytes): Promise<{ root: RootCheck }>;
  verificationCert(req: { code: string; validityDays: number }): Promise<{ certificateDer: Uint8Array }>;
  createDemo(req: { passphrase: string }): Promise<void>;
  /** Calls `listener` when the authority dropped its key by itself (its token was removed); returns the unsubscriber. */
  onKeyLost?(listener: () => void): () => void;
}

export interface RawPort {
  path: string;
  vendorId?: string | undefined;
  productId?: string | undefined;
  manufacturer?: string | undefined;
  serialNumber?: string | undefined;
}

export interface DevicePort {
  listPorts(): Promise<RawPort[]>;
}

/** A step of a run as the UI shows it: `connect` (opening the port), then the workflow's steps. */
export type WorkflowStep = ProvisionStep;

export interface ProgressReport {
  step: WorkflowStep;
  state: 'started' | 'succeeded' | 'failed';
  deviceId?: string;
  serialHex?: string;
  error?: { code: string; message: string };
  /** The driver that reached the device (from `connect` succeeded on). */
  driver?: DriverName;
  /** On `done` succeeded: the possession proofs the run gave. */
  proof?: { finalProof: FinalProofName | null; proofs: ProofName[] };
}

export interface ProvisionRequest {
  runId: string;
  port: string;
  operator: string;
  workOrder?: string | undefined;
  reissueReason?: string | undefined;
  renewal?: { mode: 'renew' | 're-key'; reason: string } | undefined;
  /** The port's driver as chosen (station.setPortDriver, else `auto`: probe). */
  driver: DriverChoice;
  /** The station's settings at the start of the run: the issuance policy and the drivers' settings come from them. */
  settings: Settings;
  onProgress(p: ProgressReport): void;
  /** Stops the run before its next step (app quit): it fails with WORKFLOW_CANCELLED, safe to retry. */
  signal?: AbortSignal;
}

/** The station stopped because its ledger cannot be written (shared/api/station.ts StationHalt). */
export interface HaltReport {
  error: CustodianError;
  statements: string[];
  at: string;
}

export interface ProvisionSummary {
  deviceId: string;
  serialHex: string;
  fingerprint: string;
  ledgerIndex: number;
  reissued: boolean;
  /** A renewal: how, the serial it replaced, and what became of that certificate. */
  renewal?: { mode: 'renew' | 're-key'; replaces: string; oldCertificate: 'revoked' | 'expires' };
  /** The driver the device was reached through. */
  driver: DriverName;
  /** The final possession proof this run gave (null: it gave none itself, e.g. a recognised device), and every proof it passed. */
  finalProof: FinalProofName | null;
  proofs: ProofName[];
}

export interface ServeRequest {
  port: string;
  /** The port's driver as chosen when serving started (`auto`: probe until a device answers). */
  driver: DriverChoice;
  /** The station's settings when serving started (the drivers' settings). */
  settings: Settings;
  /** Aborted when auto mode is switched off or the port goes away. */
  signal: AbortSignal;
  /** The request for the next device found on the port (a new run ID, the settings now). */
  nextRun(): ProvisionRequest;
  /** How that device's run ended. */
  onResult(run: ProvisionRequest, r: { ok: true; summary: ProvisionSummary } | { ok: false; error: CustodianError }): void;
}

export interface WorkflowPort {
  /** One device on one port: open, provision, close. Rejects with the run's error. */
  provision(req: ProvisionRequest): Promise<ProvisionSummary>;
  /** Device after device on one port until `signal` aborts (auto mode). */
  serve(req: ServeRequest): Promise<void>;
  /** The halt while the ledger cannot be written, or null. */
  halted?(): HaltReport | null;
  /** Called when the ledger stops (and again with a run's own statements once that run has ended). */
  onHalt?(listener: (h: HaltReport) => void): () => void;
  /** Reopen the ledger after a halt; rejects (LEDGER_WRITE_FAILED) while the cause persists. */
  resume?(): Promise<void>;
}

export interface LedgerEntryFacts {
  index: number;
  time: string;
  /** 'info' for station bookkeeping records (no certificate outcome). */
  status: 'issued' | 'failed' | 'pending' | 'reconciled' | 'info';
  /** Ledger record type (intent, done, failed, outcome, reconcile, genesis, …). */
  type?: string;
  /** One-line description of the record. */
  text?: string;
  deviceId: string;
  serialHex: string | null;
  workOrder: string | null;
  operator: string;
  reissue: boolean;
  reissueReason?: string | null;
  profile?: string | null;
  issuerFingerprint?: string | null;
  spkiSha256?: string | null;
  certificateDer?: Uint8Array | null;
  chainDer?: Uint8Array[];
  failure?: { code: string; message: string } | null;
  entryHash?: string | null;
  /** The revocation of this entry's certificate, when it is revoked. */
  revocation?: { index: number; reason: string; revokedAt: string; operator: string } | null;
}

export interface LedgerPort {
  size(): Promise<number>;
  read(start: number, count: number): Promise<LedgerEntryFacts[]>;
  search(by: 'deviceId' | 'serial' | 'workOrder', value: string, limit: number): Promise<{ entries: LedgerEntryFacts[]; truncated: boolean }>;
  entry(index: number): Promise<LedgerEntryFacts>;
  /** Writes the bundle into `dir` (or a new folder inside it, returned as `path`); bytes written and ledger size covered. */
  exportAuditBundle(dir: string): Promise<{ path?: string; bytes: number; size: number }>;
  /** The inclusion proof file's text. */
  proof(index: number): Promise<string>;
  /**
   * Verify every entry (streaming, yielding to the event loop between chunks),
   * telling `onProgress` after each chunk. A tamper found stops the ledger.
   */
  verify(onProgress?: (p: { entries: number; size: number }) => void): Promise<{ ok: boolean; size: number; anomalies: { code: string; message: string; index: number | null }[] }>;
  /** Record revocations (electron/core/lifecycle/revocation.ts); the records as written. Absent: a ledger that only reads. */
  revoke?(req: { target: string; by: 'serial' | 'device'; reason: string; operator: string }): Promise<{
    index: number; serialHex: string; subject: 'device' | 'ca'; deviceId: string | null; reason: string; revokedAt: string; operator: string;
  }[]>;
}

export interface WorkOrderPort {
  /** Whether runs need a work order (the CA's requirement, or `settings.workOrders`), and every imported order with its quota left. */
  list(settings: Settings): Promise<WorkOrdersStatus>;
  /** Verify a signed work order (the file's bytes) against the station's root and CA and keep it (WORK_ORDER_* refusals). */
  import(cms: Uint8Array): Promise<{ order: WorkOrderView; alreadyImported: boolean }>;
}

export interface SimulatorPort {
  start(opts: { deviceId?: string | undefined; model?: string | undefined }): Promise<{ id: string; port: string; deviceId: string; model: string }>;
  stop(id: string): Promise<void>;
  list(): { id: string; port: string; deviceId: string; model: string }[];
  stopAll(): Promise<void>;
}

/**
 * INTEGRATION POINT: returns the port or throws API_NOT_AVAILABLE for an area
 * whose core module is not wired into this build yet.
 */
export function need<T>(port: T | undefined, area: string): T {
  if (port === undefined) {
    throw new CustodianError(ApiCodes.NOT_AVAILABLE, `The ${area} module is not available in this build yet.`, { area });
  }
  return port;
}
