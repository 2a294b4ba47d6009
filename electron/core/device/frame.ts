/**
 * Frame format (docs/device-protocol.md §2), all integers big-endian:
 *
 *   0  SOF0   0xA5
 *   1  SOF1   0x5A
 *   2  VER    frame format version, 0x01
 *   3  TYPE   command (request), command|0x80 (response), 0xFF (error)
 *   4  REQID  u16, chosen by the station, echoed by the device
 *   6  LEN    u16 payload length, <= 4096 (MAX_FRAME_PAYLOAD)
 *   8  PAYLOAD
 *   8+LEN CRC u32, CRC-32/ISO-HDLC over bytes 2 .. 8+LEN-1 (VER..PAYLOAD)
 */
import { Transform, type TransformCallback } from 'node:stream';
import { CustodianError } from '../errors';
import { crc32 } from './crc32';

export const SOF0 = 0xa5;
export const SOF1 = 0x5a;
export const FRAME_VERSION = 0x01;
export const HEADER_SIZE = 8;
export const CRC_SIZE = 4;
export const FRAME_OVERHEAD = HEADER_SIZE + CRC_SIZE;
/** Absolute protocol limit; a device may advertise a smaller one at HELLO. */
export const MAX_FRAME_PAYLOAD = 4096;
export const MAX_FRAME_SIZE = FRAME_OVERHEAD + MAX_FRAME_PAYLOAD;
export const DEFAULT_INTER_BYTE_TIMEOUT_MS = 200;

export interface Frame {
  type: number;
  requestId: number;
  payload: Uint8Array;
}

export function encodeFrame(frame: Frame, maxPayload = MAX_FRAME_PAYLOAD): Uint8Array {
  const { type, requestId, payload } = frame;
  if (!Number.isInteger(type) || type < 0 || type > 0xff) throw new RangeError(`bad frame type ${type}`);
  if (!Number.isInteger(requestId) || requestId < 0 || requestId > 0xffff) throw new RangeError(`bad request id ${requestId}`);
  if (payload.length > Math.min(maxPayload, MAX_FRAME_PAYLOAD)) {
    throw new CustodianError('FRAME_TOO_LARGE', `payload of ${payload.length} bytes exceeds ${maxPayload}`, {
      length: payload.length,
      limit: maxPayload,
    });
  }
  const out = new Uint8Array(FRAME_OVERHEAD + payload.length);
  const v = new DataView(out.buffer);
  out[0] = SOF0;
  out[1] = SOF1;
  out[2] = FRAME_VERSION;
  out[3] = type;
  v.setUint16(4, requestId);
  v.setUint16(6, payload.length);
  out.set(payload, HEADER_SIZE);
  v.setUint32(HEADER_SIZE + payload.length, crc32(out, 2, HEADER_SIZE + payload.length));
  return out;
}

/** A dropped frame or garbage; never thrown, only reported. Header fields are as claimed (unprotected). */
export interface FrameDiagnostic {
  code: 'FRAME_CRC' | 'FRAME_TOO_LARGE' | 'FRAME_VERSION' | 'FRAME_TRUNCATED';
  type?: number;
  requestId?: number;
  length?: number;
}

export interface FrameParserStats {
  frames: number;
  garbageBytes: number;
  crcErrors: number;
  oversize: number;
  badVersion: number;
  truncated: number;
}

export interface FrameParserOptions {
  /** Frames declaring a longer payload are dropped without buffering (<= MAX_FRAME_PAYLOAD). */
  maxPayload?: number;
  /** Discard a partial frame when no byte arrives for this long. 0 disables. */
  interByteTimeoutMs?: number;
  onFrame: (frame: Frame) => void;
  onDiagnostic?: (d: FrameDiagnostic) => void;
}

/**
 * Streaming decoder. Holds at most one frame's worth of bytes in a fixed buffer
 * allocated once (header + maxPayload + CRC). Resync: hunt for SOF; on a bad
 * version, oversize length or CRC failure, drop only the first SOF byte and
 * rescan what is buffered, so a real frame hidden behind a false SOF is found.
 */
export class FrameParser {
  readonly capacity: number;
  readonly maxPayload: number;
  private readonly buf: Uint8Array;
  private len = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly interByteTimeoutMs: number;
  private readonly onFrame: (frame: Frame) => void;
  private readonly onDiagnostic: (d: FrameDiagnostic) => void;
  readonly stats: FrameParserStats = { frames: 0, garbageBytes: 0, crcErrors: 0, oversize: 0, badVersion: 0, truncated: 0 };

  constructor(opts: FrameParserOptions) {
    const maxPayload = opts.maxPayload ?? MAX_FRAME_PAYLOAD;
    if (!Number.isInteger(maxPayload) || maxPayload < 1 || maxPayload > MAX_FRAME_PAYLOAD) {
      throw new RangeError(`maxPayload must be 1..${MAX_FRAME_PAYLOAD}, got ${maxPayload}`);
    }
    const ibt = opts.interByteTimeoutMs ?? DEFAULT_INTER_BYTE_TIMEOUT_MS;
    if (!Number.isFinite(ibt) || ibt < 0) throw new RangeError(`interByteTimeoutMs must be >= 0, got ${ibt}`);
    if (typeof opts.onFrame !== 'function') throw new TypeError('onFrame callback required');
    this.maxPayload = maxPayload;
    this.capacity = FRAME_OVERHEAD + maxPayload;
    this.buf = new Uint8Array(this.capacity);
    this.interByteTimeoutMs = ibt;
    this.onFrame = opts.onFrame;
    this.onDiagnostic = opts.onDiagnostic ?? (() => {});
  }

  /** Bytes currently held (always <= capacity). */
  get bufferedBytes(): number {
    return this.len;
  }

  push(chunk: Uint8Array): void {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(this.capacity - this.len, chunk.length - off);
      this.buf.set(chunk.subarray(off, off + n), this.len);
      this.len += n;
      off += n;
      this.drain();
    }
    this.armTimer();
  }

  /** Drop any partial frame (station: before each command; both: on reopen). Returns bytes dropped. */
  reset(): number {
    const dropped = this.len;
    this.stats.garbageBytes += dropped;
    this.len = 0;
    this.clearTimer();
    return dropped;
  }

  /** Stop timers; call when the stream ends. */
  dispose(): void {
    this.clearTimer();
    this.len = 0;
  }

  private drain(): void {
    for (;;) {
      // Hunt for SOF0 followed by SOF1 (or SOF0 as the last buffered byte).
      let i = 0;
      while (i < this.len && !(this.buf[i] === SOF0 && (i + 1 === this.len || this.buf[i + 1] === SOF1))) i++;
      if (i > 0) this.discard(i, true);
      if (this.len < HEADER_SIZE) return;
      const b = this.buf;
      const type = b[3]!;
      const requestId = (b[4]! << 8) | b[5]!;
      const length = (b[6]! << 8) | b[7]!;
      if (b[2] !== FRAME_VERSION) {
        this.stats.badVersion++;
        this.onDiagnostic({ code: 'FRAME_VERSION', type, requestId, length });
        this.discard(1, true);
        continue;
      }
      if (length > this.maxPayload) {
        this.stats.oversize++;
        this.onDiagnostic({ code: 'FRAME_TOO_LARGE', type, requestId, length });
        this.discard(1, true);
        continue;
      }
      const total = FRAME_OVERHEAD + length;
      if (this.len < total) return;
      const end = HEADER_SIZE + length;
      const got = ((b[end]! << 24) | (b[end + 1]! << 16) | (b[end + 2]! << 8) | b[end + 3]!) >>> 0;
      if (got !== crc32(b, 2, end)) {
        this.stats.crcErrors++;
        this.onDiagnostic({ code: 'FRAME_CRC', type, requestId, length });
        this.discard(1, true);
        continue;
      }
      const payload = b.slice(HEADER_SIZE, end);
      this.discard(total, false);
      this.stats.frames++;
      this.onFrame({ type, requestId, payload });
    }
  }

  private discard(n: number, garbage: boolean): void {
    if (garbage) this.stats.garbageBytes += n;
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
  }

  private armTimer(): void {
    this.clearTimer();
    if (this.len === 0 || this.interByteTimeoutMs === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.len === 0) return;
      const b = this.buf;
      const d: FrameDiagnostic = { code: 'FRAME_TRUNCATED' };
      if (this.len >= 6) {
        d.type = b[3]!;
        d.requestId = (b[4]! << 8) | b[5]!;
      }
      this.stats.truncated++;
      this.stats.garbageBytes += this.len;
      this.len = 0;
      this.onDiagnostic(d);
    }, this.interByteTimeoutMs);
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** The same decoder as a stream: bytes in, `Frame` objects out; diagnostics as 'diagnostic' events. */
export class FrameDecoderStream extends Transform {
  readonly parser: FrameParser;
  constructor(opts: Omit<FrameParserOptions, 'onFrame' | 'onDiagnostic'> = {}) {
    super({ readableObjectMode: true });
    this.parser = new FrameParser({
      ...opts,
      onFrame: (f) => this.push(f),
      onDiagnostic: (d) => this.emit('diagnostic', d),
    });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.parser.push(chunk);
    cb();
  }
  override _flush(cb: TransformCallback): void {
    this.parser.dispose();
    cb();
  }
}
