import { describe, expect, it } from 'vitest';
import { isCustodianError } from '../../electron/core/errors';
import { encodeFrame, FrameParser, type Frame } from '../../electron/core/device/frame';
import { ByteWriter, DeviceError, RESPONSE_BIT, TYPE_ERROR } from '../../electron/core/device/protocol';
import { createPipePair, TransportEvents, type Transport } from '../../electron/core/device/transport';
import { RequestQueue } from '../../electron/core/device/frame-requests';

/** Scriptable fake device on the far end of an in-process pipe (per-test state, no globals). */
function fakeDevice() {
  const [station, device] = createPipePair();
  const received: Frame[] = [];
  let handler: (f: Frame) => void = () => {};
  const parser = new FrameParser({ interByteTimeoutMs: 0, onFrame: (f) => {
    received.push(f);
    handler(f);
  } });
  device.onData((c) => parser.push(c));
  const send = (f: Frame): void => void device.write(encodeFrame(f));
  const reply = (req: Frame, payload = Uint8Array.of(0x42)): void => send({ type: req.type | RESPONSE_BIT, requestId: req.requestId, payload });
  return { station, device, received, send, reply, onRequest: (h: (f: Frame) => void) => (handler = h) };
}

const code = (e: unknown): string | undefined => (isCustodianError(e) ? e.code : undefined);

describe('RequestQueue (waitress)', () => {
  it('drops a reply that arrives after its timeout, counts it, and the next request still succeeds', async () => {
    const d = fakeDevice();
    const q = new RequestQueue(d.station);
    const held: Frame[] = [];
    d.onRequest((f) => held.push(f)); // say nothing for now
    const first = q.request(0x02, new Uint8Array(0), { name: 'IDENTIFY', timeoutMs: 30 });
    await expect(first).rejects.toMatchObject({ code: 'DEVICE_TIMEOUT', details: { command: 'IDENTIFY', timeoutMs: 30 } });
    // Late reply for the first request, then answer the second normally.
    d.onRequest((f) => {
      d.reply(held[0]!, Uint8Array.of(0xee)); // late
      d.reply(f, Uint8Array.of(0x01));
    });
    const second = await q.request(0x02, new Uint8Array(0), { name: 'IDENTIFY', timeoutMs: 500 });
    expect([...second]).toEqual([0x01]);
    expect(q.stats.lateReplies).toBe(1);
    expect(q.stats.timeouts).toBe(1);
    expect(q.stats.unrelatedFrames).toBe(0);
  });

  it('times each request out on its own deadline, whichever requests came before it', async () => {
    // A long-timeout request answered at once must not delay the next request's
    // short timeout, and a short one answered at once must not cut the next long one short.
    const d = fakeDevice();
    const q = new RequestQueue(d.station);
    d.onRequest((f) => d.reply(f));
    await q.request(0x02, new Uint8Array(0), { name: 'IDENTIFY', timeoutMs: 5_000 });
    d.onRequest(() => {});
    let t0 = performance.now();
    await expect(q.request(0x02, new Uint8Array(0), { name: 'IDENTIFY', timeoutMs: 40 })).rejects.toMatchObject({ code: 'DEVICE_TIMEOUT' });
    expect(performance.now() - t0).toBeLessThan(1_000);

    d.onRequest((f) => d.reply(f));
    await q.request(0x02, new Uint8Array(0), { name: 'IDENTIFY', timeoutMs: 20 });
    d.onRequest((f) => setTimeout(() => d.reply(f, Uint8Array.of(7)), 120)); // slower than the last request's timeout
    t0 = performance.now();
    expect([...(await q.request(0x02, new Uint8Array(0), { name: 'IDENTIFY', timeoutMs: 1_000 }))]).toEqual([7]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(100);
    expect(q.stats.timeouts).toBe(1);
  });

  it('fails the request in flight and those queued behind it when the link closes', async () => {
    const d = fakeDevice();
    const q = new RequestQueue(d.station);
    d.onRequest(() => {});
    const pending = [1, 2, 3].map(() => q.request(0x02, new Uint8Array(0), { name: 'IDENTIFY', timeoutMs: 500 }));
    await new Promise((r) => setTimeout(r, 10)); // the first request reaches the device
    await d.station.close();
    for (const p of pending) await expect(p).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    expect(d.received.length).toBe(1); // the queued two were never written
  });

  it('serialises requests: the second is written only after the first completes', async () => {
    const d = fakeDevice();
    const q = new RequestQueue(d.station);
    const order: string[] = [];
    d.onRequest((f) => {
      order.push(`rx ${f.requestId}`);
      setTimeout(() => {
        order.push(`reply ${f.requestId}`);
        d.reply(f);
      }, 20);
    });
    await Promise.all([
      q.request(0x02, new Uint8Array(0), { name: 'A', timeoutMs: 500 }),
      q.request(0x02, new Uint8Array(0), { name: 'B', timeoutMs: 500 }),
    ]);
    expect(order).toEqual(['rx 1', 'reply 1', 'rx 2', 'reply 2']);
  });

  it('registers the waiter before writing (a reply delivered synchronously inside write() is not lost)', async () => {
    const events = new TransportEvents();
    const eager: Transport = {
      description: 'eager',
      isOpen: true,
      write(data) {
        let req: Frame | undefined;
        new FrameParser({ interByteTimeoutMs: 0, onFrame: (f) => (req = f) }).push(data);
        events.emitData(encodeFrame({ type: req!.type | RESPONSE_BIT, requestId: req!.requestId, payload: Uint8Array.of(5) }));
        return Promise.resolve();
      },
      onData: (l) => events.onData(l),
      onClose: (l) => events.onClose(l),
      close: () => Promise.resolve(),
    };
    const q = new RequestQueue(eager);
    expect([...(await q.request(0x02, new Uint8Array(0), { name: 'IDENTIFY', timeoutMs: 100 }))]).toEqual([5]);
  });

  it('maps ERROR frames to DEVICE_ERROR_<name> codes and flash failures to DEVICE_FLASH_WRITE_FAILED', async () => {
    const d = fakeDevice();
    const q = new RequestQueue(d.station);
    let err: number = DeviceError.LOCKED;
    d.onRequest((f) =>
      d.send({ type: TYPE_ERROR, requestId: f.requestId, payload: new ByteWriter().u8(f.type).u16(err).bytes(new TextEncoder().encode('nope')).build() }),
    );
    await expect(q.request(0x10, Uint8Array.of(1), { name: 'GENERATE_KEY', timeoutMs: 500 })).rejects.toMatchObject({
      code: 'DEVICE_ERROR_LOCKED',
      details: { command: 'GENERATE_KEY', deviceCode: 4, deviceMessage: 'nope' },
    });
    err = DeviceError.FLASH_WRITE;
    await expect(q.request(0x22, new Uint8Array(0), { name: 'WRITE_END', timeoutMs: 500 })).rejects.toMatchObject({ code: 'DEVICE_FLASH_WRITE_FAILED' });
    err = 0x4242;
    await expect(q.request(0x22, new Uint8Array(0), { name: 'WRITE_END', timeoutMs: 500 })).rejects.toMatchObject({ code: 'DEVICE_ERROR_UNKNOWN' });
  });

  it('fails fast with FRAME_CRC when the damaged reply carries our request ID', async () => {
    const d = fakeDevice();
    const q = new RequestQueue(d.station);
    d.onRequest((f) => {
      const bytes = encodeFrame({ type: f.type | RESPONSE_BIT, requestId: f.requestId, payload: Uint8Array.of(1, 2) });
      bytes[bytes.length - 1]! ^= 0xff;
      void d.device.write(bytes);
    });
    const t0 = Date.now();
    await expect(q.request(0x02, new Uint8Array(0), { name: 'IDENTIFY', timeoutMs: 5000 })).rejects.toMatchObject({ code: 'FRAME_CRC' });
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  it('rejects the pending and all later requests with DEVICE_DISCONNECTED when the link closes', async () => {
    const d = fakeDevice();
    const q = new RequestQueue(d.station);
    d.onRequest(() => void d.device.close());
    const a = q.request(0x02, new Uint8Array(0), { name: 'IDENTIFY', timeoutMs: 5000 });
    const b = q.request(0x02, new Uint8Array(0), { name: 'IDENTIFY', timeoutMs: 5000 });
    const [ra, rb] = await Promise.allSettled([a, b]);
    expect(ra.status === 'rejected' && code(ra.reason)).toBe('DEVICE_DISCONNECTED');
    expect(rb.status === 'rejected' && code(rb.reason)).toBe('DEVICE_DISCONNECTED');
  });

  it('counts bytes both ways', async () => {
    const d = fakeDevice();
    const q = new RequestQueue(d.station);
    d.onRequest((f) => d.reply(f, new Uint8Array(10)));
    await q.request(0x02, new Uint8Array(3), { name: 'IDENTIFY', timeoutMs: 500 });
    expect(q.stats.bytesSent).toBe(12 + 3);
    expect(q.stats.bytesReceived).toBe(12 + 10);
  });
});
