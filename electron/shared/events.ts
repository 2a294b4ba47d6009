/**
 * Subscriptions: payloads pushed from the station to the UI (IPC
 * `webContents.send` in the app, server-sent events in the test bridge).
 * Each payload is validated with its schema before it is sent.
 */
import { z } from 'zod';
import { Iso, SerialHex } from './api/common';
import { LockState } from './api/authority';
import { PortInfo, ShiftCounters } from './api/station';
import { EntryStatus } from './api/ledger';

export const ProvisionStep = z.enum([
  'connect', // opening the port
  'identify', // reading device identity
  'check', // device ID rule, reissue policy
  'keygen', // device generates its key
  'csr', // device returns CSR / public key
  'intent', // intent recorded in the ledger
  'sign', // CA signs
  'record', // issued certificate recorded
  'write', // certificate + chain written to device
  'verify', // read back and checked
  'commit', // device locks its credential store
  'done',
]);
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
});
export type StationProgress = z.output<typeof StationProgress>;

export const StationDevice = z.object({
  kind: z.enum(['attached', 'detached']),
  port: PortInfo,
});
export type StationDevice = z.output<typeof StationDevice>;

export const AuthorityLockStateEvent = z.object({
  state: LockState,
  reason: z.enum(['unlock', 'user', 'idle', 'quit', 'configured']),
  autoLockAt: Iso.nullable(),
});
export type AuthorityLockStateEvent = z.output<typeof AuthorityLockStateEvent>;

export const LedgerAppended = z.object({ index: z.number().int().min(0), status: EntryStatus, deviceId: z.string() });
export type LedgerAppended = z.output<typeof LedgerAppended>;

export const EVENTS = {
  'station.progress': StationProgress,
  'station.device': StationDevice,
  'station.counters': ShiftCounters,
  'authority.lockState': AuthorityLockStateEvent,
  'ledger.appended': LedgerAppended,
} as const;
