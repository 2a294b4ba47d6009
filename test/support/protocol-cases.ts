/**
 * One table of protocol cases (docs/device-protocol.md), run against every
 * device implementation: the TypeScript simulator and the C agent
 * (test/device-agent/protocol-conformance.test.ts). Each case says what the
 * document says; a device that answers otherwise fails, whichever it is.
 *
 * Cases speak raw frames through `RawLink` (what a firmware sees), or the
 * station's own client where the station's behaviour is the point.
 */
import { expect } from 'vitest';
import { createHash } from 'node:crypto';
import { encodeFrame, FrameParser, type Frame } from '../../electron/core/device/frame';
import { ByteReader, ByteWriter, CAPABILITY_BITS, Command, decodeBatch, DeviceError, encodeBatch, RESPONSE_BIT, TYPE_ERROR, WriteTarget, type DeviceErrorName } from '../../electron/core/device/protocol';
import type { ProtocolDeviceClient } from '../../electron/core/device/protocol-client';
import type { Transport } from '../../electron/core/device/transport';
import { crc32 } from '../../electron/core/device/crc32';
import { describeSpki } from '../../electron/core/device/keys';
import { x509 } from '../../electron/core/pki/crypto';
import { readCsr } from '../../electron/core/pki/index';
import { makeTestCa, popChallenge } from '../device/helpers';
import { openssl } from './openssl';

/** Request/reply over a transport, frame by frame, as a station would but without its checks. */
export class RawLink {
  private frames: Frame[] = [];
  private waiters: Array<() => void> = [];
  private nextId = 1;
  private readonly parser = new FrameParser({ interByteTimeoutMs: 0, onFrame: (f) => this.arrived(f) });
  private readonly off: () => void;
  constructor(readonly transport: Transport) {
    this.off = transport.onData((c) => this.parser.push(c));
  }
  private arrived(f: Frame): void {
    this.frames.push(f);
    for (const w of this.waiters.splice(0)) w();
  }
  /** Raw bytes onto the wire. */
  async send(bytes: Uint8Array): Promise<void> {
    await this.transport.write(bytes);
  }
  frame(type: number, payload: Uint8Array = new Uint8Array(0), requestId = this.id()): Uint8Array {
    return encodeFrame({ type, requestId, payload });
  }
  id(): number {
    const id = this.nextId;
    this.nextId = (this.nextId % 0xffff) + 1;
    return id;
  }
  /** The next frame from the device, or null when none comes within `ms`. */
  async next(ms = 5000): Promise<Frame | null> {
    const deadline = Date.now() + ms;
    while (this.frames.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.frames.shift()!;
  }
  async request(type: number, payload: Uint8Array = new Uint8Array(0)): Promise<Frame> {
    const id = this.id();
    await this.send(this.frame(type, payload, id));
    const f = await this.next();
    expect(f, `no reply to 0x${type.toString(16)}`).not.toBeNull();
    expect(f!.requestId).toBe(id);
    return f!;
  }
  /** A request that must succeed: its response payload. */
  async ok(type: number, payload: Uint8Array = new Uint8Array(0)): Promise<Uint8Array> {
    const f = await this.request(type, payload);
    if (f.type === TYPE_ERROR) {
      const r = new ByteReader(f.payload);
      throw new Error(`0x${type.toString(16)} refused: error 0x${[r.u8(), r.u16()][1]!.toString(16)}`);
    }
    expect(f.type).toBe(type | RESPONSE_BIT);
    return f.payload;
  }
  /** A request that must fail with `error`. */
  async refused(type: number, payload: Uint8Array, error: DeviceErrorName): Promise<void> {
    const f = await this.request(type, payload);
    expect(f.type, `0x${type.toString(16)} should fail with ${error}`).toBe(TYPE_ERROR);
    expectError(f.payload, type, error);
  }
  async silence(ms: number): Promise<void> {
    expect(await this.next(ms)).toBeNull();
  }
  dispose(): void {
    this.off();
    this.parser.dispose();
  }
}

export function expectError(payload: Uint8Array, command: number, error: DeviceErrorName): void {
  const r = new ByteReader(payload);
  const got = [r.u8(), r.u16()];
  const name = Object.entries(DeviceError).find(([, v]) => v === got[1])?.[0] ?? `0x${got[1]!.toString(16)}`;
  expect({ command: got[0], error: name }).toEqual({ command, error });
  expect(r.remaining).toBeLessThanOrEqual(200);
}

export interface CaseDevice {
  /** Identity the device was started with. */
  deviceId: string;
  hardwareSerial: string;
  maxPayload: number;
  link: RawLink;
  /** A station client on a fresh link to the same device (closes the raw one). */
  client(): Promise<ProtocolDeviceClient>;
}

export interface ProtocolCase {
  name: string;
  /** Device settings for this case (default: max payload 512, every capability). */
  device?: { maxPayload?: number; capabilities?: number };
  /**
   * Implementations known to answer otherwise than the document, and why.
   * Their run of the case is expected to fail (vitest `it.fails`), so fixing
   * the implementation makes the test fail until the entry is removed.
   */
  divergesOn?: Partial<Record<'simulator' | 'agent', string>>;
  run(d: CaseDevice): Promise<void>;
}

const ALL_CAPS = Object.values(CAPABILITY_BITS).reduce((a, b) => a | b, 0);
const hello = (min = 1, max = 1, station = 4096) => new ByteWriter().u8(min).u8(max).u16(station).build();
const read = (offset: number, maxLen: number) => new ByteWriter().u32(offset).u16(maxLen).build();
const readCerts = (target: number, offset: number, maxLen: number) => new ByteWriter().u8(target).u32(offset).u16(maxLen).build();
const csrReq = (offset: number, maxLen: number, cn: string) => new ByteWriter().u32(offset).u16(maxLen).str8(cn).build();
const guard = (id: string, serial: string) => new ByteWriter().str8(id).str8(serial).build();
const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());
const begin = (target: number, obj: Uint8Array, total = obj.length, sha = sha256(obj)) => new ByteWriter().u8(target).u32(total).bytes(sha).build();
const chunkReq = (offset: number, data: Uint8Array) => new ByteWriter().u32(offset).bytes(data).build();
const P256 = Uint8Array.of(0x01);

function identifyFields(p: Uint8Array) {
  const r = new ByteReader(p);
  return { deviceId: r.str8(), hardwareSerial: r.str8(), model: r.str8(), firmware: r.str8(), protocolVersion: r.u8(), capabilities: r.u16(), maxPayload: r.u16(), store: r.u8(), rest: r.remaining };
}

/** Read a whole chunked object with raw requests of `maxLen`, checking `total` stays put. */
async function readAll(link: RawLink, type: number, req: (offset: number) => Uint8Array): Promise<{ data: Uint8Array; flags: number; pieces: number }> {
  const parts: Uint8Array[] = [];
  let total = -1;
  let got = 0;
  let flags = 0;
  let pieces = 0;
  do {
    const r = new ByteReader(await link.ok(type, req(got)));
    const t = r.u32();
    flags = r.u8();
    if (total >= 0) expect(t).toBe(total);
    total = t;
    const data = r.rest();
    parts.push(data);
    got += data.length;
    pieces++;
    if (total > 0) expect(data.length).toBeGreaterThan(0);
  } while (got < total);
  return { data: Uint8Array.from(Buffer.concat(parts)), flags, pieces };
}

/** Write one object with raw requests, `chunk` bytes at a time. */
async function writeObject(link: RawLink, target: number, obj: Uint8Array, chunk: number): Promise<Frame> {
  await link.ok(Command.WRITE_BEGIN, begin(target, obj));
  for (let o = 0; o < obj.length; o += chunk) await link.ok(Command.WRITE_CHUNK, chunkReq(o, obj.subarray(o, o + chunk)));
  return link.request(Command.WRITE_END);
}

async function keyAndSpki(link: RawLink): Promise<Uint8Array> {
  await link.ok(Command.GENERATE_KEY, P256);
  return (await readAll(link, Command.GET_PUBLIC_KEY, (o) => read(o, 500))).data;
}

/** A CSR as the station takes it (its own strict DER reader) and as OpenSSL does, signature included. */
async function expectValidCsr(der: Uint8Array, cn: string, spki: Uint8Array): Promise<void> {
  const intake = readCsr(der);
  expect(intake.publicKeySpki).toEqual(spki);
  const req = new x509.Pkcs10CertificateRequest(der);
  expect(await req.verify()).toBe(true);
  expect(req.subject).toBe(`CN=${cn}`);
  const v = openssl(['req', '-inform', 'DER', '-noout', '-verify'], { input: Buffer.from(der) });
  expect(v.code, v.stderr).toBe(0);
}

const expectOkFrame = (f: Frame, type: number) => expect(f.type, f.type === TYPE_ERROR ? `error 0x${new ByteReader(f.payload.subarray(1)).u16().toString(16)}` : '').toBe(type | RESPONSE_BIT);

export const PROTOCOL_CASES: ProtocolCase[] = [
  // §4.1 HELLO
  {
    name: 'HELLO: version 1, the device max payload, a boot ID fixed from power-on, the IDENTIFY response appended',
    async run(d) {
      const a = new ByteReader(await d.link.ok(Command.HELLO, hello()));
      expect([a.u8(), a.u16()]).toEqual([1, d.maxPayload]);
      const boot = a.u32();
      expect(identifyFields(a.rest())).toMatchObject({ deviceId: d.deviceId, hardwareSerial: d.hardwareSerial, protocolVersion: 1, capabilities: ALL_CAPS, maxPayload: d.maxPayload, store: 0 });
      const b = new ByteReader(await d.link.ok(Command.HELLO, hello(1, 3, 64)));
      expect([b.u8(), b.u16(), b.u32()]).toEqual([1, d.maxPayload, boot]);
    },
  },
  {
    name: 'HELLO: no common version is ERROR VERSION',
    async run(d) {
      await d.link.refused(Command.HELLO, hello(2, 5), 'VERSION');
    },
  },
  // §4.2 IDENTIFY
  {
    name: 'IDENTIFY: identity, protocol 1, capabilities, max payload, empty store',
    async run(d) {
      const id = identifyFields(await d.link.ok(Command.IDENTIFY));
      expect(id).toMatchObject({ deviceId: d.deviceId, hardwareSerial: d.hardwareSerial, protocolVersion: 1, capabilities: ALL_CAPS, maxPayload: d.maxPayload, store: 0, rest: 0 });
    },
  },
  {
    name: 'guarded IDENTIFY: answered for the device named, IDENTITY_MISMATCH for another ID or serial',
    async run(d) {
      expect(identifyFields(await d.link.ok(Command.IDENTIFY, guard(d.deviceId, d.hardwareSerial))).deviceId).toBe(d.deviceId);
      await d.link.refused(Command.IDENTIFY, guard(`${d.deviceId}-x`, d.hardwareSerial), 'IDENTITY_MISMATCH');
      await d.link.refused(Command.IDENTIFY, guard(d.deviceId, 'HW-OTHER'), 'IDENTITY_MISMATCH');
    },
  },
  {
    name: 'an unknown command is ERROR UNKNOWN_COMMAND naming it',
    async run(d) {
      await d.link.refused(0x7e, new Uint8Array([1, 2, 3]), 'UNKNOWN_COMMAND');
    },
  },
  // §4.3 GENERATE_KEY, §4.4 reads
  {
    name: 'without a key: GET_PUBLIC_KEY, GET_CSR and SIGN_CHALLENGE are NO_KEY; WRITE_BEGIN(leaf) too',
    async run(d) {
      await d.link.refused(Command.GET_PUBLIC_KEY, read(0, 100), 'NO_KEY');
      await d.link.refused(Command.GET_CSR, csrReq(0, 100, d.deviceId), 'NO_KEY');
      await d.link.refused(Command.SIGN_CHALLENGE, popChallenge(), 'NO_KEY');
      await d.link.refused(Command.WRITE_BEGIN, begin(WriteTarget.LEAF, new Uint8Array(10)), 'NO_KEY');
    },
  },
  {
    name: 'GENERATE_KEY: an unknown algorithm is UNSUPPORTED_ALGORITHM; P-256 gives an EC SPKI and sets the store key bit',
    async run(d) {
      await d.link.refused(Command.GENERATE_KEY, Uint8Array.of(0x09), 'UNSUPPORTED_ALGORITHM');
      const spki = await keyAndSpki(d.link);
      expect(describeSpki(spki).algorithm).toBe('P-256');
      expect(identifyFields(await d.link.ok(Command.IDENTIFY)).store).toBe(0x01);
    },
  },
  {
    name: 'chunked reads: n = min(maxLen, limits − 5), total stays put, an offset beyond total is BAD_REQUEST, maxLen 0 is BAD_REQUEST',
    async run(d) {
      await d.link.ok(Command.GENERATE_KEY, P256);
      const whole = await readAll(d.link, Command.GET_PUBLIC_KEY, (o) => read(o, 4096));
      expect(whole.pieces).toBe(1);
      const small = await readAll(d.link, Command.GET_PUBLIC_KEY, (o) => read(o, 20));
      expect(small.data).toEqual(whole.data);
      expect(small.pieces).toBe(Math.ceil(whole.data.length / 20));
      await d.link.refused(Command.GET_PUBLIC_KEY, read(whole.data.length + 1, 10), 'BAD_REQUEST');
      await d.link.refused(Command.GET_PUBLIC_KEY, read(0, 0), 'BAD_REQUEST');
      const end = new ByteReader(await d.link.ok(Command.GET_PUBLIC_KEY, read(whole.data.length, 10)));
      expect([end.u32(), end.u8(), end.remaining]).toEqual([whole.data.length, 0, 0]);
    },
  },
  {
    name: 'HELLO’s station limit caps every reply: 64 announced, pieces of 59',
    async run(d) {
      await d.link.ok(Command.HELLO, hello(1, 1, 64));
      await d.link.ok(Command.GENERATE_KEY, P256);
      const r = new ByteReader(await d.link.ok(Command.GET_PUBLIC_KEY, read(0, 4096)));
      r.u32();
      r.u8();
      expect(r.rest().length).toBe(59);
    },
  },
  {
    name: 'GET_CSR: CN exactly as asked, signed by the device key, cached across pieces; another CN or no offset-0 read is BAD_STATE; an empty CN is BAD_REQUEST',
    async run(d) {
      await d.link.refused(Command.GET_CSR, csrReq(0, 100, ''), 'NO_KEY');
      const spki = await keyAndSpki(d.link);
      await d.link.refused(Command.GET_CSR, csrReq(10, 100, d.deviceId), 'BAD_STATE');
      await d.link.refused(Command.GET_CSR, csrReq(0, 100, ''), 'BAD_REQUEST');
      const csr = await readAll(d.link, Command.GET_CSR, (o) => csrReq(o, 50, 'dev-çsr-✓'));
      expect(csr.pieces).toBeGreaterThan(1);
      await expectValidCsr(csr.data, 'dev-çsr-✓', spki);
      expect(new x509.Pkcs10CertificateRequest(csr.data).signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
      // The longest CN a str8 carries still makes a valid CSR.
      const long = 'n'.repeat(255);
      await expectValidCsr((await readAll(d.link, Command.GET_CSR, (o) => csrReq(o, 400, long))).data, long, spki);
      await d.link.refused(Command.GET_CSR, csrReq(50, 50, 'someone-else'), 'BAD_STATE');
    },
  },
  // §4.5 SIGN_CHALLENGE
  {
    name: 'SIGN_CHALLENGE: P1363 over the exact bytes; no label, too short or too long is BAD_REQUEST',
    async run(d) {
      const spki = await keyAndSpki(d.link);
      const challenge = popChallenge();
      const sig = await d.link.ok(Command.SIGN_CHALLENGE, challenge);
      expect(sig.length).toBe(64);
      const key = await crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
      expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, sig, challenge)).toBe(true);
      const unlabelled = Uint8Array.from(challenge);
      unlabelled[3]! ^= 1;
      await d.link.refused(Command.SIGN_CHALLENGE, unlabelled, 'BAD_REQUEST');
      await d.link.refused(Command.SIGN_CHALLENGE, popChallenge(new Uint8Array(15)), 'BAD_REQUEST');
      await d.link.refused(Command.SIGN_CHALLENGE, popChallenge(new Uint8Array(240)), 'BAD_REQUEST');
      expect((await d.link.ok(Command.SIGN_CHALLENGE, popChallenge(new Uint8Array(239)))).length).toBe(64);
    },
  },
  // §4.6 writes, §4.4 READ_CERTS
  {
    name: 'writes: chunk without BEGIN, out of order, or END early is WRITE_SEQUENCE; size 0 or > 16 KiB and a chunk past total are TOO_LARGE; an unknown target is BAD_REQUEST',
    async run(d) {
      const obj = new Uint8Array(40).fill(7);
      await d.link.refused(Command.WRITE_CHUNK, chunkReq(0, obj), 'WRITE_SEQUENCE');
      await d.link.refused(Command.WRITE_END, new Uint8Array(0), 'WRITE_SEQUENCE');
      await d.link.refused(Command.WRITE_BEGIN, begin(WriteTarget.CHAIN, obj, 0), 'TOO_LARGE');
      await d.link.refused(Command.WRITE_BEGIN, begin(WriteTarget.CHAIN, obj, 16 * 1024 + 1), 'TOO_LARGE');
      await d.link.refused(Command.WRITE_BEGIN, begin(7, obj), 'BAD_REQUEST');
      await d.link.ok(Command.WRITE_BEGIN, begin(WriteTarget.CHAIN, obj));
      await d.link.refused(Command.WRITE_CHUNK, chunkReq(5, obj.subarray(0, 5)), 'WRITE_SEQUENCE');
      await d.link.ok(Command.WRITE_CHUNK, chunkReq(0, obj.subarray(0, 30)));
      await d.link.refused(Command.WRITE_CHUNK, chunkReq(30, obj), 'TOO_LARGE');
      await d.link.refused(Command.WRITE_END, new Uint8Array(0), 'WRITE_SEQUENCE');
      // WRITE_END ends the session, even a failed one.
      await d.link.refused(Command.WRITE_CHUNK, chunkReq(30, obj.subarray(30)), 'WRITE_SEQUENCE');
      await d.link.refused(Command.READ_CERTS, readCerts(3, 0, 100), 'BAD_REQUEST');
    },
  },
  {
    name: 'WRITE_END: a SHA-256 other than announced is HASH_MISMATCH; bytes that are not certificates are BAD_CERT; nothing is stored',
    async run(d) {
      const obj = new Uint8Array(40).fill(7);
      await d.link.ok(Command.WRITE_BEGIN, begin(WriteTarget.CHAIN, obj, obj.length, sha256(new Uint8Array(1))));
      await d.link.ok(Command.WRITE_CHUNK, chunkReq(0, obj));
      await d.link.refused(Command.WRITE_END, new Uint8Array(0), 'HASH_MISMATCH');
      const f = await writeObject(d.link, WriteTarget.CHAIN, obj, 100);
      expect(f.type).toBe(TYPE_ERROR);
      expectError(f.payload, Command.WRITE_END, 'BAD_CERT');
      const ca = await makeTestCa(1, 10);
      const trailing = Uint8Array.from([...ca.chain[0]!, 0x30, 0x03, 1, 2]);
      expectError((await writeObject(d.link, WriteTarget.CHAIN, trailing, 200)).payload, Command.WRITE_END, 'BAD_CERT');
      const back = await readAll(d.link, Command.READ_CERTS, (o) => readCerts(WriteTarget.CHAIN, o, 400));
      expect(back.data.length).toBe(0);
    },
  },
  {
    name: 'leaf and chain written in chunks, read back byte for byte with the store bits set; a leaf for another key is KEY_MISMATCH; two certificates as a leaf is BAD_CERT',
    async run(d) {
      const spki = await keyAndSpki(d.link);
      const ca = await makeTestCa(3, 300);
      const chain = Uint8Array.from(Buffer.concat(ca.chain));
      const other = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
      const otherLeaf = await ca.issue(new Uint8Array(await crypto.subtle.exportKey('spki', other.publicKey)), d.deviceId);
      expectError((await writeObject(d.link, WriteTarget.LEAF, otherLeaf, 200)).payload, Command.WRITE_END, 'KEY_MISMATCH');
      const leaf = await ca.issue(spki, d.deviceId);
      expectError((await writeObject(d.link, WriteTarget.LEAF, Uint8Array.from([...leaf, ...ca.chain[0]!]), 200)).payload, Command.WRITE_END, 'BAD_CERT');
      expectOkFrame(await writeObject(d.link, WriteTarget.LEAF, leaf, d.maxPayload - 4), Command.WRITE_END);
      expectOkFrame(await writeObject(d.link, WriteTarget.CHAIN, chain, 100), Command.WRITE_END);
      expect((await readAll(d.link, Command.READ_CERTS, (o) => readCerts(WriteTarget.LEAF, o, 4096))).data).toEqual(leaf);
      const back = await readAll(d.link, Command.READ_CERTS, (o) => readCerts(WriteTarget.CHAIN, o, 4096));
      expect(back).toMatchObject({ data: chain, flags: 0 });
      expect(identifyFields(await d.link.ok(Command.IDENTIFY)).store).toBe(0x07);
      // A new key invalidates the leaf (§4.3); the chain stays.
      await d.link.ok(Command.GENERATE_KEY, P256);
      expect(identifyFields(await d.link.ok(Command.IDENTIFY)).store).toBe(0x05);
    },
  },
  // §4.9 trust anchors
  {
    name: 'trust anchors (target 0x02): CA certificates stored and read back; a non-CA is BAD_CERT; no key needed',
    async run(d) {
      const ca = await makeTestCa(2, 10);
      const anchors = Uint8Array.from(Buffer.concat(ca.chain));
      expectOkFrame(await writeObject(d.link, WriteTarget.TRUST_ANCHORS, anchors, 200), Command.WRITE_END);
      expect((await readAll(d.link, Command.READ_CERTS, (o) => readCerts(WriteTarget.TRUST_ANCHORS, o, 4096))).data).toEqual(anchors);
      const spki = await keyAndSpki(d.link);
      const leaf = await ca.issue(spki, d.deviceId);
      expectError((await writeObject(d.link, WriteTarget.TRUST_ANCHORS, Uint8Array.from([...ca.chain[0]!, ...leaf]), 200)).payload, Command.WRITE_END, 'BAD_CERT');
      expect((await readAll(d.link, Command.READ_CERTS, (o) => readCerts(WriteTarget.TRUST_ANCHORS, o, 4096))).data).toEqual(anchors);
    },
  },
  {
    name: 'without capability bit 6, target 0x02 is BAD_REQUEST for writes and reads',
    device: { capabilities: ALL_CAPS & ~CAPABILITY_BITS['trust-anchors'] },
    async run(d) {
      expect(identifyFields(await d.link.ok(Command.IDENTIFY)).capabilities).toBe(ALL_CAPS & ~CAPABILITY_BITS['trust-anchors']);
      await d.link.refused(Command.WRITE_BEGIN, begin(WriteTarget.TRUST_ANCHORS, new Uint8Array(10)), 'BAD_REQUEST');
      await d.link.refused(Command.READ_CERTS, readCerts(WriteTarget.TRUST_ANCHORS, 0, 100), 'BAD_REQUEST');
    },
  },
  // §4.7 COMMIT
  {
    name: 'COMMIT: lock without a leaf is BAD_STATE; after the lock GENERATE_KEY and WRITE_BEGIN are LOCKED, reads carry the flag, HELLO and IDENTIFY still answer',
    async run(d) {
      await d.link.ok(Command.COMMIT, Uint8Array.of(0));
      await d.link.refused(Command.COMMIT, Uint8Array.of(1), 'BAD_STATE');
      const spki = await keyAndSpki(d.link);
      const ca = await makeTestCa(1, 10);
      expectOkFrame(await writeObject(d.link, WriteTarget.LEAF, await ca.issue(spki, d.deviceId), 400), Command.WRITE_END);
      await d.link.ok(Command.COMMIT, Uint8Array.of(1));
      await d.link.refused(Command.GENERATE_KEY, P256, 'LOCKED');
      await d.link.refused(Command.WRITE_BEGIN, begin(WriteTarget.CHAIN, ca.chain[0]!), 'LOCKED');
      await d.link.refused(Command.WRITE_BEGIN, begin(WriteTarget.TRUST_ANCHORS, ca.chain[0]!), 'LOCKED');
      expect((await readAll(d.link, Command.READ_CERTS, (o) => readCerts(WriteTarget.LEAF, o, 4096))).flags).toBe(1);
      expect(identifyFields(await d.link.ok(Command.IDENTIFY)).store).toBe(0x0b);
      await d.link.ok(Command.HELLO, hello());
      expect((await d.link.ok(Command.SIGN_CHALLENGE, popChallenge())).length).toBe(64);
    },
  },
  // §5: malformed payloads
  {
    name: 'a payload too short for its fields is BAD_REQUEST (§5: "malformed payload")',
    async run(d) {
      await d.link.refused(Command.HELLO, Uint8Array.of(1), 'BAD_REQUEST');
      await d.link.refused(Command.GENERATE_KEY, new Uint8Array(0), 'BAD_REQUEST');
      await d.link.refused(Command.WRITE_BEGIN, Uint8Array.of(0, 0, 0, 0, 9), 'BAD_REQUEST');
      await d.link.refused(Command.COMMIT, new Uint8Array(0), 'BAD_REQUEST');
      await d.link.refused(Command.IDENTIFY, Uint8Array.of(5, 0x41), 'BAD_REQUEST');
      await d.link.ok(Command.GENERATE_KEY, P256);
      await d.link.refused(Command.GET_PUBLIC_KEY, Uint8Array.of(0, 0, 0), 'BAD_REQUEST');
      await d.link.refused(Command.READ_CERTS, Uint8Array.of(0, 0), 'BAD_REQUEST');
    },
  },
  // §4.8 BATCH
  {
    name: 'BATCH: entries in order, one reply each; empty, truncated, or holding HELLO or BATCH is BAD_REQUEST before anything runs',
    async run(d) {
      const entries = encodeBatch([
        { type: Command.IDENTIFY, payload: guard(d.deviceId, d.hardwareSerial) },
        { type: Command.GENERATE_KEY, payload: P256 },
        { type: Command.GET_CSR, payload: csrReq(0, 300, d.deviceId) },
        { type: Command.READ_CERTS, payload: readCerts(WriteTarget.LEAF, 0, 100) },
      ]);
      const reply = decodeBatch(await d.link.ok(Command.BATCH, entries));
      expect(reply.map((e) => e.type)).toEqual([Command.IDENTIFY | RESPONSE_BIT, Command.GENERATE_KEY | RESPONSE_BIT, Command.GET_CSR | RESPONSE_BIT, Command.READ_CERTS | RESPONSE_BIT]);
      expect(identifyFields(reply[0]!.payload).deviceId).toBe(d.deviceId);
      expect(reply[1]!.payload.length).toBe(0);
      const csr = new ByteReader(reply[2]!.payload);
      const total = csr.u32();
      csr.u8();
      expect(csr.remaining).toBe(total);
      expect(await new x509.Pkcs10CertificateRequest(csr.rest()).verify()).toBe(true);
      await d.link.refused(Command.BATCH, new Uint8Array(0), 'BAD_REQUEST');
      await d.link.refused(Command.BATCH, entries.subarray(0, entries.length - 1), 'BAD_REQUEST');
      await d.link.refused(Command.BATCH, encodeBatch([{ type: Command.IDENTIFY, payload: new Uint8Array(0) }, { type: Command.HELLO, payload: hello() }]), 'BAD_REQUEST');
      await d.link.refused(Command.BATCH, encodeBatch([{ type: Command.BATCH, payload: new Uint8Array(0) }]), 'BAD_REQUEST');
      // Refused as a whole: the GENERATE_KEY in front of the HELLO did not run.
      await d.link.refused(Command.BATCH, encodeBatch([{ type: Command.GENERATE_KEY, payload: Uint8Array.of(9) }, { type: Command.HELLO, payload: hello() }]), 'BAD_REQUEST');
    },
  },
  {
    name: 'BATCH: a failing guard stops the batch, the entries behind it do not run (§8 example 13/14)',
    async run(d) {
      const ca = await makeTestCa(1, 10);
      const reply = decodeBatch(
        await d.link.ok(
          Command.BATCH,
          encodeBatch([
            { type: Command.IDENTIFY, payload: guard('someone-else', d.hardwareSerial) },
            { type: Command.WRITE_BEGIN, payload: begin(WriteTarget.CHAIN, ca.chain[0]!) },
          ]),
        ),
      );
      expect(reply).toHaveLength(1);
      expect(reply[0]!.type).toBe(TYPE_ERROR);
      expectError(reply[0]!.payload, Command.IDENTIFY, 'IDENTITY_MISMATCH');
      // No write session was opened behind the failed guard.
      await d.link.refused(Command.WRITE_CHUNK, chunkReq(0, ca.chain[0]!), 'WRITE_SEQUENCE');
      const mid = decodeBatch(await d.link.ok(Command.BATCH, encodeBatch([{ type: Command.IDENTIFY, payload: new Uint8Array(0) }, { type: 0x7e, payload: new Uint8Array(0) }, { type: Command.IDENTIFY, payload: new Uint8Array(0) }])));
      expect(mid.map((e) => e.type)).toEqual([Command.IDENTIFY | RESPONSE_BIT, TYPE_ERROR]);
      expectError(mid[1]!.payload, 0x7e, 'UNKNOWN_COMMAND');
    },
  },
  {
    name: 'BATCH: a write spanning two batches, with the reads behind it; an entry whose reply does not fit is TOO_LARGE and the last',
    async run(d) {
      const ca = await makeTestCa(1, 500);
      const obj = ca.chain[0]!;
      expect(obj.length).toBeGreaterThan(d.maxPayload);
      const cut = 400;
      const first = decodeBatch(await d.link.ok(Command.BATCH, encodeBatch([
        { type: Command.WRITE_BEGIN, payload: begin(WriteTarget.CHAIN, obj) },
        { type: Command.WRITE_CHUNK, payload: chunkReq(0, obj.subarray(0, cut)) },
      ])));
      expect(first.map((e) => e.type)).toEqual([Command.WRITE_BEGIN | RESPONSE_BIT, Command.WRITE_CHUNK | RESPONSE_BIT]);
      const second = decodeBatch(await d.link.ok(Command.BATCH, encodeBatch([
        { type: Command.WRITE_CHUNK, payload: chunkReq(cut, obj.subarray(cut)) },
        { type: Command.WRITE_END, payload: new Uint8Array(0) },
        { type: Command.READ_CERTS, payload: readCerts(WriteTarget.CHAIN, 0, 60) },
        { type: Command.READ_CERTS, payload: readCerts(WriteTarget.CHAIN, 60, 4096) },
        { type: Command.IDENTIFY, payload: new Uint8Array(0) },
      ])));
      expect(second.map((e) => e.type)).toEqual([Command.WRITE_CHUNK | RESPONSE_BIT, Command.WRITE_END | RESPONSE_BIT, Command.READ_CERTS | RESPONSE_BIT, TYPE_ERROR]);
      expectError(second[3]!.payload, Command.READ_CERTS, 'TOO_LARGE');
      const r = new ByteReader(second[2]!.payload);
      expect([r.u32(), r.u8()]).toEqual([obj.length, 0]);
      expect(r.rest()).toEqual(obj.subarray(0, 60));
    },
  },
  {
    name: 'BATCH is UNKNOWN_COMMAND on a device without capability bit 5',
    device: { capabilities: ALL_CAPS & ~CAPABILITY_BITS.batch },
    async run(d) {
      await d.link.refused(Command.BATCH, encodeBatch([{ type: Command.IDENTIFY, payload: new Uint8Array(0) }]), 'UNKNOWN_COMMAND');
    },
  },
  // §2.1 framing
  {
    name: 'framing: garbage and a lone A5 before a frame, a frame split byte by byte, back-to-back frames',
    async run(d) {
      const f = d.link.frame(Command.IDENTIFY);
      await d.link.send(Uint8Array.from([0x00, 0xa5, 0x13, 0xa5, 0xa5, ...f]));
      expect((await d.link.next())!.type).toBe(Command.IDENTIFY | RESPONSE_BIT);
      const g = d.link.frame(Command.HELLO, hello());
      for (const b of g) await d.link.send(Uint8Array.of(b));
      expect((await d.link.next())!.type).toBe(Command.HELLO | RESPONSE_BIT);
    },
  },
  {
    name: 'framing: a bad CRC gets no reply; a false SOF with an oversize or wrong-version header is skipped without waiting for its payload',
    async run(d) {
      const bad = d.link.frame(Command.IDENTIFY);
      bad[bad.length - 1]! ^= 0xff;
      await d.link.send(bad);
      await d.link.silence(300);
      const good = d.link.frame(Command.IDENTIFY);
      await d.link.send(Uint8Array.from([0xa5, 0x5a, 0x01, 0x02, 0x00, 0x09, 0xff, 0xff, ...good]));
      expect((await d.link.next())!.type).toBe(Command.IDENTIFY | RESPONSE_BIT);
      const next = d.link.frame(Command.IDENTIFY);
      await d.link.send(Uint8Array.from([0xa5, 0x5a, 0x07, 0x02, 0x00, 0x09, 0x00, 0x00, ...next]));
      expect((await d.link.next())!.type).toBe(Command.IDENTIFY | RESPONSE_BIT);
    },
  },
  {
    name: 'framing: a real frame inside a false one is recovered when the false one fails its CRC',
    async run(d) {
      const real = d.link.frame(Command.IDENTIFY);
      // A false header claiming exactly as many bytes as the real frame plus 4: its "CRC" then fails and the rescan finds the real one.
      const fake = Uint8Array.from([0xa5, 0x5a, 0x01, 0x02, 0x00, 0x77, 0x00, real.length - 4]);
      await d.link.send(Uint8Array.from([...fake, ...real, 0, 0, 0, 0]));
      const f = await d.link.next();
      expect(f).not.toBeNull();
      expect(f!.type).toBe(Command.IDENTIFY | RESPONSE_BIT);
    },
  },
  {
    name: 'framing: a partial frame is dropped after the 200 ms inter-byte timeout, the next frame is answered',
    async run(d) {
      const f = d.link.frame(Command.IDENTIFY);
      await d.link.send(f.subarray(0, 6));
      await new Promise((r) => setTimeout(r, 400));
      const g = d.link.frame(Command.IDENTIFY);
      await d.link.send(g);
      const got = await d.link.next();
      expect(got!.requestId).toBe(new DataView(g.buffer).getUint16(4));
      expect(crc32(g, 2, g.length - 4)).toBe(new DataView(g.buffer).getUint32(g.length - 4));
    },
  },
  // The station's client against the device: what client.test.ts checks on the simulator.
  {
    name: 'station client: P-384 and RSA-2048 keys, their challenge signatures and CSRs (§4.4, §4.5)',
    async run(d) {
      const client = await d.client();
      try {
        for (const c of [
          { alg: 'P-384' as const, verify: { name: 'ECDSA', hash: 'SHA-384' }, imp: { name: 'ECDSA', namedCurve: 'P-384' }, len: 96 },
          { alg: 'RSA-2048' as const, verify: { name: 'RSASSA-PKCS1-v1_5' }, imp: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, len: 256 },
        ]) {
          await client.generateKey(c.alg);
          const spki = await client.getPublicKey();
          expect(describeSpki(spki).algorithm).toBe(c.alg);
          const challenge = popChallenge();
          const sig = await client.signChallenge(challenge);
          expect(sig.length).toBe(c.len);
          const key = await crypto.subtle.importKey('spki', spki, c.imp, false, ['verify']);
          expect(await crypto.subtle.verify(c.verify, key, sig, challenge)).toBe(true);
          await expectValidCsr(await client.getCsr('dev-x'), 'dev-x', spki);
        }
      } finally {
        await client.close();
      }
    },
  },
  {
    name: 'station client at a 64-byte device buffer: RSA key read in pieces, a multi-certificate chain written and read back',
    device: { maxPayload: 64 },
    async run(d) {
      const client = await d.client();
      try {
        expect((await client.hello()).maxPayload).toBe(64);
        await client.generateKey('RSA-2048');
        const spki = await client.getPublicKey();
        expect(spki.length).toBe(294);
        const ca = await makeTestCa(2, 300);
        await client.writeChain(ca.chain);
        const leaf = await ca.issue(spki, d.deviceId);
        await client.writeLeaf(leaf);
        const back = await client.readCredentials();
        expect(back).toEqual({ leaf, chain: ca.chain, locked: false });
        await client.commit();
        expect((await client.readCredentials()).locked).toBe(true);
      } finally {
        await client.close();
      }
    },
  },
];
