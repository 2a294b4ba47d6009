/**
 * A growing delay between wrong-passphrase unlock attempts in one process
 * (docs/vault-format.md §Passphrases): after the first wrong passphrase the
 * next attempt may follow at once, after the second it waits 1 s, then 2, 4,
 * 8, 16 s, and at most 30 s; a successful unlock starts the count again. The
 * wait happens before the key file is tried, so a guesser gains nothing by
 * calling again sooner. Clock and sleep are injectable: tests do not sleep.
 */

export const UNLOCK_DELAY = {
  /** Wrong passphrases allowed in a row before the first wait. */
  free: 1,
  /** The first wait, doubled after each further wrong passphrase. */
  firstMs: 1_000,
  /** The longest wait. */
  maxMs: 30_000,
} as const;

/** The wait before the next attempt after `failures` wrong passphrases in a row. */
export function unlockDelayMs(failures: number): number {
  if (failures <= UNLOCK_DELAY.free) return 0;
  return Math.min(UNLOCK_DELAY.maxMs, UNLOCK_DELAY.firstMs * 2 ** (failures - UNLOCK_DELAY.free - 1));
}

export interface UnlockThrottleOptions {
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number;
  /** Wait `ms` milliseconds (default a timer). */
  sleep?: (ms: number) => Promise<void>;
}

export class UnlockThrottle {
  #failures = 0;
  #notBefore = 0;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(opts: UnlockThrottleOptions = {}) {
    this.#now = opts.now ?? Date.now;
    this.#sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Wrong passphrases in a row so far. */
  get failures(): number { return this.#failures; }

  /** Wait until the next attempt is due. */
  async turn(): Promise<void> {
    const wait = this.#notBefore - this.#now();
    if (wait > 0) await this.#sleep(wait);
  }

  /** A wrong passphrase: the attempt's number in the run of failures and the wait it imposes on the next. */
  failed(): { attempt: number; delayMs: number } {
    this.#failures += 1;
    const delayMs = unlockDelayMs(this.#failures);
    this.#notBefore = this.#now() + delayMs;
    return { attempt: this.#failures, delayMs };
  }

  succeeded(): void {
    this.#failures = 0;
    this.#notBefore = 0;
  }
}
