/**
 * The state behind the Line view: per head (port) the run in progress, its
 * step, the last verdict with its reason, the head's counters, and whether
 * the operator paused auto mode on it. Fed by the station service with each
 * run's progress and result; every change is told to `onChange` (the
 * `station.head` event).
 */
import type { HeadCounters, HeadState, HeadVerdict } from '../../shared/api/line';
import type { StationProgress } from '../../shared/events';

interface Head {
  port: string;
  running: boolean;
  deviceId: string | null;
  serialHex: string | null;
  step: HeadState['step'];
  stepState: HeadState['stepState'];
  last: HeadVerdict | null;
  counters: HeadCounters;
}

export class LineBoard {
  private readonly heads = new Map<string, Head>();
  private readonly paused = new Set<string>();

  constructor(
    /** Whether auto mode serves the port now (the service knows). */
    private readonly serving: (port: string) => boolean,
    private readonly onChange: (head: HeadState) => void,
  ) {}

  private head(port: string): Head {
    let h = this.heads.get(port);
    if (!h) {
      h = { port, running: false, deviceId: null, serialHex: null, step: null, stepState: null, last: null, counters: { passed: 0, failed: 0 } };
      this.heads.set(port, h);
    }
    return h;
  }

  state(port: string): HeadState {
    const h = this.head(port);
    const { serialHex: _serial, ...rest } = h;
    return { ...rest, counters: { ...h.counters }, auto: this.serving(port) && !this.paused.has(port), paused: this.paused.has(port) };
  }

  private changed(port: string): void {
    try { this.onChange(this.state(port)); } catch { /* a listener must not break a run */ }
  }

  isPaused(port: string): boolean {
    return this.paused.has(port);
  }

  setPaused(port: string, paused: boolean): void {
    if (paused) this.paused.add(port);
    else this.paused.delete(port);
    this.changed(port);
  }

  /** Auto mode started or stopped serving the port. */
  touch(port: string): void {
    this.changed(port);
  }

  progress(p: StationProgress): void {
    const h = this.head(p.port);
    // A new run starts at connect (or, in auto mode, at identify): the tile shows the new device.
    if (!h.running && p.state === 'started') {
      h.running = true;
      h.deviceId = null;
      h.serialHex = null;
    }
    h.step = p.step;
    h.stepState = p.state;
    if (p.deviceId) h.deviceId = p.deviceId;
    if (p.serialHex) h.serialHex = p.serialHex;
    this.changed(p.port);
  }

  /** The run on the port ended: `error` when it failed. */
  result(port: string, at: string, r: { ok: true; deviceId: string; serialHex: string } | { ok: false; code: string; message: string }): void {
    const h = this.head(port);
    h.running = false;
    h.last = r.ok
      ? { result: 'passed', deviceId: r.deviceId, serialHex: r.serialHex, code: null, message: null, at }
      : { result: 'failed', deviceId: h.deviceId, serialHex: h.serialHex, code: r.code, message: r.message.slice(0, 2000), at };
    if (r.ok) h.counters.passed++;
    else h.counters.failed++;
    this.changed(port);
  }

  /** The given ports' heads, in that order (heads seen before and gone are left out). */
  list(ports: readonly string[]): { heads: HeadState[]; totals: HeadCounters } {
    const heads = ports.map((p) => this.state(p));
    return {
      heads,
      totals: heads.reduce((t, h) => ({ passed: t.passed + h.counters.passed, failed: t.failed + h.counters.failed }), { passed: 0, failed: 0 }),
    };
  }
}
