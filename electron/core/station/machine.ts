/**
 * The provisioning state machine. The table itself (steps, outcomes,
 * `TRANSITIONS`, the derived `STEP_ORDER`) lives in electron/shared/workflow.ts,
 * so the UI draws its step list from the very table the runner executes; this
 * module re-exports it and adds `transition`, the pure function the runner
 * (and the tests) use.
 */
import { CustodianError } from '../errors';
import { isTerminal, TRANSITIONS, type StepOutcome, type WorkflowState } from '../../shared/workflow';
import { StationCodes } from './codes';

export {
  INITIAL_STEP, MAIN_PATH, STEP_ORDER, TRANSITIONS, isTerminal,
  type StepOutcome, type TerminalState, type WorkflowState, type WorkflowStep,
} from '../../shared/workflow';

/** Pure: the next state, or WORKFLOW_ILLEGAL_TRANSITION when the table has no such edge. */
export function transition(from: WorkflowState, outcome: StepOutcome): WorkflowState {
  const to = isTerminal(from) ? undefined : TRANSITIONS[from][outcome];
  if (to === undefined) {
    throw new CustodianError(StationCodes.WORKFLOW_ILLEGAL_TRANSITION, `no transition from ${from} on ${outcome}`, { from, outcome });
  }
  return to;
}
