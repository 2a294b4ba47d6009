import { describe, expect, it } from 'vitest';
import { wireTimeMs } from '../../electron/core/device/wire';
import { FRAME_OVERHEAD } from '../../electron/core/device/frame';
import { makeTestCa } from '../device/helpers';
import { inProcessBench } from './support';

describe('wireTimeMs (8N1 floor)', () => {
  it('is bytes × 10 bits / baud', () => {
    expect(wireTimeMs(1152, 115_200)).toBe(100);
    expect(wireTimeMs(960, 9600)).toBe(1000);
    expect(wireTimeMs(0, 9600)).toBe(0);
    expect(() => wireTimeMs(10, 0)).toThrow(RangeError);
    expect(() => wireTimeMs(-1, 9600)).toThrow(RangeError);
  });
});

describe('simulator wire-time emulation (recorded, not measured)', () => {
  it('delays every request and reply by its wire time at the configured baud, plus keygen delay', async () => {
    const delays: Array<[string, number]> = [];
    const b = await inProcessBench(
      {
        baud: 9600,
        keygenDelayMs: 1234,
        sleep: (ms, why) => {
          delays.push([why, ms]);
          return Promise.resolve();
        },
      },
      { baud: 9600 },
    );
    try {
      await b.client.identify();
      await b.client.generateKey('P-256');
      const ca = await makeTestCa(2, 600);
      await b.client.writeChain(ca.chain);
      const s = b.sim.stats();
      const c = b.client.stats();
      // Station and device agree on every byte that crossed the line.
      expect(s.bytesIn).toBe(c.bytesSent);
      expect(s.bytesOut).toBe(c.bytesReceived);
      // Emulated line time equals the pure floor for those bytes, on both sides.
      expect(s.wireTimeMs).toBeCloseTo(wireTimeMs(c.bytesSent + c.bytesReceived, 9600), 6);
      expect(c.wireTimeMs).toBeCloseTo(s.wireTimeMs, 6);
      expect(s.deviceDelayMs).toBe(1234);
      // The recorded delays are exactly: wire-in per request, wire-out per reply, one keygen.
      const sum = (why: string): number => delays.filter(([w]) => w === why).reduce((a, [, ms]) => a + ms, 0);
      expect(sum('wire-in')).toBeCloseTo(wireTimeMs(c.bytesSent, 9600), 6);
      expect(sum('wire-out')).toBeCloseTo(wireTimeMs(c.bytesReceived, 9600), 6);
      expect(delays.filter(([w]) => w === 'keygen')).toEqual([['keygen', 1234]]);
      // HELLO request: 4-byte payload → 16 bytes → 16.666… ms at 9600 baud.
      expect(delays[0]).toEqual(['wire-in', wireTimeMs(4 + FRAME_OVERHEAD, 9600)]);
      expect(s.requests).toBe(c.requests);
    } finally {
      await b.cleanup();
    }
  });

  it('with emulation off, no line delays are requested', async () => {
    const delays: string[] = [];
    const b = await inProcessBench({ emulateWireTime: false, sleep: (_ms, why) => (delays.push(why), Promise.resolve()) });
    try {
      await b.client.identify();
      expect(delays).toEqual([]);
      expect(b.sim.stats().wireTimeMs).toBeGreaterThan(0); // still accounted
    } finally {
      await b.cleanup();
    }
  });
});

describe('simulator processing time (its own work, apart from emulated delays)', () => {
  it('counts time spent producing a reply but not the keygen delay or line time', async () => {
    // Real sleeps: a 300 ms keygen delay and 9600-baud line time that must not show up as processing.
    const b = await inProcessBench({ baud: 9600, keygenDelayMs: 300, announceIdentity: false }, { baud: 9600 });
    try {
      const s0 = b.sim.stats(); // after HELLO
      const t0 = performance.now();
      await b.client.identify();
      await b.client.generateKey('P-256');
      const wall = performance.now() - t0;
      const s = b.sim.stats();
      const wire = s.wireTimeMs - s0.wireTimeMs;
      const processing = s.processingMs - s0.processingMs;
      expect(s.deviceDelayMs).toBe(300);
      expect(wall).toBeGreaterThan(300 + wire - 1);
      expect(processing).toBeGreaterThanOrEqual(0);
      // Wall time ≈ line + keygen delay + processing (+ station and scheduling); processing excludes the first two
      // (timers round each sleep to whole milliseconds, so compare with half the line time as slack).
      expect(wire).toBeGreaterThan(50);
      expect(processing).toBeLessThan(wall - 300 - wire / 2);
    } finally {
      await b.cleanup();
    }
  });

  it('counts a command that takes real time (CSR generation) as processing', async () => {
    const b = await inProcessBench({ emulateWireTime: false });
    try {
      await b.client.generateKey('P-256');
      const before = b.sim.stats().processingMs;
      await b.client.getCsr('dev-0001');
      expect(b.sim.stats().processingMs).toBeGreaterThan(before);
    } finally {
      await b.cleanup();
    }
  });
});
