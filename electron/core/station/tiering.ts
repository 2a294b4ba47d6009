/**
 * V8 tiering for a station that serves a line.
 *
 * The per-device code (framing, CSR checks, signing, ledger records) runs a
 * few times per device. V8 optimises a function with TurboFan only after about
 * `invocation-count-for-turbofan` (3000) runs' worth of its bytecode, and
 * waits again `minimum-invocations-after-ic-update` (500) runs after any of
 * its inline caches changes. Tuned for web pages, on a line that means ~2000
 * devices (~17 min at 0.47 s a device) in baseline code: measured over a
 * 3200-device run with the defaults, station CPU fell from 6.2 to 3.2–3.8 ms
 * a device only after device ~2200. These thresholds reach the same steady
 * state after ~250 devices, at the price of more compiling in the first ones.
 *
 * Set at run time (v8.setFlagsFromString): the CLI starts from a plain `node`
 * shebang, and Electron's `js-flags` switch set from code reaches only the
 * renderers, not the main process where the station runs. V8 reads
 * these thresholds whenever it sizes a function's budget, so they apply to
 * everything that runs after the call. Unknown flags are not an error in V8
 * (it prints a warning); test/station/tiering.test.ts fails if this Node's
 * V8 does not know them or does not act on them.
 */
import { setFlagsFromString } from 'node:v8';

export interface TieringPolicy {
  /** Runs of a function (its bytecode's worth) before V8 optimises it with TurboFan. V8's default: 3000. */
  turbofanAfterRuns: number;
  /** Runs to wait after an inline cache of the function changed, before optimising it. V8's default: 500. */
  runsAfterIcUpdate: number;
}

/** A station serving device after device: the steady state after ~250 devices instead of ~2000. */
export const LINE_TIERING: Readonly<TieringPolicy> = { turbofanAfterRuns: 100, runsAfterIcUpdate: 20 };

/** The V8 flags for a policy. */
export function tieringFlags(p: TieringPolicy = LINE_TIERING): string[] {
  for (const [name, v] of Object.entries(p)) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`tiering ${name} must be a positive integer, got ${v}`);
  }
  return [`--invocation-count-for-turbofan=${p.turbofanAfterRuns}`, `--minimum-invocations-after-ic-update=${p.runsAfterIcUpdate}`];
}

let applied: string | null = null;

/**
 * Apply a tiering policy to this process (idempotent). Call it once, early, in
 * a process that will serve a line: `custodian provision --watch`, the
 * desktop app's main process, the provisioning benchmark.
 */
export function tuneTieringForLine(p: TieringPolicy = LINE_TIERING): void {
  const flags = tieringFlags(p).join(' ');
  if (applied === flags) return;
  setFlagsFromString(flags);
  applied = flags;
}
