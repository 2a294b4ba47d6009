/**
 * The provisioning state machine as data. `TRANSITIONS` lists, for each step,
 * which outcome leads where; `transition` is the pure function the runner (and
 * the tests) use. Step names are the shared `ProvisionStep` values the UI
 * renders (electron/shared/events.ts), minus `connect`, which belongs to
 * whoever opens the port.
 *
 *   identify ─ok→ csr ─ok→ check ─sign→ intent → sign → record → write → verify → commit ─ok→ done
 *                 │ ↑          ├─reuse──────────────────────────↗ (recorded cert, no new signature)
 *          no-key ↓ │ok        └─recognised→ commit (valid chain from us, unlocked) / done (locked)
 *                keygen                                              done ─ok→ passed
 *   any step ─fail→ failed
 */
import { CustodianError } from '../errors';
import type { ProvisionStep } from '../../shared/events';
import { StationCodes } from './codes';

export type WorkflowStep = Exclude<ProvisionStep, 'connect'>;
export type TerminalState = 'passed' | 'failed';
export type WorkflowState = WorkflowStep | TerminalState;

/** What a step's execution reports to the machine. */
export type StepOutcome =
  | 'ok'
  /** csr: the device has no key yet. */
  | 'no-key'
  /** check: the device already carries a valid chain from this station for this key. */
  | 'recognised'
  /** check: recognised and already locked: nothing left to do. */
  | 'recognised-locked'
  /** check: a recorded certificate for this very key is installed again instead of signing. */
  | 'reuse'
  | 'fail';

export const STEP_ORDER: readonly WorkflowStep[] = ['identify', 'keygen', 'csr', 'check', 'intent', 'sign', 'record', 'write', 'verify', 'commit', 'done'];

export const TRANSITIONS: Readonly<Record<WorkflowStep, Partial<Record<StepOutcome, WorkflowState>>>> = {
  identify: { ok: 'csr', fail: 'failed' },
  csr: { ok: 'check', 'no-key': 'keygen', fail: 'failed' },
  keygen: { ok: 'csr', fail: 'failed' },
  check: { ok: 'intent', reuse: 'write', recognised: 'commit', 'recognised-locked': 'done', fail: 'failed' },
  intent: { ok: 'sign', fail: 'failed' },
  sign: { ok: 'record', fail: 'failed' },
  record: { ok: 'write', fail: 'failed' },
  write: { ok: 'verify', fail: 'failed' },
  verify: { ok: 'commit', fail: 'failed' },
  commit: { ok: 'done', fail: 'failed' },
  done: { ok: 'passed', fail: 'failed' },
};

export const INITIAL_STEP: WorkflowStep = 'identify';

export function isTerminal(s: WorkflowState): s is TerminalState {
  return s === 'passed' || s === 'failed';
}

/** Pure: the next state, or WORKFLOW_ILLEGAL_TRANSITION when the table has no such edge. */
export function transition(from: WorkflowState, outcome: StepOutcome): WorkflowState {
  const to = isTerminal(from) ? undefined : TRANSITIONS[from][outcome];
  if (to === undefined) {
    throw new CustodianError(StationCodes.WORKFLOW_ILLEGAL_TRANSITION, `no transition from ${from} on ${outcome}`, { from, outcome });
  }
  return to;
}
