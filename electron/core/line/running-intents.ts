/**
 * Intents held open by runs in flight on this station. Heads of a line (and
 * the app's auto mode on several ports) share one ledger recorder, so while
 * one head's device is between intent and done its intent is open: that is
 * not an interrupted run, and must neither refuse the other heads' devices
 * nor appear in another head's failure statements. An intent left open by a
 * run that has ended (or by an earlier process) still refuses signing.
 */
import type { IntentHandle, IssuanceRecorder, RecorderHealth } from '../station/recorder';

/** Per recorder, the intent IDs of runs still in flight. */
const running = new WeakMap<object, Set<string>>();

function runningOf(recorder: object): Set<string> {
  let set = running.get(recorder);
  if (!set) running.set(recorder, (set = new Set()));
  return set;
}

/** Whether the intent is held by a run still in flight on this recorder. */
export function isRunningIntent(recorder: object, id: string | number): boolean {
  return running.get(recorder)?.has(String(id)) ?? false;
}

export interface TrackedRun {
  /** The recorder for this run: every intent it records counts as running until `end`. */
  recorder: IssuanceRecorder;
  /** The run has ended: its intents (closed or not) no longer count as running. */
  end(): void;
}

/**
 * A recorder for one run that marks the run's intents as running, and whose
 * health leaves out the intents of the other runs in flight.
 */
export function trackRun(recorder: IssuanceRecorder): TrackedRun {
  const set = runningOf(recorder);
  const mine = new Set<string>();
  const health = recorder.health?.bind(recorder);
  const wrapped: IssuanceRecorder = {
    recordIntent: async (intent, bounds) => {
      const h: IntentHandle = await recorder.recordIntent(intent, bounds);
      mine.add(h.id);
      set.add(h.id);
      return h;
    },
    recordIssued: (h, der) => recorder.recordIssued(h, der),
    recordFailed: (h, f) => recorder.recordFailed(h, f),
    recordOutcome: (h, o) => recorder.recordOutcome(h, o),
    issuedFor: (id) => recorder.issuedFor(id),
    issuedForKey: (spki) => recorder.issuedForKey(spki),
    ...(recorder.workOrderUsage ? { workOrderUsage: (id: string) => recorder.workOrderUsage!(id) } : {}),
    ...(health ? {
      health: (): RecorderHealth => {
        const h = health();
        return { ...h, openIntents: h.openIntents.filter((o) => mine.has(o.id) || !set.has(o.id)) };
      },
    } : {}),
  };
  return {
    recorder: wrapped,
    end() {
      for (const id of mine) set.delete(id);
      mine.clear();
    },
  };
}
