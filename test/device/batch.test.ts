/**
 * BATCH and the guarded IDENTIFY (docs/device-protocol.md §4.8): the reference
 * device's rules, frame by frame, and the station client's packing of its
 * requests into as few frames as the buffers allow.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame, FrameParser } from '../../electron/core/device/frame';
import { ProtocolDeviceClient } from '../../electron/core/device/protocol-client';
import {
  ByteReader,
  ByteWriter,
  Command,
  decodeBatch,
  DeviceError,
  encodeBatch,
  RESPONSE_BIT,
  TYPE_ERROR,
  WriteTarget,
  type BatchEntry,
} from '../../electron/core/device/protocol';
import { createPipePair } from '../../electron/core/device/transport';
import { RequestQueue } from '../../electron/core/device/frame-requests';
import { verifyPossession } from '../../electron/core/pki/index';
import { makeTestCa, popChallenge } from './helpers';
import { inProcessBench } from '../simulator/support';

type Bench = Awaited<ReturnType<typeof inProcessBench>>;
let bench: Bench | null = null;
afterEach(async () => {
  await bench?.cleanup();
  bench = null;
});

const OPTS = { name: 'test', timeoutMs: 2000 };
const EMPTY = new Uint8Array(0);

/** A raw request queue on a fresh link to the bench's device, after HELLO. */
async function rawLink(b: Bench): Promise<RequestQueue> {
  const q = new RequestQueue(b.sim.connect());
  await q.request(Command.HELLO, new ByteWriter().u8(1).u8(1).u16(1024).build(), OPTS);
  return q;
}

const batch = (q: RequestQueue, entries: BatchEntry[]): Promise<BatchEntry[]> => q.request(Command.BATCH, encodeBatch(entries), OPTS).then(decodeBatch);
const errorCode = (e: BatchEntry): number => new ByteReader(e.payload).bytes(3)[1]! * 256 + e.payload[2]!;
const guard = (id: string, serial: string): Uint8Array => new ByteWriter().str8(id).str8(serial).build();

describe('the reference device runs a BATCH as §4.8 says', () => {
  it('runs entries in order and stops at the first that fails: nothing after it runs', async () => {
    bench = await inProcessBench();
    const q = await rawLink(bench);
    const before = bench.sim.stats().byCommand.IDENTIFY ?? 0;
    const reply = await batch(q, [
      { type: Command.IDENTIFY, payload: EMPTY },
      { type: Command.WRITE_END, payload: EMPTY }, // no write session: WRITE_SEQUENCE
      { type: Command.IDENTIFY, payload: EMPTY },
    ]);
    expect(reply.map((e) => e.type)).toEqual([Command.IDENTIFY | RESPONSE_BIT, TYPE_ERROR]);
    expect(errorCode(reply[1]!)).toBe(DeviceError.WRITE_SEQUENCE);
    expect((bench.sim.stats().byCommand.IDENTIFY ?? 0) - before).toBe(1);
    await q.close();
  });

  it.each([
    ['HELLO inside', encodeBatch([{ type: Command.IDENTIFY, payload: EMPTY }, { type: Command.HELLO, payload: Uint8Array.of(1, 1, 4, 0) }])],
    ['a nested BATCH', encodeBatch([{ type: Command.BATCH, payload: encodeBatch([{ type: Command.IDENTIFY, payload: EMPTY }]) }])],
    ['a truncated entry', Uint8Array.of(Command.IDENTIFY, 0, 5, 1)],
    ['no entries', EMPTY],
  ])('refuses a batch with %s as a whole (BAD_REQUEST), before anything runs', async (_what, payload) => {
    bench = await inProcessBench();
    const q = await rawLink(bench);
    const before = structuredClone(bench.sim.stats().byCommand);
    await expect(q.request(Command.BATCH, payload, OPTS)).rejects.toMatchObject({ code: 'DEVICE_ERROR_BAD_REQUEST' });
    expect(bench.sim.stats().byCommand).toEqual(before);
    await q.close();
  });

  it('a device without the batch capability answers UNKNOWN_COMMAND', async () => {
    bench = await inProcessBench({ capabilities: ['csr', 'challenge', 'keygen', 'lock'] });
    const q = await rawLink(bench);
    await expect(batch(q, [{ type: Command.IDENTIFY, payload: EMPTY }])).rejects.toMatchObject({ code: 'DEVICE_ERROR_UNKNOWN_COMMAND' });
    await q.close();
  });

  it('an entry whose reply would overflow the frame is answered TOO_LARGE, and the batch stops there', async () => {
    bench = await inProcessBench({ maxPayload: 1024 });
    const ca = await makeTestCa(2, 700); // a chain of > 1 KiB
    await bench.client.writeChain(ca.chain);
    const q = await rawLink(bench);
    const read = new ByteWriter().u8(WriteTarget.CHAIN).u32(0).u16(1019).build();
    const reply = await batch(q, [{ type: Command.IDENTIFY, payload: EMPTY }, { type: Command.READ_CERTS, payload: read }, { type: Command.IDENTIFY, payload: EMPTY }]);
    expect(reply.map((e) => e.type)).toEqual([Command.IDENTIFY | RESPONSE_BIT, TYPE_ERROR]);
    expect(errorCode(reply[1]!)).toBe(DeviceError.TOO_LARGE);
    await q.close();
  });

  it('a guarded IDENTIFY answers as usual for this device and IDENTITY_MISMATCH for any other, stopping the write behind it', async () => {
    bench = await inProcessBench({ identity: { deviceId: 'dev-g1', hardwareSerial: 'HWG1' } });
    const q = await rawLink(bench);
    const ok = await batch(q, [{ type: Command.IDENTIFY, payload: guard('dev-g1', 'HWG1') }]);
    expect(ok[0]!.type).toBe(Command.IDENTIFY | RESPONSE_BIT);
    expect(new ByteReader(ok[0]!.payload).str8()).toBe('dev-g1');
    const begin = new ByteWriter().u8(WriteTarget.LEAF).u32(10).bytes(new Uint8Array(32)).build();
    for (const [id, serial] of [['dev-g2', 'HWG1'], ['dev-g1', 'HWG2']] as const) {
      const refused = await batch(q, [{ type: Command.IDENTIFY, payload: guard(id, serial) }, { type: Command.WRITE_BEGIN, payload: begin }]);
      expect(refused.map((e) => e.type)).toEqual([TYPE_ERROR]);
      expect(errorCode(refused[0]!)).toBe(DeviceError.IDENTITY_MISMATCH);
    }
    expect(bench.sim.stats().byCommand.WRITE_BEGIN ?? 0).toBe(0);
    await q.close();
  });
});

describe('the station client packs its requests (§4.8)', () => {
  it('with a 64-byte device buffer: writes and read-back span many frames and stay byte-identical; the challenge verifies', async () => {
    bench = await inProcessBench({ maxPayload: 64 });
    const { client, sim } = bench;
    const id = await client.identify();
    expect(id.protocolCapabilities).toContain('batch');
    await client.generateKey('P-256');
    const spki = await client.getPublicKey();
    const ca = await makeTestCa(2, 150);
    const leaf = await ca.issue(spki, id.deviceId);
    await client.writeCredentials(leaf, ca.chain, { confirm: id });
    expect(sim.state().leaf).toEqual(leaf);
    expect(sim.state().chain).toEqual(Uint8Array.from(Buffer.concat(ca.chain)));
    const challenge = popChallenge();
    const { installed, signature } = await client.readBack(challenge, { leafBytes: leaf.length, chainBytes: 1, signatureBytes: 72 });
    expect(installed.leaf).toEqual(leaf);
    expect(installed.chain).toEqual(ca.chain);
    expect(verifyPossession(spki, challenge, signature)).toBe(true);
  });

  it('reads back exactly what is installed whatever the hint says (the hint only plans the frames)', async () => {
    bench = await inProcessBench({ maxPayload: 1024 });
    const { client } = bench;
    const id = await client.identify();
    await client.generateKey('P-256');
    const spki = await client.getPublicKey();
    const ca = await makeTestCa(3, 400);
    const leaf = await ca.issue(spki, id.deviceId);
    await client.writeCredentials(leaf, ca.chain);
    for (const hint of [undefined, { leafBytes: 1, chainBytes: 1, signatureBytes: 64 }, { leafBytes: 5000, chainBytes: 9000, signatureBytes: 512 }]) {
      const challenge = popChallenge();
      const { installed, signature } = await client.readBack(challenge, hint);
      expect(installed.leaf).toEqual(leaf);
      expect(installed.chain).toEqual(ca.chain);
      expect(installed.locked).toBe(false);
      expect(verifyPossession(spki, challenge, signature)).toBe(true);
    }
    expect(await client.readCredentials()).toEqual({ leaf, chain: ca.chain, locked: false });
  });

  it('a CSR and the identity check after it take one frame; a write of leaf and chain two, against eight one at a time', async () => {
    bench = await inProcessBench({ maxPayload: 1024 });
    const { client, sim } = bench;
    const id = await client.identify();
    await client.generateKey('P-256');
    let frames = sim.stats().requests;
    const csr = await client.getCsr(id.deviceId, { confirm: id });
    expect(csr.length).toBeGreaterThan(100);
    expect(sim.stats().requests - frames).toBe(1);
    const ca = await makeTestCa(2, 200);
    const leaf = await ca.issue(await client.getPublicKey(), id.deviceId);
    frames = sim.stats().requests;
    await client.writeCredentials(leaf, ca.chain, { confirm: id });
    expect(sim.stats().requests - frames).toBe(2);
    expect(sim.stats().byCommand.WRITE_END).toBe(2);
  });

  it.each([4096, 1024, 64])('install with a %i-byte buffer: the device holds exactly what was written, reports it, and the challenge verifies', async (maxPayload) => {
    bench = await inProcessBench({ maxPayload });
    const { client, sim } = bench;
    const id = await client.identify();
    await client.generateKey('P-256');
    const spki = await client.getPublicKey();
    const ca = await makeTestCa(2, 200);
    const leaf = await ca.issue(spki, id.deviceId);
    const frames = sim.stats().requests;
    const challenge = popChallenge();
    const r = await client.install(leaf, ca.chain, { confirm: id, challenge });
    expect(r.installed).toEqual({ leaf, chain: ca.chain, locked: false });
    expect(sim.state().leaf).toEqual(leaf);
    expect(verifyPossession(spki, challenge, r.signature)).toBe(true);
    // With a 4 KiB buffer: the identity check, both writes, the read-back and the challenge in one frame.
    if (maxPayload === 4096) expect(sim.stats().requests - frames).toBe(1);
  });

  it('install: a write the device refuses stops the frame, so nothing is read back or signed after it', async () => {
    bench = await inProcessBench({ maxPayload: 4096, faults: [{ kind: 'flash-write-failure', step: 'write-end' }] });
    const { client, sim } = bench;
    const id = await client.identify();
    await client.generateKey('P-256');
    const ca = await makeTestCa(2, 200);
    const leaf = await ca.issue(await client.getPublicKey(), id.deviceId);
    await expect(client.install(leaf, ca.chain, { confirm: id, challenge: popChallenge() })).rejects.toMatchObject({ code: 'DEVICE_FLASH_WRITE_FAILED' });
    expect(sim.stats().byCommand.SIGN_CHALLENGE ?? 0).toBe(0);
    expect(sim.stats().byCommand.READ_CERTS ?? 0).toBe(0);
  });

  it('a device without batch gets the same requests one per frame, identity checks included', async () => {
    bench = await inProcessBench({ capabilities: ['csr', 'raw-public-key', 'challenge', 'keygen', 'lock'] });
    const { client, sim } = bench;
    const id = await client.identify();
    await client.generateKey('P-256');
    const identifies = sim.stats().byCommand.IDENTIFY ?? 0;
    await client.getCsr(id.deviceId, { confirm: id });
    expect((sim.stats().byCommand.IDENTIFY ?? 0) - identifies).toBe(1);
    expect(sim.stats().byCommand.BATCH).toBeUndefined();
  });
});

describe('the station client refuses malformed BATCH replies', () => {
  /** A device that answers HELLO/IDENTIFY (with `batch`) properly and every BATCH with `reply(entries)`. */
  async function fakeDevice(reply: (entries: BatchEntry[]) => Uint8Array): Promise<ProtocolDeviceClient> {
    const [station, device] = createPipePair();
    const parser = new FrameParser({
      onFrame: (f) => {
        let payload: Uint8Array;
        if (f.type === Command.HELLO) payload = new ByteWriter().u8(1).u16(1024).u32(7).build();
        else if (f.type === Command.IDENTIFY) payload = new ByteWriter().str8('dev-f').str8('HWF').str8('m').str8('1').u8(1).u16(0x3f).u16(1024).u8(0).build();
        else payload = reply(decodeBatch(f.payload));
        void device.write(encodeFrame({ type: f.type | RESPONSE_BIT, requestId: f.requestId, payload }));
      },
    });
    device.onData((c) => parser.push(c));
    const client = await ProtocolDeviceClient.start(station);
    await client.identify();
    return client;
  }

  it.each([
    ['fewer replies than requests', (e: BatchEntry[]) => encodeBatch(e.slice(1).map((x) => ({ type: x.type | RESPONSE_BIT, payload: EMPTY })))],
    ['a reply of the wrong type', (e: BatchEntry[]) => encodeBatch(e.map(() => ({ type: Command.COMMIT | RESPONSE_BIT, payload: EMPTY })))],
    ['a truncated entry', () => Uint8Array.of(Command.WRITE_END | RESPONSE_BIT, 0, 9)],
  ])('%s: DEVICE_PROTOCOL_ERROR', async (_what, reply) => {
    const client = await fakeDevice(reply);
    const ca = await makeTestCa(1, 10);
    await expect(client.writeCredentials(ca.chain[0]!, ca.chain)).rejects.toMatchObject({ code: 'DEVICE_PROTOCOL_ERROR' });
    await client.close();
  });
});
