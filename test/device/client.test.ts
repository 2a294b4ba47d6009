import { afterEach, describe, expect, it } from 'vitest';
import { waitForDevice } from '../../electron/core/device/connect';
import { ProtocolDeviceClient } from '../../electron/core/device/protocol-client';
import { createPipePair } from '../../electron/core/device/transport';
import { encodeFrame, FrameParser } from '../../electron/core/device/frame';
import { ByteWriter, RESPONSE_BIT } from '../../electron/core/device/protocol';
import { listSerialPorts, parsePortFilter, type SerialPortDescriptor } from '../../electron/core/device/serial-transport';
import { describeSpki } from '../../electron/core/device/keys';
import { CustodianError } from '../../electron/core/errors';
import { x509 } from '../../electron/core/pki/crypto';
import { makeTestCa, popChallenge } from './helpers';
import { inProcessBench } from '../simulator/support';

type Bench = Awaited<ReturnType<typeof inProcessBench>>;
let bench: Bench | null = null;
afterEach(async () => {
  await bench?.cleanup();
  bench = null;
});

describe('challenge signature formats (docs §4.5)', () => {
  const cases = [
    { alg: 'P-384' as const, verify: { name: 'ECDSA', hash: 'SHA-384' }, imp: { name: 'ECDSA', namedCurve: 'P-384' }, len: 96 },
    { alg: 'RSA-2048' as const, verify: { name: 'RSASSA-PKCS1-v1_5' }, imp: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, len: 256 },
    { alg: 'P-256' as const, verify: { name: 'ECDSA', hash: 'SHA-256' }, imp: { name: 'ECDSA', namedCurve: 'P-256' }, len: 64 },
  ];
  for (const c of cases) {
    it(`${c.alg}: signature over the exact challenge bytes, CSR verifies`, async () => {
      bench = await inProcessBench();
      const { client } = bench;
      await client.generateKey(c.alg);
      const spki = await client.getPublicKey();
      expect(describeSpki(spki).algorithm).toBe(c.alg);
      const challenge = popChallenge();
      const sig = await client.signChallenge(challenge);
      expect(sig.length).toBe(c.len);
      const key = await crypto.subtle.importKey('spki', spki, c.imp, false, ['verify']);
      expect(await crypto.subtle.verify(c.verify, key, sig, challenge)).toBe(true);
      expect(await crypto.subtle.verify(c.verify, key, sig, popChallenge())).toBe(false);
      expect(await new x509.Pkcs10CertificateRequest(await client.getCsr('dev-x')).verify()).toBe(true);
    });
  }
});

describe('chunking follows the device buffer', () => {
  it('never sends a frame larger than the device max payload and reads back byte-identical data', async () => {
    bench = await inProcessBench({ maxPayload: 64 });
    const { client, sim } = bench;
    expect((await client.hello()).maxPayload).toBe(64);
    await client.generateKey('RSA-2048'); // 294-byte SPKI: several GET_PUBLIC_KEY pieces at 59 bytes
    const spki = await client.getPublicKey();
    expect(sim.stats().byCommand.GET_PUBLIC_KEY).toBe(Math.ceil(spki.length / 59));
    const ca = await makeTestCa(2, 300);
    const before = sim.stats().byCommand.WRITE_CHUNK ?? 0;
    await client.writeChain(ca.chain);
    const total = ca.chain.reduce((n, c) => n + c.length, 0);
    expect((sim.stats().byCommand.WRITE_CHUNK ?? 0) - before).toBe(Math.ceil(total / 60));
    expect((await client.readCredentials()).chain).toEqual(ca.chain);
    expect(sim.state().chain).toEqual(Uint8Array.from(Buffer.concat(ca.chain)));
  });
});

describe('session checks', () => {
  it('reports DEVICE_RESET when the boot ID changes within a session', async () => {
    const [station, device] = createPipePair();
    let bootId = 0x1111;
    const parser = new FrameParser({
      interByteTimeoutMs: 0,
      onFrame: (f) => {
        const payload = new ByteWriter().u8(1).u16(256).u32(bootId).build();
        void device.write(encodeFrame({ type: f.type | RESPONSE_BIT, requestId: f.requestId, payload }));
      },
    });
    device.onData((c) => parser.push(c));
    const client = await ProtocolDeviceClient.start(station);
    expect(client.session.hello).toEqual({ protocolVersion: 1, maxPayload: 256, bootId: 0x1111 });
    await expect(client.hello()).resolves.toMatchObject({ bootId: 0x1111 });
    bootId = 0x2222; // watchdog reset on the device
    await expect(client.hello()).rejects.toMatchObject({ code: 'DEVICE_RESET', details: { before: 0x1111, after: 0x2222 } });
    await client.close();
  });

  it('refuses a device that chose another protocol version', async () => {
    const [station, device] = createPipePair();
    const parser = new FrameParser({
      interByteTimeoutMs: 0,
      onFrame: (f) => void device.write(encodeFrame({ type: f.type | RESPONSE_BIT, requestId: f.requestId, payload: new ByteWriter().u8(2).u16(256).u32(1).build() })),
    });
    device.onData((c) => parser.push(c));
    await expect(ProtocolDeviceClient.start(station)).rejects.toMatchObject({ code: 'DEVICE_PROTOCOL_VERSION' });
    expect(station.isOpen).toBe(false);
  });
});

describe('port listing and the operator VID/PID filter', () => {
  const ports: SerialPortDescriptor[] = [
    { path: '/dev/ttyACM0', vendorId: '303a', productId: '1001', serialNumber: 'A1' },
    { path: '/dev/ttyUSB0', vendorId: '10c4', productId: 'ea60' },
    { path: '/dev/ttyS0' },
  ];
  const lister = async (): Promise<SerialPortDescriptor[]> => ports;

  it('parses --vid/--pid in any hex spelling and filters on them', async () => {
    expect(parsePortFilter('0x303A', '1001')).toEqual({ vid: '303a', pid: '1001' });
    expect(() => parsePortFilter('zz')).toThrow(CustodianError);
    expect((await listSerialPorts(parsePortFilter('303a', '1001'), lister)).map((p) => p.path)).toEqual(['/dev/ttyACM0']);
    expect((await listSerialPorts(parsePortFilter('10C4'), lister)).map((p) => p.path)).toEqual(['/dev/ttyUSB0']);
    expect((await listSerialPorts({}, lister)).map((p) => p.path)).toHaveLength(3);
  });

  it('waitForDevice polls the filtered list until a candidate answers HELLO', async () => {
    let listed = 0;
    const tried: string[] = [];
    const fake = { close: async () => {} } as unknown as ProtocolDeviceClient;
    const got = await waitForDevice({
      filter: { vid: '303a' },
      pollMs: 1,
      timeoutMs: 5000,
      lister: async () => (++listed < 3 ? [] : ports),
      open: async (path) => {
        tried.push(path);
        if (tried.length === 1) throw new CustodianError('DEVICE_TIMEOUT', 'no HELLO yet');
        return fake;
      },
    });
    expect(got).toBe(fake);
    expect(tried).toEqual(['/dev/ttyACM0', '/dev/ttyACM0']);
    expect(listed).toBe(4);
  });

  it('waitForDevice gives up with DEVICE_NOT_FOUND at the deadline', async () => {
    await expect(waitForDevice({ filter: { vid: 'ffff' }, pollMs: 5, timeoutMs: 30, lister })).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND' });
  });
});

describe('waitForDevice cancellation', () => {
  it('rejects DEVICE_WATCH_CANCELLED when the signal aborts while polling', async () => {
    const ac = new AbortController();
    const p = waitForDevice({ filter: {}, pollMs: 1000, lister: async () => [], signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await expect(p).rejects.toMatchObject({ code: 'DEVICE_WATCH_CANCELLED' });
  });
});

describe('HELLO carrying the IDENTIFY response (docs §4.1)', () => {
  it('answers the next identify() without a request, once; later ones ask the device', async () => {
    bench = await inProcessBench({ identity: { deviceId: 'dev-hello-1' } });
    const { client, sim } = bench;
    const before = sim.stats().byCommand.IDENTIFY ?? 0;
    expect(client.session.identity?.deviceId).toBe('dev-hello-1');
    expect((await client.identify()).deviceId).toBe('dev-hello-1');
    expect((sim.stats().byCommand.IDENTIFY ?? 0) - before).toBe(0);
    expect((await client.identify()).deviceId).toBe('dev-hello-1');
    expect((sim.stats().byCommand.IDENTIFY ?? 0) - before).toBe(1);
  });

  it('is not reused once anything else was asked', async () => {
    bench = await inProcessBench();
    const { client, sim } = bench;
    await client.readCredentials();
    const before = sim.stats().byCommand.IDENTIFY ?? 0;
    await client.identify();
    expect((sim.stats().byCommand.IDENTIFY ?? 0) - before).toBe(1);
  });

  it('a device that does not announce it is asked with IDENTIFY', async () => {
    bench = await inProcessBench({ announceIdentity: false });
    const { client, sim } = bench;
    expect(client.session.identity).toBeNull();
    await client.identify();
    expect(sim.stats().byCommand.IDENTIFY).toBe(1);
  });

  it('a HELLO whose announced identity differs from the session\'s fails DEVICE_IDENTITY_CHANGED', async () => {
    bench = await inProcessBench({ identity: { deviceId: 'dev-hello-2' } });
    const { client, sim } = bench;
    await client.identify();
    sim.faults.inject({ kind: 'device-id-change', afterIdentifies: 0 });
    await expect(client.hello()).rejects.toMatchObject({ code: 'DEVICE_IDENTITY_CHANGED' });
  });
});
