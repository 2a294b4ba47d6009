/**
 * The monotonic clock and one-shot timer the ledger's idle checkpoint runs on
 * (ledger.ts). Injectable, so a test moves time itself instead of sleeping.
 */

export interface IdleClock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Run `fn` once, `ms` from now. Returns what cancels it. Must not keep the process alive. */
  after(ms: number, fn: () => void): () => void;
}

/** performance.now() and an unref'd setTimeout. */
export const systemIdleClock: IdleClock = {
  now: () => performance.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};
