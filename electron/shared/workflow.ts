/**
 * The provisioning workflow's steps and transitions, as data. The runner
 * (electron/core/station/machine.ts, workflow.ts) executes this table; the UI
 * derives its step list from it (renderer/src/stores/station.ts), so the two
 * cannot disagree. Pure data: no Node, no Electron, no zod.
 *
 *   identify ─ok→ csr ─ok→ check ─ok→ intent → sign → record → write → verify → commit ─ok→ done ─ok→ passed
 *                                                                             └─no-lock→ done (a device that has no lock)
 *                 │ ↑          ├─reuse──────────────────────────↗ (recorded cert, no new signature)
 *   no-key,       ↓ │ok        ├─recognised→ commit (valid chain from us, unlocked)
 *   key-refused,  keygen
 *   re-key        └─recognised-locked→ done (nothing left to do)
 *   any step ─fail→ failed
 *
 * `connect` (opening the port) is not a workflow step: whoever opens the port
 * reports it before `identify` (shared/events.ts ProvisionStep).
 */

/** The workflow's steps (the table below must cover exactly these). */
export type WorkflowStep =
  | 'identify' // reading device identity
  | 'csr' // device returns CSR / public key, possession verified
  | 'keygen' // device generates its key
  | 'check' // repeat visit recognised? issuance policy (prior certificates, re-issue)
  | 'intent' // intent recorded in the ledger
  | 'sign' // CA signs
  | 'record' // issued certificate recorded
  | 'write' // certificate + chain written to device
  | 'verify' // read back and checked
  | 'commit' // device locks its credential store
  | 'done'; // outcome recorded
export type TerminalState = 'passed' | 'failed';
export type WorkflowState = WorkflowStep | TerminalState;

/** What a step's execution reports to the machine. */
export type StepOutcome =
  | 'ok'
  /** csr: the device has no key yet. */
  | 'no-key'
  /** csr: the device's key is refused by the key policy and the device can generate a new one (asked once). */
  | 'key-refused'
  /** csr: a re-key: the device generates a new key for the certificate that replaces its current one. */
  | 're-key'
  /** check: the device already carries a valid chain from this station for this key. */
  | 'recognised'
  /** check: recognised and already locked: nothing left to do. */
  | 'recognised-locked'
  /** check: a recorded certificate for this very key is installed again instead of signing. */
  | 'reuse'
  /** verify: the device has no lock to commit (its driver declares none). */
  | 'no-lock'
  | 'fail';

export const INITIAL_STEP: WorkflowStep = 'identify';

export const TRANSITIONS: Readonly<Record<WorkflowStep, Readonly<Partial<Record<StepOutcome, WorkflowState>>>>> = {
  identify: { ok: 'csr', fail: 'failed' },
  csr: { ok: 'check', 'no-key': 'keygen', 'key-refused': 'keygen', 're-key': 'keygen', fail: 'failed' },
  keygen: { ok: 'csr', fail: 'failed' },
  check: { ok: 'intent', reuse: 'write', recognised: 'commit', 'recognised-locked': 'done', fail: 'failed' },
  intent: { ok: 'sign', fail: 'failed' },
  sign: { ok: 'record', fail: 'failed' },
  record: { ok: 'write', fail: 'failed' },
  write: { ok: 'verify', fail: 'failed' },
  verify: { ok: 'commit', 'no-lock': 'done', fail: 'failed' },
  commit: { ok: 'done', fail: 'failed' },
  done: { ok: 'passed', fail: 'failed' },
};

export function isTerminal(s: WorkflowState): s is TerminalState {
  return s === 'passed' || s === 'failed';
}

/** Steps reached from `from` by following `ok`, up to a terminal state or a step already in `stop`. */
function okChain(from: WorkflowState, stop: ReadonlySet<WorkflowStep>): WorkflowStep[] {
  const out: WorkflowStep[] = [];
  for (let s = from; !isTerminal(s) && !stop.has(s) && !out.includes(s); s = TRANSITIONS[s].ok ?? 'failed') out.push(s);
  return out;
}

/** The main path: `ok` after `ok` from the initial step (identify → csr → check → … → done). */
export const MAIN_PATH: readonly WorkflowStep[] = okChain(INITIAL_STEP, new Set());

/**
 * Every step in the order a run meets it, derived from the table: the main
 * path, with each detour (a step only another outcome leads to, such as keygen
 * on csr's `no-key`) right after the step that branches to it. Shortcuts into
 * the main path (check's reuse/recognised) add no rows: the steps they jump
 * over are simply not run.
 */
export const STEP_ORDER: readonly WorkflowStep[] = (() => {
  const placed = new Set<WorkflowStep>(MAIN_PATH);
  const order: WorkflowStep[] = [];
  for (const step of MAIN_PATH) {
    order.push(step);
    for (const [on, to] of Object.entries(TRANSITIONS[step])) {
      if (on === 'ok' || on === 'fail' || to === undefined) continue;
      const detour = okChain(to, placed);
      detour.forEach((d) => placed.add(d));
      order.push(...detour);
    }
  }
  return order;
})();
