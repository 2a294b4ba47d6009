/**
 * SerialPortTransport over a real pty pair (socat): the readiness-driven I/O
 * path (poller + non-blocking read/write) must deliver every byte in order,
 * survive a write larger than the kernel's tty buffer, and report a hang-up.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SerialPortTransport } from '../../electron/core/device/serial-transport';
import { PtyPair } from '../../electron/core/simulator/pty';

let dir: string;
let pty: PtyPair;
const open: SerialPortTransport[] = [];

beforeEach(async () => {
  execFileSync('socat', ['-V'], { stdio: 'ignore' });
  dir = await mkdtemp(join(tmpdir(), 'custodian-st-'));
  pty = new PtyPair({ station: join(dir, 'a'), device: join(dir, 'b') });
  await pty.start();
});

afterEach(async () => {
  for (const t of open.splice(0)) await t.close().catch(() => undefined);
  await pty.stop();
  await rm(dir, { recursive: true, force: true });
});

async function pair(): Promise<[SerialPortTransport, SerialPortTransport]> {
  const a = await SerialPortTransport.open(pty.paths.station, { baudRate: 115200 });
  const b = await SerialPortTransport.open(pty.paths.device, { baudRate: 115200 });
  open.push(a, b);
  return [a, b];
}

function collect(t: SerialPortTransport, n: number): Promise<Uint8Array> {
  const got: number[] = [];
  return new Promise((resolve) => {
    const off = t.onData((c) => {
      got.push(...c);
      if (got.length >= n) {
        off();
        resolve(Uint8Array.from(got));
      }
    });
  });
}

describe('SerialPortTransport over a pty', () => {
  it('delivers small writes in order, each chunk a copy the reader may keep', async () => {
    const [a, b] = await pair();
    const chunks: Uint8Array[] = [];
    b.onData((c) => chunks.push(c));
    const all = collect(b, 30);
    for (let i = 0; i < 10; i++) await a.write(Uint8Array.of(3 * i, 3 * i + 1, 3 * i + 2));
    expect([...(await all)]).toEqual(Array.from({ length: 30 }, (_, i) => i));
    // A later read must not overwrite bytes already handed out.
    const first = chunks[0]!.slice();
    await a.write(Uint8Array.of(0xee, 0xee, 0xee));
    await collect(b, 3);
    expect(chunks[0]).toEqual(first);
  });

  it('writes more than the tty buffer holds (waits for writability) and keeps order across concurrent writes', async () => {
    const [a, b] = await pair();
    const big = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff);
    const tail = Uint8Array.of(1, 2, 3);
    const got = collect(b, big.length + tail.length);
    await Promise.all([a.write(big), a.write(tail)]);
    const bytes = await got;
    expect(bytes.length).toBe(big.length + tail.length);
    expect(Buffer.from(bytes.subarray(0, big.length)).equals(Buffer.from(big))).toBe(true);
    expect([...bytes.subarray(big.length)]).toEqual([1, 2, 3]);
  });

  it('reports a hang-up of the other end as a close with DEVICE_DISCONNECTED, then refuses writes', async () => {
    const [a] = await pair();
    const closed = new Promise<Error | undefined>((r) => a.onClose((e) => r(e)));
    await pty.stop(); // socat gone: both ends hang up, as on a cable pull
    const err = await closed;
    expect(err).toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    expect(a.isOpen).toBe(false);
    await expect(a.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
  });

  it('close() stops reading and emits close once', async () => {
    const [a, b] = await pair();
    let closes = 0;
    a.onClose(() => closes++);
    await a.close();
    await b.write(Uint8Array.of(9)).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    expect(closes).toBe(1);
    expect(a.isOpen).toBe(false);
  });
});
