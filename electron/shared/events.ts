/**
 * Subscriptions: payloads pushed from the station to the UI (IPC
 * `webContents.send` in the app, server-sent events in the test bridge).
 * Each payload is validated with its schema before it is sent.
 */
import { z } from 'zod';
import { Iso, SerialHex } from './api/common';
import { LockState } from './api/authority';
import { DriverName, PortInfo, RunProofs, ShiftCounters, StationHalt } from './api/station';
import { EntryStatus, LedgerVerification } from './api/ledger';
import { HeadState } from './api/line';
import { STEP_ORDER, type WorkflowStep } from './workflow';

/**
 * The steps a station.progress event can name, in the order a run meets them:
 * `connect` (opening the port, reported by whoever opens it), then the
 * workflow's own steps in the order its transition table gives
 * (shared/workflow.ts STEP_ORDER: identify, csr, keygen, check, …, done).
 */
export const PROVISION_STEPS: readonly ['connect', ...WorkflowStep[]] = ['connect', ...STEP_ORDER];
export const ProvisionStep = z.enum(PROVISION_STEPS);
export type ProvisionStep = z.output<typeof ProvisionStep>;

export const StationProgress = z.object({
  runId: z.string(),
  port: z.string(),
  step: ProvisionStep,
  state: z.enum(['started', 'succeeded', 'failed']),
  at: Iso,
  deviceId: z.string().nullable(),
  serialHex: SerialHex.nullable(),
  /** Present when state is 'failed': the typed error. */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Whether the run was started by auto mode. */
  auto: z.boolean(),
  /** The driver that reached the device: from `connect` succeeded on (the step list shows that driver's steps). */
  driver: DriverName.optional(),
  /** On `done` succeeded: the possession proofs the run gave (the PASS screen says which). */
  proof: RunProofs.optional(),
});
export type StationProgress = z.output<typeof StationProgress>;

export const StationDevice = z.object({
  kind: z.enum(['attached', 'detached']),
  port: PortInfo,
});
export type StationDevice = z.output<typeof StationDevice>;

export const AuthorityLockStateEvent = z.object({
  state: LockState,
  /** token-removed: the token holding the CA key went away and the station locked at once. */
  reason: z.enum(['unlock', 'user', 'idle', 'quit', 'configured', 'token-removed']),
  autoLockAt: Iso.nullable(),
});
export type AuthorityLockStateEvent = z.output<typeof AuthorityLockStateEvent>;

export const LedgerAppended = z.object({ index: z.number().int().min(0), status: EntryStatus, deviceId: z.string() });
export type LedgerAppended = z.output<typeof LedgerAppended>;

export const EVENTS = {
  'station.progress': StationProgress,
  'station.device': StationDevice,
  'station.counters': ShiftCounters,
  /** The ledger stopped: the station signs and serves nothing (a blocking alert until station.resume succeeds). */
  'station.halted': StationHalt,
  /** A head of the line changed (step, verdict, counters, auto mode): the Line view's tile. */
  'station.head': HeadState,
  'authority.lockState': AuthorityLockStateEvent,
  'ledger.appended': LedgerAppended,
  /** The full verification's progress and verdict (a tamper it finds also halts the station: station.halted). */
  'ledger.verification': LedgerVerification,
} as const;
