/** Polls the port list and reports plug-in / unplug (drives station.device events and auto mode). */
import type { PortInfo } from '../../shared/api/station';

export class PortWatcher {
  private known = new Map<string, PortInfo>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private polling: Promise<void> | null = null;

  constructor(
    private readonly list: () => Promise<PortInfo[]>,
    private readonly intervalMs: number,
    private readonly onChange: (kind: 'attached' | 'detached', port: PortInfo) => void,
  ) {}

  start(): void {
    if (this.timer) return;
    void this.poll(true);
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    (this.timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One poll; the first one only records what is already plugged in. Overlapping polls are merged. */
  poll(initial = false): Promise<void> {
    this.polling ??= (async () => {
      try {
        const now = new Map((await this.list()).map((p) => [p.path, p]));
        if (!initial) {
          for (const [path, p] of now) if (!this.known.has(path)) this.onChange('attached', p);
          for (const [path, p] of this.known) if (!now.has(path)) this.onChange('detached', p);
        }
        this.known = now;
      } catch {
        // listing failed (e.g. no serial support): try again next tick
      } finally {
        this.polling = null;
      }
    })();
    return this.polling;
  }
}
