/**
 * Locks the CA after a configurable idle time. `touch()` is called on every
 * authority call and every signing; the timer only runs while unlocked.
 */
export class AutoLock {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private deadlineMs: number | null = null;

  constructor(
    private readonly minutes: () => number,
    private readonly onIdle: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** (Re)start the idle timer; 0 minutes = never lock automatically. */
  touch(): void {
    this.stop();
    const m = this.minutes();
    if (m <= 0) return;
    const ms = m * 60_000;
    this.deadlineMs = this.now() + ms;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.deadlineMs = null;
      this.onIdle();
    }, ms);
    // never keep a CLI or test process alive just for this
    (this.timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.deadlineMs = null;
  }

  get deadline(): Date | null {
    return this.deadlineMs === null ? null : new Date(this.deadlineMs);
  }
}
