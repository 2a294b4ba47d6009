/**
 * The provisioning runner: drives the state machine (machine.ts) through the
 * step implementations (steps.ts) for one device, emitting typed progress
 * events. The UI and the CLI call exactly this.
 *
 *   const issuer = prepareIssuer(unlocked);               // once per session
 *   const result = await provisionDevice({ device, issuer, recorder, operator, onEvent });
 *   if (result.result === 'failed') show(result.error);   // the device is safe to retry
 *
 * `provisionDevice` does not throw for device, policy or recorder failures: it
 * returns `{ result: 'failed', error }` with the step that failed. It never
 * closes the device; the caller owns the connection.
 */
import { randomUUID } from 'node:crypto';
import type { DeviceClient, DeviceIdentity } from '../device/client';
import { CustodianError, isCustodianError } from '../errors';
import { cryptoRandom, fingerprintSha256, issueCertificate, type IssueRequest, type IssuedCertificate, type RandomSource } from '../pki/index';
import { StationCodes } from './codes';
import type { ErrorInfo, ProvisioningResult, RunRecord, StepEvent, StepTiming, WorkflowListener } from './events';
import type { PreparedIssuer } from './issuer';
import { INITIAL_STEP, isTerminal, transition, type WorkflowState, type WorkflowStep } from './machine';
import { checkPolicy, DEFAULT_ISSUANCE_POLICY, type IssuancePolicy } from './policy';
import type { IssuanceRecorder } from './recorder';
import type { RenewalRequest, RevocationRegistry } from './renewal';
import { STEPS, type RunState, type StepEnv, type StepResult } from './steps';
import type { WorkOrderPolicy } from './work-order-gate';

export interface ProvisionOptions {
  device: DeviceClient;
  issuer: PreparedIssuer;
  recorder: IssuanceRecorder;
  operator: string;
  workOrder?: string;
  /** The station's work-order policy; without it no run is bounded by a work order. */
  workOrders?: WorkOrderPolicy;
  /** Needed when the device ID already has a certificate for another key (policy.reissue). */
  reissueReason?: string;
  /**
   * Replace the device's certificate on purpose (renewal.ts): `renew` (same
   * key, in the policy's window) or `re-key` (the device makes a new key),
   * with the operator's reason.
   */
  renewal?: RenewalRequest;
  /** Revocation status and records; needed for a renewal under a policy that revokes the replaced certificate. */
  revocations?: RevocationRegistry;
  policy?: IssuancePolicy;
  onEvent?: WorkflowListener;
  signal?: AbortSignal;
  runId?: string;
  clock?: () => Date;
  random?: RandomSource;
  /** Signing primitive; defaults to pki issueCertificate. */
  sign?: (req: IssueRequest) => Promise<IssuedCertificate>;
  /**
   * The device's answer to IDENTIFY moments ago in this same session (the
   * watch loop's detection): the identify step still asks the device, in an
   * exchange of its own, and refuses a different answer
   * (WORKFLOW_DEVICE_CHANGED).
   */
  identity?: DeviceIdentity;
  /** The hub's TLS server trust anchors (DER) to install into the device; none by default. */
  trustAnchors?: readonly Uint8Array[];
}

export function errorInfo(e: unknown): ErrorInfo {
  if (isCustodianError(e)) return { code: e.code, message: e.message, details: e.details };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e), details: {} };
}

export async function provisionDevice(opts: ProvisionOptions): Promise<ProvisioningResult> {
  const policy = checkPolicy(opts.policy ?? DEFAULT_ISSUANCE_POLICY);
  const runId = opts.runId ?? randomUUID();
  const clock = opts.clock ?? (() => new Date());
  const env: StepEnv = {
    ...(opts.identity ? { identity: opts.identity } : {}),
    device: opts.device,
    issuer: opts.issuer,
    recorder: opts.recorder,
    policy,
    operator: opts.operator,
    workOrder: opts.workOrder,
    workOrders: opts.workOrders,
    reissueReason: opts.reissueReason,
    renewal: opts.renewal,
    revocations: opts.revocations,
    clock,
    random: opts.random ?? cryptoRandom,
    sign: opts.sign ?? issueCertificate,
    trustAnchors: opts.trustAnchors ?? [],
  };
  const s: RunState = { keygenDone: false, signed: false, recorded: false, proofs: [] };
  const steps: StepTiming[] = [];
  const listener = opts.onEvent;
  // Events are built only for a listener (each carries the time as ISO text).
  const emit = (step: WorkflowStep, state: 'started' | 'succeeded' | 'failed', durationMs: number, r: StepResult | null, error: ErrorInfo | null): void => {
    if (!listener) return;
    const at = clock().toISOString();
    const deviceId = s.identity?.deviceId ?? null;
    const serialHex = s.serialHex ?? null;
    const e: StepEvent =
      state === 'started'
        ? { kind: 'step', runId, step, at, deviceId, serialHex, state }
        : state === 'succeeded'
          ? { kind: 'step', runId, step, at, deviceId, serialHex, state, durationMs, details: r?.details ?? {} }
          : { kind: 'step', runId, step, at, deviceId, serialHex, state, durationMs, error: error! };
    try {
      listener(e);
    } catch {
      /* a broken listener must not break provisioning */
    }
  };
  const t0 = performance.now();
  let state: WorkflowState = INITIAL_STEP;
  let failure: { step: WorkflowStep; error: ErrorInfo } | null = null;
  let last: WorkflowStep = INITIAL_STEP;
  /** The write step started: the certificate may be on the device. */
  let sent = false;

  while (!isTerminal(state)) {
    const step: WorkflowStep = state;
    last = step;
    emit(step, 'started', 0, null, null);
    const st = performance.now();
    try {
      // intent → sign → record is one critical section (a cancel lands before or after it),
      // and after commit the device is provisioned: recording its outcome is never cancelled.
      const critical = step === 'sign' || step === 'record' || step === 'done';
      // A failure the previous step held over for this one (steps.ts deferTo) is reported as it is, cancelled or not.
      if (opts.signal?.aborted && !critical && !s.deferred) throw new CustodianError(StationCodes.WORKFLOW_CANCELLED, `provisioning was cancelled before ${step}`, { step });
      // A failure held over for write (the pre-write identity check's) is raised before anything is sent.
      if (step === 'write' && !s.deferred) sent = true;
      const r = await STEPS[step](env, s);
      const durationMs = performance.now() - st;
      steps.push({ step, durationMs, state: 'succeeded' });
      emit(step, 'succeeded', durationMs, r, null);
      state = transition(step, r.outcome);
    } catch (e) {
      const durationMs = performance.now() - st;
      const error = errorInfo(e);
      // The recorder wrote the certificate's record although the call failed after it (recorder.ts).
      if (step === 'record' && error.details.durable === true) s.recorded = true;
      steps.push({ step, durationMs, state: 'failed' });
      emit(step, 'failed', durationMs, null, error);
      failure = { step, error };
      state = transition(step, 'fail');
    }
  }

  let outcome: ProvisioningResult;
  const durationMs = performance.now() - t0;
  if (state === 'passed' && s.identity && s.leaf && s.serialHex) {
    outcome = {
      result: 'passed',
      how: s.decision?.kind === 'recognised' ? 'recognised' : s.decision?.kind === 'reuse' ? 'reused' : 'signed',
      deviceId: s.identity.deviceId,
      serialHex: s.serialHex,
      fingerprint: fingerprintSha256(s.leaf),
      reissued: s.decision?.kind === 'sign' && s.decision.reissue,
      leafDer: s.leaf,
      chainDer: [...opts.issuer.deviceChain],
      intentId: s.handle?.id ?? null,
      driver: s.identity.driver,
      finalProof: s.finalProof ?? 'challenge',
      ...(s.replaced && opts.renewal
        ? { renewal: { mode: opts.renewal.mode, replaces: s.replaced.record.serialHex, oldCertificate: s.replaced.disposition === 'revoke' ? ('revoked' as const) : ('expires' as const) } }
        : {}),
      proofs: [...s.proofs],
      durationMs,
      steps,
    };
  } else {
    const f = failure ?? { step: last, error: errorInfo(new CustodianError('INTERNAL', 'the workflow ended without a result')) };
    // An intent recorded in this run but never signed is closed as failed (nothing was signed).
    if (s.handle && s.intent && !s.signed && !s.intentClosed) {
      await opts.recorder.recordFailed(s.handle, { code: f.error.code, message: f.error.message }).catch(() => undefined);
    }
    // The outcome of a certificate that was issued (or re-installed) belongs in the record too.
    if (s.handle && (s.recorded || s.decision?.kind === 'reuse')) {
      await opts.recorder.recordOutcome(s.handle, { result: 'failed', code: f.error.code, message: f.error.message }).catch(() => undefined);
    }
    // Asked last, so it covers a failure of the bookkeeping above too.
    const health = opts.recorder.health?.() ?? { stopped: null, openIntents: [] };
    const reused = s.decision?.kind === 'reuse';
    const record: RunRecord = {
      serialHex: s.signed || reused ? (s.serialHex ?? null) : null,
      signed: s.signed,
      reused,
      recorded: s.recorded || reused,
      sentToDevice: sent,
      stopped: health.stopped,
      openIntents: health.openIntents,
    };
    outcome = { result: 'failed', deviceId: s.identity?.deviceId ?? null, failedStep: f.step, error: f.error, signed: s.signed, record, durationMs, steps };
  }
  if (listener) {
    try {
      listener({ kind: 'finished', runId, at: clock().toISOString(), outcome });
    } catch {
      /* a broken listener must not break provisioning */
    }
  }
  return outcome;
}
