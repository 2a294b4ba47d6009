/**
 * Typed progress events of a provisioning run. The runner emits one `started`
 * and one `succeeded` or `failed` per step it executes, then exactly one
 * `finished`. The UI shows them on the shared `station.progress` payload;
 * the CLI renders them as a live step list.
 */
import type { WorkflowStep } from './machine';
import type { FinalProof, Proof } from './proofs';
import type { OpenIntent } from './recorder';

export interface ErrorInfo {
  code: string;
  message: string;
  details: Readonly<Record<string, unknown>>;
}

interface StepEventBase {
  kind: 'step';
  runId: string;
  step: WorkflowStep;
  /** ISO 8601 time of the event. */
  at: string;
  /** Known from the first successful identify on. */
  deviceId: string | null;
  /** Known once the serial is decided (intent) or a recorded certificate is reused. */
  serialHex: string | null;
}

export interface StepStarted extends StepEventBase {
  state: 'started';
}

export interface StepSucceeded extends StepEventBase {
  state: 'succeeded';
  durationMs: number;
  /** Non-secret facts about what the step did (e.g. { path: 'csr', keyAlgorithm: 'P-256' }). */
  details: Readonly<Record<string, unknown>>;
}

export interface StepFailed extends StepEventBase {
  state: 'failed';
  durationMs: number;
  error: ErrorInfo;
}

export type StepEvent = StepStarted | StepSucceeded | StepFailed;

/** What the recorder holds after a failed run: the verdict states exactly this. */
export interface RunRecord {
  /** Serial of the certificate this run signed or re-installed, or null when it got none. */
  serialHex: string | null;
  /** A certificate was signed in this run. */
  signed: boolean;
  /** The run re-installed a certificate recorded earlier (nothing new was signed). */
  reused: boolean;
  /** That certificate is durably recorded. */
  recorded: boolean;
  /** It was sent to the device (the write step started). */
  sentToDevice: boolean;
  /**
   * The write failure after which the recorder records nothing more (in this
   * run or before it): the station must stop signing and serving until the
   * cause is fixed. Null while it can write.
   */
  stopped: ErrorInfo | null;
  /** Intents the recorder holds open: each must be reconciled before anything more is signed. */
  openIntents: OpenIntent[];
}

export type ProvisioningResult =
  | {
      result: 'passed';
      /** signed: a new certificate; reused: a recorded one re-installed; recognised: nothing signed, chain already valid. */
      how: 'signed' | 'reused' | 'recognised';
      deviceId: string;
      serialHex: string;
      /** SHA-256 of the installed leaf DER, lowercase hex. */
      fingerprint: string;
      reissued: boolean;
      leafDer: Uint8Array;
      chainDer: Uint8Array[];
      /** Recorder handle of the intent, when this run (or the reused record) has one. */
      intentId: string | null;
      /** The driver the device was reached through. */
      driver: string;
      /** The possession proof the policy took as the last word, and every proof the run passed (proofs.ts). */
      finalProof: FinalProof;
      proofs: Proof[];
      /** A renewal: how, the certificate it replaced, and whether that one was revoked or is left to expire. */
      renewal?: { mode: 'renew' | 're-key'; replaces: string; oldCertificate: 'revoked' | 'expires' };
      durationMs: number;
      steps: StepTiming[];
    }
  | {
      result: 'failed';
      deviceId: string | null;
      failedStep: WorkflowStep;
      error: ErrorInfo;
      /** Whether a certificate was signed in this run (`record` says whether it is recorded). */
      signed: boolean;
      /** What the recorder holds about this run. */
      record: RunRecord;
      durationMs: number;
      steps: StepTiming[];
    };

export interface StepTiming {
  step: WorkflowStep;
  durationMs: number;
  state: 'succeeded' | 'failed';
}

export interface RunFinished {
  kind: 'finished';
  runId: string;
  at: string;
  outcome: ProvisioningResult;
}

export type WorkflowEvent = StepEvent | RunFinished;

/** Listener contract: called synchronously; an exception in a listener never breaks the run. */
export type WorkflowListener = (event: WorkflowEvent) => void;
