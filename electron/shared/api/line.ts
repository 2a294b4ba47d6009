/**
 * The Line view: one tile per head of a gang fixture (each attached port),
 * with the device on it, its current step, the last verdict with its reason,
 * the head's counters, and auto mode per head. `station.head` pushes a
 * head's new state on every change.
 */
import { z } from 'zod';
import { Iso, NoArg, SerialHex } from './common';
import { PortPath } from './station';
import { STEP_ORDER, type WorkflowStep } from '../workflow';

const HEAD_STEPS: readonly ['connect', ...WorkflowStep[]] = ['connect', ...STEP_ORDER];

export const HeadVerdict = z.object({
  result: z.enum(['passed', 'failed']),
  deviceId: z.string().nullable(),
  serialHex: SerialHex.nullable(),
  /** Failed: the error's stable code and plain message (the reason on the tile). */
  code: z.string().nullable(),
  message: z.string().max(2000).nullable(),
  at: Iso,
});
export type HeadVerdict = z.output<typeof HeadVerdict>;

export const HeadCounters = z.object({ passed: z.number().int().min(0), failed: z.number().int().min(0) });
export type HeadCounters = z.output<typeof HeadCounters>;

export const HeadState = z.object({
  port: z.string(),
  /** Auto mode serves this head now (auto mode is on and the head is not paused). */
  auto: z.boolean(),
  /** The operator paused this head: auto mode leaves it alone until resumed. */
  paused: z.boolean(),
  /** A run is in progress on the head. */
  running: z.boolean(),
  /** The device of the run in progress (or of the last one), once identified. */
  deviceId: z.string().nullable(),
  /** The step the run in progress is at, and how it stands. */
  step: z.enum(HEAD_STEPS).nullable(),
  stepState: z.enum(['started', 'succeeded', 'failed']).nullable(),
  /** The last run's verdict on this head; null before the first. */
  last: HeadVerdict.nullable(),
  counters: HeadCounters,
});
export type HeadState = z.output<typeof HeadState>;

export const LineStatus = z.object({
  /** Auto mode is on for the station (each head may still be paused). */
  autoMode: z.boolean(),
  heads: z.array(HeadState).max(256),
  totals: HeadCounters,
});
export type LineStatus = z.output<typeof LineStatus>;

export const lineMethods = {
  /** Every head (attached port) with its state, and the line's totals. */
  'station.line': { input: NoArg, output: LineStatus },
  /**
   * Auto mode for one head: `false` pauses it (a device in flight stops
   * before its next step, safe to retry) and auto mode leaves it alone;
   * `true` serves it again while auto mode is on.
   */
  'station.setHeadAuto': { input: z.strictObject({ port: PortPath, enabled: z.boolean() }), output: HeadState },
} as const;
