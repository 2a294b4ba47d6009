/**
 * Request/response matching over a Transport (zigbee-herdsman's waitress idea):
 * requests are serialised (one outstanding at a time); the waiter is registered
 * *before* the bytes are written; every request has a named timeout; replies
 * are matched on request ID and type; frames nobody waits for are counted and
 * ignored; replies arriving after their timeout are dropped and counted.
 */
import { CustodianError } from '../errors';
import { encodeFrame, FrameParser, MAX_FRAME_PAYLOAD, type Frame, type FrameDiagnostic } from './frame';
import { commandName, RESPONSE_BIT, TYPE_ERROR, ByteReader, stationCodeForDeviceError } from './protocol';
import type { Transport } from './transport';

export interface RequestQueueStats {
  requests: number;
  bytesSent: number;
  bytesReceived: number;
  timeouts: number;
  lateReplies: number;
  unrelatedFrames: number;
  /** Partial input discarded by the flush before each command. */
  flushedBytes: number;
}

export interface RequestOptions {
  /** Timeout name for errors/logs, e.g. "GENERATE_KEY". */
  name: string;
  timeoutMs: number;
}

interface Waiter {
  requestId: number;
  command: number;
  name: string;
  timeoutMs: number;
  /** performance.now() after which the request has timed out. */
  deadline: number;
  resolve: (payload: Uint8Array) => void;
  reject: (e: Error) => void;
}

/**
 * One timer for every request's deadline. Node's setTimeout/clearTimeout per
 * request (each command has its own duration, so each one builds and tears
 * down a timer list) cost more station CPU than the rest of a round trip. A
 * reply normally lands long before its deadline, so the timer armed for one
 * request is still pending when the next starts; when it fires it either
 * times out the request in flight or re-arms for that request's deadline.
 */
class DeadlineTimer {
  private timer: NodeJS.Timeout | null = null;
  private due = Infinity;
  /** `onFire(now)` returns the in-flight request's deadline if it has not passed yet, or null. */
  constructor(private readonly onFire: (now: number) => number | null) {}

  /** A request with this deadline is in flight: make sure the timer fires by then, and keeps the process alive. */
  watch(deadline: number): void {
    if (this.timer && this.due <= deadline) {
      this.timer.ref();
      return;
    }
    this.arm(deadline);
  }

  /** Nothing in flight: let the process exit; a pending firing finds nothing to do. */
  idle(): void {
    this.timer?.unref();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.due = Infinity;
  }

  private arm(deadline: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.due = deadline;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.due = Infinity;
      const next = this.onFire(performance.now());
      if (next !== null && !this.timer) this.arm(next);
    }, Math.max(0, Math.ceil(deadline - performance.now())));
  }
}

const EXPIRED_MEMORY = 32;

export class RequestQueue {
  readonly stats: RequestQueueStats = {
    requests: 0,
    bytesSent: 0,
    bytesReceived: 0,
    timeouts: 0,
    lateReplies: 0,
    unrelatedFrames: 0,
    flushedBytes: 0,
  };
  private readonly parser: FrameParser;
  private waiter: Waiter | null = null;
  private readonly deadlines = new DeadlineTimer((now) => this.onDeadline(now));
  /** Requests waiting for the one in flight (one outstanding at a time). */
  private readonly queued: Array<() => void> = [];
  private busy = false;
  private nextId = 1;
  private readonly expired: number[] = [];
  /** Set once the link closed: the reason, if it gave one (the error itself is built when a request meets it). */
  private closed: { reason: Error | undefined; error: CustodianError | null } | null = null;
  private readonly unsubscribe: Array<() => void> = [];
  /** Device's advertised max payload for outgoing frames (set after HELLO). */
  maxOutgoingPayload = MAX_FRAME_PAYLOAD;

  constructor(
    private readonly transport: Transport,
    opts: { interByteTimeoutMs?: number } = {},
  ) {
    this.parser = new FrameParser({
      ...(opts.interByteTimeoutMs !== undefined ? { interByteTimeoutMs: opts.interByteTimeoutMs } : {}),
      onFrame: (f) => this.onFrame(f),
      onDiagnostic: (d) => this.onDiagnostic(d),
    });
    this.unsubscribe.push(
      transport.onData((chunk) => {
        this.stats.bytesReceived += chunk.length;
        this.parser.push(chunk);
      }),
      transport.onClose((err) => this.onClosed(err)),
    );
  }

  get parserStats(): FrameParser['stats'] {
    return this.parser.stats;
  }

  get isClosed(): boolean {
    return this.closed !== null;
  }

  /** Queue a request; resolves with the response payload or rejects with a CustodianError. */
  request(command: number, payload: Uint8Array, opts: RequestOptions): Promise<Uint8Array> {
    if (this.busy) {
      return new Promise<void>((go) => this.queued.push(go)).then(() => this.send(command, payload, opts));
    }
    this.busy = true;
    return this.send(command, payload, opts);
  }

  /** The request in flight settled: start the next queued one (it was already marked busy). */
  private next(): void {
    const go = this.queued.shift();
    if (go) go();
    else this.busy = false;
  }

  private send(command: number, payload: Uint8Array, opts: RequestOptions): Promise<Uint8Array> {
    if (this.closed) {
      this.next();
      return Promise.reject(this.closedError(this.closed));
    }
    const requestId = this.allocateId();
    let frame: Uint8Array;
    try {
      frame = encodeFrame({ type: command, requestId, payload }, this.maxOutgoingPayload);
    } catch (e) {
      this.next();
      return Promise.reject(e);
    }
    // Flush stale partial input so a half-received late reply cannot desync us (esptool-js).
    this.stats.flushedBytes += this.parser.reset();
    this.stats.requests++;
    return new Promise<Uint8Array>((resolve, reject) => {
      // Register first, then write: a reply can never beat its waiter.
      const w: Waiter = { requestId, command, name: opts.name, timeoutMs: opts.timeoutMs, deadline: performance.now() + opts.timeoutMs, resolve, reject };
      this.waiter = w;
      this.deadlines.watch(w.deadline);
      this.stats.bytesSent += frame.length;
      this.transport.write(frame).then(undefined, (e: unknown) => {
        if (this.waiter === w) {
          this.settle(w, e instanceof CustodianError ? e : new CustodianError('DEVICE_DISCONNECTED', `write failed: ${String(e)}`, {}, { cause: e }));
        }
      });
    });
  }

  /** The deadline timer fired: time out the request in flight if its deadline has passed. */
  private onDeadline(now: number): number | null {
    const w = this.waiter;
    if (!w) return null;
    if (now < w.deadline) return w.deadline;
    this.stats.timeouts++;
    this.rememberExpired(w.requestId);
    this.settle(w, new CustodianError('DEVICE_TIMEOUT', `${w.name} got no reply within ${w.timeoutMs} ms`, {
      command: w.name,
      timeoutMs: w.timeoutMs,
      requestId: w.requestId,
    }));
    return null; // a queued request starts on a later tick and arms its own deadline (watch)
  }

  /** Settle the request in flight (a payload or an error) and let the next one go. */
  private settle(w: Waiter, outcome: Uint8Array | Error): void {
    this.waiter = null;
    if (outcome instanceof Error) w.reject(outcome);
    else w.resolve(outcome);
    this.next();
    if (!this.busy) this.deadlines.idle();
  }

  private allocateId(): number {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffff ? 1 : this.nextId + 1;
    return id;
  }

  private rememberExpired(id: number): void {
    this.expired.push(id);
    if (this.expired.length > EXPIRED_MEMORY) this.expired.shift();
  }

  private onFrame(f: Frame): void {
    const w = this.waiter;
    if (w && f.requestId === w.requestId) {
      if (f.type === (w.command | RESPONSE_BIT)) {
        this.settle(w, f.payload);
        return;
      }
      if (f.type === TYPE_ERROR) {
        this.settle(w, decodeErrorFrame(f.payload, w.name));
        return;
      }
    }
    if (this.expired.includes(f.requestId)) this.stats.lateReplies++;
    else this.stats.unrelatedFrames++;
  }

  private onDiagnostic(d: FrameDiagnostic): void {
    const w = this.waiter;
    // A damaged frame whose (claimed) request ID is ours: fail fast with the framing error
    // rather than waiting out the command timeout. The caller may retry.
    if (w && d.requestId === w.requestId && (d.code === 'FRAME_CRC' || d.code === 'FRAME_TRUNCATED')) {
      this.settle(w, new CustodianError(d.code, `${w.name} reply was damaged on the wire (${d.code})`, { command: w.name, requestId: w.requestId }));
    }
  }

  private onClosed(err?: Error): void {
    if (this.closed) return;
    const closed = (this.closed = { reason: err, error: null });
    this.parser.dispose();
    if (this.waiter) this.settle(this.waiter, this.closedError(closed));
    this.deadlines.cancel();
  }

  /** One error for every request that meets the closed link, built on first use: a session's ordinary close meets none. */
  private closedError(c: NonNullable<RequestQueue['closed']>): CustodianError {
    return (c.error ??= new CustodianError(
      'DEVICE_DISCONNECTED',
      `device link ${this.transport.description} closed${c.reason ? `: ${c.reason.message}` : ''}`,
      { port: this.transport.description },
    ));
  }

  async close(): Promise<void> {
    for (const u of this.unsubscribe) u();
    this.onClosed();
    await this.transport.close();
  }
}

export function decodeErrorFrame(payload: Uint8Array, name: string): CustodianError {
  try {
    const r = new ByteReader(payload);
    const cmd = r.u8();
    const deviceCode = r.u16();
    const text = new TextDecoder().decode(r.rest());
    return new CustodianError(stationCodeForDeviceError(deviceCode), `device refused ${name}: ${text || 'no message'}`, {
      command: commandName(cmd),
      deviceCode,
      deviceMessage: text,
    });
  } catch {
    return new CustodianError('DEVICE_PROTOCOL_ERROR', `malformed ERROR frame for ${name}`, { command: name });
  }
}
