/**
 * Custodian frame requests on the waitress (waitress.ts): replies are matched
 * on request ID and type; frames nobody waits for are counted and ignored;
 * replies arriving after their timeout are dropped and counted.
 */
import { CustodianError } from '../errors';
import { encodeFrame, FrameParser, MAX_FRAME_PAYLOAD, type Frame, type FrameDiagnostic } from './frame';
import { commandName, RESPONSE_BIT, TYPE_ERROR, ByteReader, stationCodeForDeviceError } from './protocol';
import type { Transport } from './transport';
import { Waitress } from './waitress';

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
  private readonly waitress = new Waitress<Waiter>();
  private nextId = 1;
  private readonly expired: number[] = [];
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
    return this.waitress.closed !== null;
  }

  /** Queue a request; resolves with the response payload or rejects with a CustodianError. */
  request(command: number, payload: Uint8Array, opts: RequestOptions): Promise<Uint8Array> {
    return this.waitress.enqueue(() => this.send(command, payload, opts));
  }

  private send(command: number, payload: Uint8Array, opts: RequestOptions): Promise<Uint8Array> {
    const closed = this.waitress.closed;
    if (closed) return Promise.reject(closed);
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
    return this.waitress.wait<Uint8Array>({ requestId, command, name: opts.name }, {
      timeoutMs: opts.timeoutMs,
      onTimeout: () => {
        this.stats.timeouts++;
        this.rememberExpired(requestId);
      },
      timeoutError: () => new CustodianError('DEVICE_TIMEOUT', `${opts.name} got no reply within ${opts.timeoutMs} ms`, { command: opts.name, timeoutMs: opts.timeoutMs, requestId }),
      write: () => {
        this.stats.bytesSent += frame.length;
        return this.transport.write(frame);
      },
      writeError: (e) => (e instanceof CustodianError ? e : new CustodianError('DEVICE_DISCONNECTED', `write failed: ${String(e)}`, {}, { cause: e })),
    });
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
    const w = this.waitress.current;
    if (w && f.requestId === w.requestId) {
      if (f.type === (w.command | RESPONSE_BIT)) {
        this.waitress.resolve(f.payload);
        return;
      }
      if (f.type === TYPE_ERROR) {
        this.waitress.reject(decodeErrorFrame(f.payload, w.name));
        return;
      }
    }
    if (this.expired.includes(f.requestId)) this.stats.lateReplies++;
    else this.stats.unrelatedFrames++;
  }

  private onDiagnostic(d: FrameDiagnostic): void {
    const w = this.waitress.current;
    // A damaged frame whose (claimed) request ID is ours: fail fast with the framing error
    // rather than waiting out the command timeout. The caller may retry.
    if (w && d.requestId === w.requestId && (d.code === 'FRAME_CRC' || d.code === 'FRAME_TRUNCATED')) {
      this.waitress.reject(new CustodianError(d.code, `${w.name} reply was damaged on the wire (${d.code})`, { command: w.name, requestId: w.requestId }));
    }
  }

  private onClosed(err?: Error): void {
    if (this.waitress.closed) return;
    this.parser.dispose();
    this.waitress.close(new CustodianError(
      'DEVICE_DISCONNECTED',
      `device link ${this.transport.description} closed${err ? `: ${err.message}` : ''}`,
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
