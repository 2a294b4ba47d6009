import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { crc32 } from '../../electron/core/device/crc32';
import {
  encodeFrame,
  FrameDecoderStream,
  FrameParser,
  FRAME_OVERHEAD,
  MAX_FRAME_PAYLOAD,
  type Frame,
  type FrameDiagnostic,
} from '../../electron/core/device/frame';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function collect(opts: { maxPayload?: number; interByteTimeoutMs?: number } = {}) {
  const frames: Frame[] = [];
  const diags: FrameDiagnostic[] = [];
  let maxBuffered = 0;
  const parser = new FrameParser({ interByteTimeoutMs: 0, ...opts, onFrame: (f) => frames.push(f), onDiagnostic: (d) => diags.push(d) });
  const push = (c: Uint8Array): void => {
    parser.push(c);
    maxBuffered = Math.max(maxBuffered, parser.bufferedBytes);
  };
  return { parser, frames, diags, push, maxBuffered: () => maxBuffered };
}

const arbFrame = (maxPayload = 256): fc.Arbitrary<Frame> =>
  fc.record({
    type: fc.integer({ min: 0, max: 255 }),
    requestId: fc.integer({ min: 0, max: 0xffff }),
    payload: fc.uint8Array({ maxLength: maxPayload }),
  });

/** Split bytes at arbitrary cut points. */
const splitAt = (b: Uint8Array, cuts: number[]): Uint8Array[] => {
  const pts = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...pts, b.length]) {
    out.push(b.subarray(prev, p));
    prev = p;
  }
  return out;
};

describe('CRC-32/ISO-HDLC', () => {
  it('has the catalogue check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

describe('encodeFrame', () => {
  it('matches the spec example (HELLO, request 1)', () => {
    // docs/device-protocol.md §8 example 1
    const f = encodeFrame({ type: 0x01, requestId: 1, payload: Uint8Array.from([0x01, 0x01, 0x04, 0x00]) });
    expect(hex(f)).toBe('a55a0101000100040101040095d67229');
  });
  it('refuses payloads above the limit', () => {
    expect(() => encodeFrame({ type: 1, requestId: 1, payload: new Uint8Array(MAX_FRAME_PAYLOAD + 1) })).toThrow(/exceeds/);
    expect(() => encodeFrame({ type: 1, requestId: 1, payload: new Uint8Array(65) }, 64)).toThrow(/exceeds/);
  });
});

describe('FrameParser', () => {
  afterEach(() => vi.useRealTimers());

  it('rejects bad options at construction', () => {
    expect(() => new FrameParser({ maxPayload: 0, onFrame: () => {} })).toThrow(RangeError);
    expect(() => new FrameParser({ maxPayload: MAX_FRAME_PAYLOAD + 1, onFrame: () => {} })).toThrow(RangeError);
    expect(() => new FrameParser({ interByteTimeoutMs: -1, onFrame: () => {} })).toThrow(RangeError);
  });

  it('decodes a frame delivered one byte at a time', () => {
    const c = collect();
    const f = encodeFrame({ type: 0x82, requestId: 0x1234, payload: Uint8Array.from([1, 2, 3]) });
    for (const b of f) c.push(Uint8Array.of(b));
    expect(c.frames).toEqual([{ type: 0x82, requestId: 0x1234, payload: Uint8Array.from([1, 2, 3]) }]);
  });

  it('drops an oversize header without buffering its payload and recovers the next frame', () => {
    const c = collect({ maxPayload: 64 });
    const bogus = Uint8Array.from([0xa5, 0x5a, 0x01, 0x02, 0x00, 0x07, 0x03, 0xe8]); // LEN=1000
    const good = encodeFrame({ type: 0x82, requestId: 8, payload: new Uint8Array(10) });
    c.push(bogus);
    expect(c.parser.bufferedBytes).toBeLessThan(8);
    c.push(good);
    expect(c.diags.map((d) => d.code)).toEqual(['FRAME_TOO_LARGE']);
    expect(c.diags[0]).toMatchObject({ requestId: 7, length: 1000 });
    expect(c.frames.map((f) => f.requestId)).toEqual([8]);
  });

  it('reports a CRC error with the claimed request ID and then resyncs inside the bad frame', () => {
    const c = collect();
    const good = encodeFrame({ type: 0x81, requestId: 9, payload: Uint8Array.from([7]) });
    // A false SOF whose LEN swallows the real frame: the real one must still be found on rescan.
    const falseStart = Uint8Array.from([0xa5, 0x5a, 0x01, 0x01, 0x00, 0x05, 0x00, good.length]);
    c.push(new Uint8Array([...falseStart, ...good, 0, 0, 0, 0]));
    expect(c.diags[0]).toMatchObject({ code: 'FRAME_CRC', requestId: 5 });
    expect(c.frames.map((f) => f.requestId)).toEqual([9]);
  });

  it('discards a partial frame after the inter-byte timeout and reports its request ID', () => {
    vi.useFakeTimers();
    const c = collect({ interByteTimeoutMs: 50 });
    const f = encodeFrame({ type: 0x82, requestId: 77, payload: new Uint8Array(20) });
    c.push(f.subarray(0, 15));
    vi.advanceTimersByTime(49);
    expect(c.diags).toEqual([]);
    c.push(f.subarray(15, 16)); // a byte arrives: timer restarts
    vi.advanceTimersByTime(49);
    expect(c.diags).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(c.diags).toEqual([{ code: 'FRAME_TRUNCATED', type: 0x82, requestId: 77 }]);
    expect(c.parser.bufferedBytes).toBe(0);
    c.push(encodeFrame({ type: 0x82, requestId: 78, payload: new Uint8Array(0) }));
    expect(c.frames.map((x) => x.requestId)).toEqual([78]);
  });

  it('recovers after a device reset mid-frame (truncated frame followed by a new frame)', () => {
    const c = collect();
    const first = encodeFrame({ type: 0x82, requestId: 1, payload: new Uint8Array(30).fill(0x11) });
    const second = encodeFrame({ type: 0x81, requestId: 2, payload: Uint8Array.from([1, 2]) });
    c.push(new Uint8Array([...first.subarray(0, 20), ...second]));
    // The cut frame "absorbs" the second until its CRC fails; the rescan then finds it.
    c.push(new Uint8Array(64)); // line noise after reset fills the declared length
    expect(c.frames.map((f) => f.requestId)).toEqual([2]);
  });

  it('works as a stream Transform', async () => {
    const s = new FrameDecoderStream({ interByteTimeoutMs: 0 });
    const out: Frame[] = [];
    s.on('data', (f: Frame) => out.push(f));
    const f = encodeFrame({ type: 0x82, requestId: 3, payload: Uint8Array.from([9]) });
    s.write(Buffer.from(f.subarray(0, 5)));
    s.write(Buffer.from(f.subarray(5)));
    await new Promise((r) => s.end(r));
    expect(out.map((x) => x.requestId)).toEqual([3]);
  });
});

describe('FrameParser properties (fast-check)', () => {
  it('any frame sequence split at arbitrary points decodes to exactly those frames', () => {
    fc.assert(
      fc.property(fc.array(arbFrame(), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 20 }), (frames, cuts) => {
        const c = collect();
        const bytes = Buffer.concat(frames.map((f) => encodeFrame(f)));
        for (const chunk of splitAt(new Uint8Array(bytes), cuts)) c.push(chunk);
        expect(c.frames).toEqual(frames);
        expect(c.diags).toEqual([]);
        expect(c.parser.bufferedBytes).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('random garbage never throws and never buffers beyond one frame', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 16, max: MAX_FRAME_PAYLOAD }),
        fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 8 }),
        (maxPayload, chunks) => {
          const c = collect({ maxPayload });
          for (const ch of chunks) c.push(ch);
          expect(c.maxBuffered()).toBeLessThanOrEqual(maxPayload + FRAME_OVERHEAD);
          expect(c.parser.capacity).toBe(maxPayload + FRAME_OVERHEAD);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('SOF-rich garbage (headers, oversize lengths, truncated frames) never exceeds the limit', () => {
    const sofish = fc.oneof(
      fc.constant(Uint8Array.from([0xa5, 0x5a, 0x01])),
      fc.constant(Uint8Array.from([0xa5, 0x5a, 0x01, 0x82, 0x00, 0x01, 0xff, 0xff])), // oversize
      fc.constant(Uint8Array.from([0xa5])),
      arbFrame(64).chain((f) => fc.nat().map((n) => encodeFrame(f).subarray(0, n % (FRAME_OVERHEAD + f.payload.length)))), // truncated
      fc.uint8Array({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(fc.array(sofish, { maxLength: 60 }), (parts) => {
        const c = collect({ maxPayload: 64 });
        for (const p of parts) c.push(p);
        expect(c.maxBuffered()).toBeLessThanOrEqual(64 + FRAME_OVERHEAD);
      }),
      { numRuns: 300 },
    );
  });

  it('valid frames embedded in SOF-free garbage are all recovered, whatever the chunking', () => {
    const noise = fc.uint8Array({ maxLength: 50 }).map((b) => b.map((x) => (x === 0xa5 ? 0x00 : x)));
    fc.assert(
      fc.property(fc.array(fc.tuple(noise, arbFrame(128)), { maxLength: 6 }), noise, fc.array(fc.nat(), { maxLength: 30 }), (pairs, tail, cuts) => {
        const c = collect();
        const bytes = Buffer.concat([...pairs.flatMap(([n, f]) => [n, encodeFrame(f)]), tail]);
        for (const chunk of splitAt(new Uint8Array(bytes), cuts)) c.push(chunk);
        expect(c.frames).toEqual(pairs.map(([, f]) => f));
      }),
      { numRuns: 300 },
    );
  });

  it('a valid frame after arbitrary garbage (including false SOFs) is recovered once the garbage is flushed out', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), arbFrame(128), (garbage, f) => {
        const c = collect({ maxPayload: 128 });
        c.push(garbage);
        // A partial false frame may legitimately absorb the real frame's first bytes; sending the real
        // frame twice guarantees that the second copy is aligned after the rescan.
        const enc = encodeFrame(f);
        c.push(enc);
        c.push(enc);
        expect(c.frames.length).toBeGreaterThanOrEqual(1);
        expect(c.frames.at(-1)).toEqual(f);
        expect(c.maxBuffered()).toBeLessThanOrEqual(128 + FRAME_OVERHEAD);
      }),
      { numRuns: 300 },
    );
  });
});
