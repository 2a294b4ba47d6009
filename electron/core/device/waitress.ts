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
  timer: NodeJS.Timeout;
  resolve: (payload: Uint8Array) => void;
  reject: (e: Error) => void;
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
  /** The last request queued: the next one starts when it has settled (one outstanding at a time). */
  private tail: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private readonly expired: number[] = [];
  /** Set once the link closed: the error every request still waiting or sent later fails with. */
  private closedError: CustodianError | null = null;
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
    return this.closedError !== null;
  }

  /** Queue a request; resolves with the response payload or rejects with a CustodianError. */
  request(command: number, payload: Uint8Array, opts: RequestOptions): Promise<Uint8Array> {
    const run = (): Promise<Uint8Array> => this.send(command, payload, opts);
    const p = this.tail.then(run, run);
    this.tail = p.catch(() => undefined);
    return p;
  }

  private send(command: number, payload: Uint8Array, opts: RequestOptions): Promise<Uint8Array> {
    if (this.closedError) return Promise.reject(this.closedError);
    const requestId = this.allocateId();
    let frame: Uint8Array;
    try {
      frame = encodeFrame({ type: command, requestId, payload }, this.maxOutgoingPayload);
    } catch (e) {
      return Promise.reject(e);
    }
    // Flush stale partial input so a half-received late reply cannot desync us (esptool-js).
    this.stats.flushedBytes += this.parser.reset();
    this.stats.requests++;
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.stats.timeouts++;
        this.rememberExpired(requestId);
        this.settle(w, new CustodianError('DEVICE_TIMEOUT', `${opts.name} got no reply within ${opts.timeoutMs} ms`, {
          command: opts.name,
          timeoutMs: opts.timeoutMs,
          requestId,
        }));
      }, opts.timeoutMs);
      // Register first, then write: a reply can never beat its waiter.
      const w: Waiter = { requestId, command, name: opts.name, timer, resolve, reject };
      this.waiter = w;
      this.stats.bytesSent += frame.length;
      this.transport.write(frame).catch((e: unknown) => {
        if (this.waiter === w) {
          this.settle(w, e instanceof CustodianError ? e : new CustodianError('DEVICE_DISCONNECTED', `write failed: ${String(e)}`, {}, { cause: e }));
        }
      });
    });
  }

  /** Settle the request in flight with a payload or an error. */
  private settle(w: Waiter, outcome: Uint8Array | Error): void {
    clearTimeout(w.timer);
    this.waiter = null;
    if (outcome instanceof Error) w.reject(outcome);
    else w.resolve(outcome);
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
    if (this.closedError) return;
    this.closedError = new CustodianError(
      'DEVICE_DISCONNECTED',
      `device link ${this.transport.description} closed${err ? `: ${err.message}` : ''}`,
      { port: this.transport.description },
    );
    this.parser.dispose();
    if (this.waiter) this.settle(this.waiter, this.closedError);
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
