/**
 * DeviceClient over any Transport, speaking docs/device-protocol.md v1.
 * Create it with `ProtocolDeviceClient.start(transport, opts)` (does HELLO) or via
 * openSerialDevice / connectInProcess in ./connect.ts.
 */
import { hash } from 'node:crypto';
import { CustodianError } from '../errors';
import { certificateSpki } from '../pki/certificate-facts';
import { x509 } from '../pki/crypto';
import { keyInfoFromSpki } from '../pki/keys';
import type {
  CsrAfterKeygen,
  DeviceClient,
  DeviceIdentity,
  DeviceKeyAlgorithm,
  DevicePart,
  IdentifyOptions,
  IdentityCheck,
  InstallOptions,
  GeneratedKey,
  InstalledCredentials,
  ReadBackResult,
  StorePlan,
} from './client';
import { FRAME_OVERHEAD, MAX_FRAME_PAYLOAD } from './frame';
import { checkDeviceKey } from './keys';
import {
  ALGORITHM_IDS,
  BATCH_ENTRY_OVERHEAD,
  ByteReader,
  ByteWriter,
  bytesEqual,
  capabilitiesFromMask,
  Command,
  deviceCapabilities,
  commandName,
  concatBytes,
  decodeBatch,
  DEFAULT_TIMEOUTS_MS,
  encodeBatch,
  MAX_CHALLENGE,
  MAX_OBJECT_SIZE,
  MIN_CHALLENGE,
  POP_LABEL,
  PROTOCOL_VERSION,
  protocolError,
  RESPONSE_BIT,
  splitDer,
  storeStateFromByte,
  TYPE_ERROR,
  WRITE_MS_PER_KIB,
  writeTimeoutMs,
  WriteTarget,
  type BatchEntry,
  type CommandName,
  type ProtocolCapability,
} from './protocol';
import type { Transport } from './transport';
import { decodeErrorFrame, RequestQueue, type RequestQueueStats } from './frame-requests';
import { wireTimeMs } from './wire';

export interface DeviceClientOptions {
  /** Line rate used to add wire time to each timeout and to compute the wire floor. Default 115200. */
  baud?: number;
  /** Override named timeouts (ms, excluding wire time; a write's size allowance comes on top). */
  timeouts?: Partial<Record<CommandName, number>>;
  /** Override the write allowance per KiB (WRITE_MS_PER_KIB). */
  writeMsPerKiB?: number;
  interByteTimeoutMs?: number;
  /** Verify CSR self-signature, CN and key in getCsr(). Default true. */
  verifyCsr?: boolean;
  /** Check the key getPublicKey() returns (DEVICE_KEY_WEAK, DEVICE_KEY_MISMATCH). Default true. */
  verifyKeys?: boolean;
}

/** Sizes of what the station expects to read back, so it can plan the reads (docs/device-protocol.md §4.8). */
export interface ReadBackHint {
  leafBytes: number;
  chainBytes: number;
  /** The trust anchors written (revision 1.1); absent when none are read back. */
  anchorsBytes?: number;
  /** Size of the device key's challenge signature (§4.5: P1363 ECDSA or RSA), to reserve room for it. */
  signatureBytes: number;
}

/** This protocol always signs the final challenge with the read-back. */
export type SignedReadBack = ReadBackResult & { signature: Uint8Array };

/** The IDENTIFY answer as the protocol has it (§4.2): the workflow's identity, plus what only this protocol knows. */
export interface ProtocolIdentity extends DeviceIdentity {
  protocolVersion: number;
  protocolCapabilities: ProtocolCapability[];
  /** Maximum payload bytes the device accepts in one frame (chunk size for writes). */
  maxPayload: number;
}

export interface HelloInfo {
  protocolVersion: number;
  maxPayload: number;
  /** Random per device boot; a change within a session means the device reset. */
  bootId: number;
}

export interface DeviceSessionStats extends RequestQueueStats {
  baud: number;
  /** Wire floor for all bytes moved so far: (sent + received) × 10 / baud. */
  wireTimeMs: number;
}

/** One request inside a BATCH (§4.8). */
interface SubRequest {
  name: CommandName;
  payload: Uint8Array;
  /** The part of a multi-part call it serves (its errors name it). */
  part?: DevicePart;
  /** Its own timeout when it is not the command's named one (writes, by size). */
  timeoutMs?: number;
}

/** `e`, naming `part` in its details unless it names one already (the innermost part wins). */
function inPart(e: unknown, part: DevicePart | undefined): unknown {
  if (part === undefined || !(e instanceof CustodianError) || e.details.part !== undefined) return e;
  return new CustodianError(e.code, e.message, { ...e.details, part }, { cause: e.cause });
}

/** Chunk reply header: u32 total, u8 flags. */
const CHUNK_HEADER = 5;
/** Room kept for an IDENTIFY reply beyond the session's first one (a changed identity may be longer). */
const IDENTITY_SLACK = 64;
/** A read chunk smaller than this is not worth an entry; it goes in the next frame. */
const MIN_READ_CHUNK = 32;

const EMPTY = new Uint8Array(0);
/** Largest SIGN_CHALLENGE reply (§4.5): RSA-4096. */
const MAX_SIGNATURE = 512;

/** A device object read in chunks (§4.4), validated as each chunk arrives. */
class ObjectRead {
  private readonly parts: Uint8Array[] = [];
  offset = 0;
  total = -1;
  flags = 0;
  constructor(readonly name: CommandName) {}

  get done(): boolean {
    return this.total !== -1 && this.offset >= this.total;
  }

  /** A chunk reply for a request at `this.offset` with `maxLen`. */
  take(reply: Uint8Array, maxLen: number): void {
    if (reply.length < CHUNK_HEADER) throw protocolError(`${this.name}: payload too short (need ${CHUNK_HEADER}, have ${reply.length})`, { command: this.name });
    const total = ((reply[0]! << 24) | (reply[1]! << 16) | (reply[2]! << 8) | reply[3]!) >>> 0;
    const data = reply.subarray(CHUNK_HEADER);
    if (this.total === -1) {
      if (total > MAX_OBJECT_SIZE) throw protocolError(`${this.name}: object of ${total} bytes exceeds ${MAX_OBJECT_SIZE}`);
      this.total = total;
    } else if (total !== this.total) {
      throw protocolError(`${this.name}: object size changed during read (${this.total} → ${total})`);
    }
    if (data.length > maxLen || this.offset + data.length > this.total || (data.length === 0 && this.offset < this.total)) {
      throw protocolError(`${this.name}: bad chunk of ${data.length} bytes at ${this.offset}/${this.total}`);
    }
    this.flags = reply[4]!;
    this.parts.push(data.slice());
    this.offset += data.length;
  }

  get data(): Uint8Array {
    return this.parts.length === 1 ? this.parts[0]! : concatBytes(this.parts);
  }
}

const chunkRequest = (prefix: Uint8Array, offset: number, maxLen: number, suffix: Uint8Array = EMPTY): Uint8Array =>
  new ByteWriter().bytes(prefix).u32(offset).u16(maxLen).bytes(suffix).build();

export class ProtocolDeviceClient implements DeviceClient {
  private readonly queue: RequestQueue;
  private readonly baud: number;
  private readonly timeouts: Record<CommandName, number>;
  private readonly verifyCsr: boolean;
  private readonly verifyKeys: boolean;
  private readonly writeMsPerKiB: number;
  private helloInfo: HelloInfo | null = null;
  /** The IDENTIFY response HELLO carried (§4.1), until the next request: identify() answers with it. */
  private announced: ProtocolIdentity | null = null;
  private firstIdentity: ProtocolIdentity | null = null;
  private generated: DeviceKeyAlgorithm | null = null;

  private constructor(
    readonly transport: Transport,
    opts: DeviceClientOptions,
  ) {
    this.baud = opts.baud ?? 115200;
    if (!(this.baud > 0)) throw new RangeError(`baud must be > 0, got ${this.baud}`);
    this.timeouts = { ...DEFAULT_TIMEOUTS_MS, ...opts.timeouts };
    this.verifyCsr = opts.verifyCsr ?? true;
    this.verifyKeys = opts.verifyKeys ?? true;
    this.writeMsPerKiB = opts.writeMsPerKiB ?? WRITE_MS_PER_KIB;
    this.queue = new RequestQueue(transport, opts.interByteTimeoutMs !== undefined ? { interByteTimeoutMs: opts.interByteTimeoutMs } : {});
  }

  /** Attach to a transport and perform HELLO. Closes the transport if HELLO fails. */
  static async start(transport: Transport, opts: DeviceClientOptions = {}): Promise<ProtocolDeviceClient> {
    const c = new ProtocolDeviceClient(transport, opts);
    try {
      await c.hello();
    } catch (e) {
      await c.close().catch(() => undefined);
      throw e;
    }
    return c;
  }

  get session(): { hello: HelloInfo | null; identity: ProtocolIdentity | null } {
    return { hello: this.helloInfo, identity: this.firstIdentity };
  }

  stats(): DeviceSessionStats {
    const s = { ...this.queue.stats };
    return { ...s, baud: this.baud, wireTimeMs: wireTimeMs(s.bytesSent + s.bytesReceived, this.baud) };
  }

  /** Wire time of a request of `n` payload bytes and the largest reply the device may send (its HELLO limit). */
  private wireAllowanceMs(n: number): number {
    return wireTimeMs(n + 2 * FRAME_OVERHEAD + (this.helloInfo?.maxPayload ?? MAX_FRAME_PAYLOAD), this.baud);
  }

  private call(name: CommandName, payload: Uint8Array = new Uint8Array(0), timeoutMs: number = this.timeouts[name]): Promise<Uint8Array> {
    this.announced = null;
    const wire = this.wireAllowanceMs(payload.length);
    return this.queue.request(Command[name], payload, { name, timeoutMs: Math.ceil(timeoutMs + wire) });
  }

  /** `fn`, its errors naming `part` (DevicePart) unless a part inside it named one already. */
  private async within<T>(part: DevicePart, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw inPart(e, part);
    }
  }

  private decode<T>(name: CommandName, payload: Uint8Array, fn: (r: ByteReader) => T): T {
    try {
      return fn(new ByteReader(payload));
    } catch (e) {
      if (e instanceof CustodianError) throw new CustodianError(e.code, `${name}: ${e.message}`, { command: name, ...e.details });
      throw protocolError(`${name}: ${String(e)}`, { command: name });
    }
  }

  async hello(): Promise<HelloInfo> {
    const req = new ByteWriter().u8(PROTOCOL_VERSION).u8(PROTOCOL_VERSION).u16(MAX_FRAME_PAYLOAD).build();
    let identity: Uint8Array | null = null;
    const info = this.decode('HELLO', await this.call('HELLO', req), (r) => {
      const h = { protocolVersion: r.u8(), maxPayload: r.u16(), bootId: r.u32() };
      if (r.remaining > 0) identity = r.rest(); // optional: the IDENTIFY response (§4.1)
      return h;
    });
    if (info.protocolVersion !== PROTOCOL_VERSION) {
      throw new CustodianError('DEVICE_PROTOCOL_VERSION', `device chose protocol ${info.protocolVersion}, station speaks ${PROTOCOL_VERSION}`, {
        deviceVersion: info.protocolVersion,
      });
    }
    if (info.maxPayload < 64 || info.maxPayload > MAX_FRAME_PAYLOAD) throw protocolError(`device max payload ${info.maxPayload} out of range 64..${MAX_FRAME_PAYLOAD}`);
    if (this.helloInfo && this.helloInfo.bootId !== info.bootId) {
      throw new CustodianError('DEVICE_RESET', 'device rebooted during the session', { before: this.helloInfo.bootId, after: info.bootId });
    }
    this.helloInfo = info;
    this.queue.maxOutgoingPayload = info.maxPayload;
    if (identity) this.announced = this.acceptIdentity(this.decodeIdentity(identity));
    return info;
  }

  private get maxPayload(): number {
    return this.helloInfo?.maxPayload ?? 64;
  }

  private decodeIdentity(payload: Uint8Array): ProtocolIdentity {
    return this.decode('IDENTIFY', payload, (r) => {
      const deviceId = r.str8();
      const hardwareSerial = r.str8();
      const model = r.str8();
      const firmware = r.str8();
      const protocolVersion = r.u8();
      const protocolCapabilities = capabilitiesFromMask(r.u16());
      const maxPayload = r.u16();
      const identity: ProtocolIdentity = {
        driver: 'custodian',
        deviceId: deviceId || hardwareSerial,
        hardwareSerial,
        model,
        firmware,
        capabilities: deviceCapabilities(protocolCapabilities),
        facts: { protocolVersion: String(protocolVersion) },
        protocolVersion,
        protocolCapabilities,
        maxPayload,
      };
      if (r.remaining > 0) identity.store = storeStateFromByte(r.u8()); // optional trailing field (§4.2)
      return identity;
    });
  }

  /** An identity the device just reported: refuse it if it is not the session's first (or `expected`). */
  private acceptIdentity(id: ProtocolIdentity, expected?: DeviceIdentity): ProtocolIdentity {
    const first = expected ?? this.firstIdentity;
    if (first && (first.deviceId !== id.deviceId || first.hardwareSerial !== id.hardwareSerial)) {
      throw new CustodianError('DEVICE_IDENTITY_CHANGED', `device identity changed from ${first.deviceId} to ${id.deviceId}`, {
        before: first.deviceId,
        after: id.deviceId,
        hardwareSerialBefore: first.hardwareSerial,
        hardwareSerialAfter: id.hardwareSerial,
      });
    }
    this.firstIdentity ??= id;
    return id;
  }

  /**
   * Who the device is. Right after a HELLO that carried the IDENTIFY response
   * (nothing asked since), that answer is the one an IDENTIFY would get now,
   * unless `fresh` asks the device all the same.
   */
  async identify(opts: IdentifyOptions = {}): Promise<ProtocolIdentity> {
    const announced = this.announced;
    if (announced && !opts.fresh) {
      this.announced = null;
      return announced;
    }
    return this.acceptIdentity(this.decodeIdentity(await this.call('IDENTIFY')));
  }

  /** Plain IDENTIFY, checked against `expected` (devices without BATCH, and reads that outgrew one frame). */
  private async confirmIdentity(expected: DeviceIdentity): Promise<void> {
    this.acceptIdentity(this.decodeIdentity(await this.call('IDENTIFY')), expected);
  }

  /** The device takes BATCH and the guarded IDENTIFY (capability `batch`, §4.8). */
  private get canBatch(): boolean {
    return this.firstIdentity?.protocolCapabilities.includes('batch') === true;
  }

  /** The device stores the hub's TLS server roots (capability `trust-anchors`, revision 1.1: target 0x02). */
  get canStoreTrustAnchors(): boolean {
    return this.firstIdentity?.protocolCapabilities.includes('trust-anchors') === true;
  }

  /** Largest BATCH payload either way: the device's buffer, and the station's (HELLO). */
  private get batchBudget(): number {
    return Math.min(this.maxPayload, MAX_FRAME_PAYLOAD);
  }

  /** A guarded IDENTIFY entry (§4.8): the device refuses it with IDENTITY_MISMATCH unless it is `id`. */
  private guard(id: DeviceIdentity, part?: DevicePart): SubRequest {
    return { name: 'IDENTIFY', payload: new ByteWriter().str8(id.deviceId).str8(id.hardwareSerial).build(), ...(part ? { part } : {}) };
  }

  /** Reply room an IDENTIFY entry needs: the session's identity as encoded, plus slack. */
  private identityReplyBytes(id: DeviceIdentity): number {
    const len = (s: string): number => 1 + Buffer.byteLength(s);
    // Four str8 fields, then u8 protocol version, u16 capabilities, u16 max payload, u8 store state.
    return BATCH_ENTRY_OVERHEAD + len(id.deviceId) + len(id.hardwareSerial) + len(id.model) + len(id.firmware) + 6 + IDENTITY_SLACK;
  }

  /**
   * One BATCH exchange: the entries' replies in order. An entry the device
   * refused throws the same error the command would alone (the device ran
   * nothing after it), naming the entry's part; a reply that did not come, or
   * did not decode, names the first entry's part (nothing in it is known to
   * have run). The batch is allowed the sum of its entries' timeouts.
   */
  private async batch(entries: readonly SubRequest[]): Promise<Uint8Array[]> {
    this.announced = null;
    const payload = encodeBatch(entries.map((e) => ({ type: Command[e.name], payload: e.payload })));
    let timeout = 0;
    for (const e of entries) timeout += e.timeoutMs ?? this.timeouts[e.name];
    const wire = this.wireAllowanceMs(payload.length);
    const name = `BATCH[${entries.map((e) => e.name).join(',')}]`;
    let parts: BatchEntry[];
    try {
      const reply = await this.queue.request(Command.BATCH, payload, { name, timeoutMs: Math.ceil(Math.max(timeout, this.timeouts.BATCH) + wire) });
      parts = this.decode('BATCH', reply, () => decodeBatch(reply));
    } catch (e) {
      throw inPart(e, entries[0]?.part);
    }
    const out: Uint8Array[] = [];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      const e = entries[i];
      if (!e) break;
      if (p.type === TYPE_ERROR) throw inPart(decodeErrorFrame(p.payload, e.name), e.part);
      if (p.type !== (Command[e.name] | RESPONSE_BIT)) {
        throw inPart(protocolError(`${name}: reply ${i} is ${commandName(p.type)}, expected ${e.name}`, { command: 'BATCH', entry: i }), e.part);
      }
      out.push(p.payload);
    }
    if (parts.length !== entries.length) {
      const missing = entries[Math.min(parts.length, entries.length - 1)];
      throw inPart(protocolError(`${name}: ${parts.length} replies for ${entries.length} requests`, { command: 'BATCH' }), missing?.part);
    }
    return out;
  }

  async generateKey(algorithm: DeviceKeyAlgorithm, opts: CsrAfterKeygen = {}): Promise<GeneratedKey> {
    const id = ALGORITHM_IDS[algorithm];
    if (id === undefined) throw new CustodianError('DEVICE_BAD_ARGUMENT', `unknown key algorithm ${String(algorithm)}`);
    this.generated = null;
    const keygen: SubRequest = { name: 'GENERATE_KEY', payload: new ByteWriter().u8(id).build(), part: 'keygen' };
    if (opts.csr !== undefined && this.canBatch) {
      // The new key's CSR (and the identity check after it) in the keygen's own exchange.
      return { csr: await this.fetchCsr(opts.csr, opts.confirm, { request: keygen, done: () => (this.generated = algorithm) }) };
    }
    await this.within('keygen', () => this.send(keygen));
    this.generated = algorithm;
    return { csr: opts.csr === undefined ? null : await this.getCsr(opts.csr, opts) };
  }

  /** Read the rest of a device object one chunk per request: [prefix][u32 offset][u16 maxLen][suffix] → [u32 total][u8 flags][data]. */
  private async readRest(obj: ObjectRead, prefix: Uint8Array, suffix: Uint8Array = EMPTY): Promise<ObjectRead> {
    const maxLen = this.maxPayload - CHUNK_HEADER;
    do {
      obj.take(await this.call(obj.name, chunkRequest(prefix, obj.offset, maxLen, suffix)), maxLen);
    } while (!obj.done);
    return obj;
  }

  async getPublicKey(): Promise<Uint8Array> {
    const { data } = await this.readRest(new ObjectRead('GET_PUBLIC_KEY'), EMPTY);
    if (this.verifyKeys) checkDeviceKey(data, this.generated);
    return data;
  }

  async getCsr(commonName: string, opts: IdentityCheck = {}): Promise<Uint8Array> {
    return this.fetchCsr(commonName, opts.confirm, null);
  }

  /**
   * GET_CSR; with `confirm`, the identity check after it; with `before`, a
   * request that runs first in the same exchange (GENERATE_KEY). On a device
   * that batches, all of it is one frame, the CSR's first chunk as large as
   * the frame allows. Its failures name part 'csr'; those of `before`, its own.
   */
  private fetchCsr(commonName: string, confirm: DeviceIdentity | undefined, before: { request: SubRequest; done: () => void } | null): Promise<Uint8Array> {
    return this.within('csr', () => this.fetchCsrParts(commonName, confirm, before));
  }

  private async fetchCsrParts(commonName: string, confirm: DeviceIdentity | undefined, before: { request: SubRequest; done: () => void } | null): Promise<Uint8Array> {
    const cnBytes = new TextEncoder().encode(commonName).length;
    if (cnBytes === 0 || cnBytes > 64) {
      throw new CustodianError('DEVICE_BAD_ARGUMENT', `common name must be 1..64 bytes of UTF-8 (RFC 5280 ub-common-name), got ${cnBytes}`);
    }
    const cn = new ByteWriter().str8(commonName).build();
    const obj = new ObjectRead('GET_CSR');
    if ((confirm || before) && this.canBatch) {
      const entries: SubRequest[] = before ? [before.request] : [];
      let room = this.batchBudget - (entries.length + 1) * BATCH_ENTRY_OVERHEAD - CHUNK_HEADER;
      if (confirm) room -= this.identityReplyBytes(confirm);
      const maxLen = Math.min(this.maxPayload - CHUNK_HEADER, room);
      const csrAt = entries.push({ name: 'GET_CSR', payload: chunkRequest(EMPTY, 0, maxLen, cn), part: 'csr' }) - 1;
      if (confirm) entries.push(this.guard(confirm, 'csr'));
      const replies = await this.batch(entries);
      before?.done();
      obj.take(replies[csrAt]!, maxLen);
      if (confirm) this.acceptIdentity(this.decodeIdentity(replies[csrAt + 1]!), confirm);
      if (!obj.done) {
        await this.readRest(obj, EMPTY, cn);
        if (confirm) await this.confirmIdentity(confirm); // the check comes after the whole CSR
      }
    } else {
      if (before) {
        const { request } = before;
        await this.within(request.part ?? 'csr', () => this.send(request));
        before.done();
      }
      await this.readRest(obj, EMPTY, cn);
      if (confirm) await this.confirmIdentity(confirm);
    }
    const data = obj.data;
    if (!this.verifyCsr) return data;
    let csr: x509.Pkcs10CertificateRequest;
    try {
      csr = new x509.Pkcs10CertificateRequest(data);
    } catch (e) {
      throw new CustodianError('DEVICE_CSR_INVALID', 'device CSR does not parse as PKCS#10', {}, { cause: e });
    }
    checkDeviceKey(new Uint8Array(csr.publicKey.rawData), this.generated);
    const cns = csr.subjectName.getField('CN');
    if (cns.length !== 1 || cns[0] !== commonName) {
      throw new CustodianError('DEVICE_CSR_CN_MISMATCH', `CSR subject CN is ${JSON.stringify(cns)}, requested ${commonName}`, {
        requested: commonName,
        got: cns,
      });
    }
    let ok = false;
    try {
      ok = await csr.verify();
    } catch {
      ok = false;
    }
    if (!ok) throw new CustodianError('DEVICE_CSR_INVALID', 'device CSR self-signature does not verify', { commonName });
    return data;
  }

  private checkChallenge(challenge: Uint8Array): void {
    if (challenge.length < MIN_CHALLENGE || challenge.length > MAX_CHALLENGE || !bytesEqual(challenge.subarray(0, POP_LABEL.length), POP_LABEL)) {
      throw new CustodianError(
        'DEVICE_BAD_ARGUMENT',
        `challenge must start with "custodian-pop-v1\\0" and be ${MIN_CHALLENGE}..${MAX_CHALLENGE} bytes`,
        { length: challenge.length },
      );
    }
  }

  async signChallenge(challenge: Uint8Array, opts: IdentityCheck = {}): Promise<Uint8Array> {
    this.checkChallenge(challenge);
    const confirm = opts.confirm;
    if (confirm && this.canBatch) {
      const [signature] = await this.sendFrame([{ name: 'SIGN_CHALLENGE', payload: challenge }, this.guard(confirm)], confirm, 1);
      return signature!;
    }
    const signature = await this.call('SIGN_CHALLENGE', challenge);
    if (confirm) await this.confirmIdentity(confirm);
    return signature;
  }

  /**
   * WRITE_BEGIN and WRITE_END for one object (§4.6); WRITE_END, which
   * verifies and programs the whole object, is allowed time by its size.
   */
  private writeRequests(target: number, data: Uint8Array): { begin: SubRequest; data: Uint8Array; end: SubRequest } {
    if (data.length === 0 || data.length > MAX_OBJECT_SIZE) {
      throw new CustodianError('DEVICE_BAD_ARGUMENT', `object must be 1..${MAX_OBJECT_SIZE} bytes, got ${data.length}`);
    }
    const sha = hash('sha256', data, 'buffer');
    return {
      begin: { name: 'WRITE_BEGIN', payload: new ByteWriter().u8(target).u32(data.length).bytes(sha).build(), part: 'write' },
      data,
      end: { name: 'WRITE_END', payload: EMPTY, part: 'write', timeoutMs: writeTimeoutMs(this.timeouts.WRITE_END, data.length, this.writeMsPerKiB) },
    };
  }

  /** A WRITE_CHUNK request (§4.6): u32 offset, then the bytes; allowed time by its size. */
  private writeChunk(offset: number, bytes: Uint8Array): SubRequest {
    const payload = new ByteWriter().u32(offset).bytes(bytes).build();
    return { name: 'WRITE_CHUNK', payload, part: 'write', timeoutMs: writeTimeoutMs(this.timeouts.WRITE_CHUNK, bytes.length, this.writeMsPerKiB) };
  }

  /** One request in a frame of its own, with its timeout. */
  private send(r: SubRequest): Promise<Uint8Array> {
    return this.call(r.name, r.payload, r.timeoutMs);
  }

  private async writeObject(target: number, data: Uint8Array): Promise<void> {
    const w = this.writeRequests(target, data);
    const step = this.maxPayload - 4;
    await this.send(w.begin);
    for (let off = 0; off < data.length; off += step) await this.send(this.writeChunk(off, data.subarray(off, off + step)));
    await this.send(w.end);
  }

  async writeLeaf(certificateDer: Uint8Array): Promise<void> {
    await this.writeObject(WriteTarget.LEAF, certificateDer);
  }

  async writeChain(chainDer: Uint8Array[]): Promise<void> {
    await this.writeObject(WriteTarget.CHAIN, concatBytes(chainDer));
  }

  /** Write the hub's TLS server roots (target 0x02, revision 1.1), concatenated DER; DEVICE_UNSUPPORTED on a device without `trust-anchors`. */
  async writeTrustAnchors(anchorsDer: Uint8Array[]): Promise<void> {
    if (!this.canStoreTrustAnchors) throw new CustodianError('DEVICE_UNSUPPORTED', 'this device does not store trust anchors (no capability trust-anchors)', { capability: 'trust-anchors' });
    await this.writeObject(WriteTarget.TRUST_ANCHORS, concatBytes(anchorsDer));
  }

  /**
   * Refuses, before anything is signed, a chain or trust bundle larger than
   * one object can be (§4.6: 16 KiB). Anchors count only where the device stores them.
   */
  assertFits(plan: StorePlan): void {
    const objects: Array<[string, number]> = [['chain', plan.chain.reduce((n, c) => n + c.length, 0)]];
    if (this.canStoreTrustAnchors) objects.push(['trust anchors', plan.trustAnchors.reduce((n, c) => n + c.length, 0)]);
    for (const [object, bytes] of objects) {
      if (bytes > MAX_OBJECT_SIZE) {
        throw new CustodianError('DEVICE_BAD_ARGUMENT', `the ${object} would take ${bytes} bytes; a device object holds at most ${MAX_OBJECT_SIZE}`, { object, bytes, max: MAX_OBJECT_SIZE });
      }
    }
  }

  /**
   * Write the leaf, then the chain, then the trust anchors when given (the
   * device must store them); with `confirm`, the device first confirms it is
   * still that device and writes nothing if not.
   */
  async writeCredentials(leafDer: Uint8Array, chainDer: Uint8Array[], opts: IdentityCheck & { trustAnchors?: Uint8Array[] } = {}): Promise<void> {
    const confirm = opts.confirm;
    const anchors = opts.trustAnchors?.length ? opts.trustAnchors : null;
    if (anchors && !this.canStoreTrustAnchors) throw new CustodianError('DEVICE_UNSUPPORTED', 'this device does not store trust anchors (no capability trust-anchors)', { capability: 'trust-anchors' });
    if (!this.canBatch) {
      if (confirm) await this.confirmIdentity(confirm);
      await this.writeLeaf(leafDer);
      await this.writeChain(chainDer);
      if (anchors) await this.writeTrustAnchors(anchors);
      return;
    }
    for (const f of this.planWrites(leafDer, chainDer, confirm, anchors)) await this.sendFrame(f, confirm);
  }

  /**
   * Writes and reads back the trust anchors too where the device stores them
   * (revision 1.1). A device without `trust-anchors` is provisioned all the
   * same: nothing is sent for them, and `installed.trustAnchors` stays
   * undefined, so the run's record shows they were not installed.
   */
  async install(leafDer: Uint8Array, chainDer: Uint8Array[], opts: InstallOptions): Promise<SignedReadBack> {
    const challenge = opts.challenge;
    if (challenge === undefined) throw new CustodianError('DEVICE_BAD_ARGUMENT', 'this protocol proves an install with the final challenge: install needs one');
    this.checkChallenge(challenge);
    const anchors = opts.trustAnchors?.length && this.canStoreTrustAnchors ? opts.trustAnchors : null;
    const hint = readBackHint(leafDer, chainDer, anchors);
    if (!this.canBatch) {
      await this.within('write', () => this.writeCredentials(leafDer, chainDer, { ...(opts.confirm ? { confirm: opts.confirm } : {}), ...(anchors ? { trustAnchors: anchors } : {}) }));
      return this.within('read-back', () => this.readBack(challenge, hint));
    }
    const frames = this.planWrites(leafDer, chainDer, opts.confirm, anchors);
    const last = frames.pop()!;
    for (const f of frames) await this.within('write', () => this.sendFrame(f, opts.confirm));
    // The read-back and the final challenge ride in the last write frame when
    // both buffers have room: the device runs them after the writes, as it
    // would in frames of their own.
    return this.readBackAfter(last, challenge, hint, opts.confirm);
  }

  /**
   * The same requests as writeLeaf + writeChain (after a guarded IDENTIFY),
   * packed into as few frames as the device buffer allows, a chunk split
   * wherever a frame fills up.
   */
  private planWrites(leafDer: Uint8Array, chainDer: Uint8Array[], confirm: DeviceIdentity | undefined, anchors: Uint8Array[] | null = null): SubRequest[][] {
    const budget = this.batchBudget;
    const frames: SubRequest[][] = [];
    let frame: SubRequest[] = [];
    let used = 0;
    const next = (): void => {
      frames.push(frame);
      frame = [];
      used = 0;
    };
    const add = (e: SubRequest): void => {
      if (used + BATCH_ENTRY_OVERHEAD + e.payload.length > budget) next();
      frame.push(e);
      used += BATCH_ENTRY_OVERHEAD + e.payload.length;
    };
    // Data bytes a WRITE_CHUNK entry (u32 offset + data) can carry in the current frame.
    const chunkRoom = (): number => Math.min(budget - used - BATCH_ENTRY_OVERHEAD - 4, this.maxPayload - 4);
    if (confirm) add(this.guard(confirm, 'write'));
    const objects = [this.writeRequests(WriteTarget.LEAF, leafDer), this.writeRequests(WriteTarget.CHAIN, concatBytes(chainDer))];
    if (anchors) objects.push(this.writeRequests(WriteTarget.TRUST_ANCHORS, concatBytes(anchors)));
    for (const w of objects) {
      add(w.begin);
      for (let off = 0; off < w.data.length; ) {
        if (chunkRoom() < MIN_READ_CHUNK && chunkRoom() < w.data.length - off) next();
        const n = Math.min(chunkRoom(), w.data.length - off);
        add(this.writeChunk(off, w.data.subarray(off, off + n)));
        off += n;
      }
      add(w.end);
    }
    frames.push(frame);
    return frames;
  }

  /** One BATCH frame; the guarded IDENTIFY at `guardAt` (the first entry by default), if there, has its answer checked against `confirm`. */
  private async sendFrame(f: readonly SubRequest[], confirm: DeviceIdentity | undefined, guardAt = 0): Promise<Uint8Array[]> {
    const replies = await this.batch(f);
    const guard = f[guardAt];
    if (confirm && guard?.name === 'IDENTIFY') {
      try {
        this.acceptIdentity(this.decodeIdentity(replies[guardAt]!), confirm);
      } catch (e) {
        throw inPart(e, guard.part);
      }
    }
    return replies;
  }

  /**
   * What the device holds: the leaf, the chain, and the trust anchors where
   * it stores some (`trustAnchors` is left out when it holds none or cannot store them).
   */
  async readCredentials(): Promise<InstalledCredentials> {
    const { trustAnchors, ...held } = await this.readObjects(this.canStoreTrustAnchors);
    return trustAnchors?.length ? { ...held, trustAnchors } : held;
  }

  /** The leaf and chain, and the trust anchors when `anchors`: BATCHed where the device can. */
  private async readObjects(anchors: boolean): Promise<InstalledCredentials> {
    if (this.canBatch) return (await this.readStore(null, undefined, [], undefined, undefined, anchors)).installed;
    const leaf = await this.readRest(new ObjectRead('READ_CERTS'), Uint8Array.of(WriteTarget.LEAF));
    const chain = await this.readRest(new ObjectRead('READ_CERTS'), Uint8Array.of(WriteTarget.CHAIN));
    const trust = anchors ? await this.readRest(new ObjectRead('READ_CERTS'), Uint8Array.of(WriteTarget.TRUST_ANCHORS)) : null;
    return installedFrom(leaf, chain, trust);
  }

  /**
   * The installed leaf and chain (and the trust anchors, when the hint says
   * some were written), and the device's signature over `challenge`, in as
   * few exchanges as the sizes allow.
   */
  async readBack(challenge: Uint8Array, hint?: ReadBackHint): Promise<SignedReadBack> {
    this.checkChallenge(challenge);
    const anchors = readsAnchors(hint);
    // The signature shares the first frame with the reads when both fit the buffers.
    if (this.canBatch && this.readBackFits([], challenge, hint, undefined)) {
      try {
        const r = await this.readStore(challenge, hint, [], undefined, undefined, anchors);
        return { installed: r.installed, signature: r.signature! };
      } catch (e) {
        // A signature larger than the hint said overflowed the frame: these requests are all read-only, so ask again one by one.
        if (!(e instanceof CustodianError && e.code === 'DEVICE_ERROR_TOO_LARGE')) throw e;
      }
    }
    const signature = await this.call('SIGN_CHALLENGE', challenge);
    return { installed: await this.readObjects(anchors), signature };
  }

  /** Largest reply `entries` can get: a guarded IDENTIFY's answer, empty replies otherwise (writes). */
  private replyBytes(entries: readonly SubRequest[], confirm: DeviceIdentity | undefined): number {
    return entries.reduce((n, e) => n + (e.name === 'IDENTIFY' && confirm ? this.identityReplyBytes(confirm) : BATCH_ENTRY_OVERHEAD), 0);
  }

  /**
   * Whether `before`, SIGN_CHALLENGE and the first READ_CERTS of every object
   * read back fit one frame: the requests in the device's buffer, and the
   * replies, with room for the signature and a useful first chunk of each object.
   */
  private readBackFits(before: readonly SubRequest[], challenge: Uint8Array, hint: ReadBackHint | undefined, confirm: DeviceIdentity | undefined): boolean {
    const n = readsAnchors(hint) ? 3 : 2;
    const requestBytes = before.reduce((k, e) => k + BATCH_ENTRY_OVERHEAD + e.payload.length, 0) + BATCH_ENTRY_OVERHEAD + challenge.length + n * (BATCH_ENTRY_OVERHEAD + 7);
    const replyRoom = this.batchBudget - this.replyBytes(before, confirm) - BATCH_ENTRY_OVERHEAD - (hint?.signatureBytes ?? MAX_SIGNATURE);
    return requestBytes <= this.maxPayload && replyRoom >= n * (BATCH_ENTRY_OVERHEAD + CHUNK_HEADER + MIN_READ_CHUNK);
  }

  /** `writes` (the last write frame), then the read-back and the challenge: in that frame when it has room for them. */
  private async readBackAfter(writes: SubRequest[], challenge: Uint8Array, hint: ReadBackHint | undefined, confirm: DeviceIdentity | undefined): Promise<SignedReadBack> {
    if (this.readBackFits(writes, challenge, hint, confirm)) {
      const r = await this.readStore(challenge, hint, writes, confirm, 'read-back', readsAnchors(hint));
      return { installed: r.installed, signature: r.signature! };
    }
    await this.within('write', () => this.sendFrame(writes, confirm));
    return this.within('read-back', () => this.readBack(challenge, hint));
  }

  /**
   * The leaf and chain, the trust anchors with `anchors` (and the
   * challenge's signature) in BATCH frames: the first frame asks for the
   * signature and the start of every object, sized by the hint; later frames
   * for what remains of the objects' actual sizes. Its own requests, and
   * what their replies hold, name `part`; `before` keeps its own.
   */
  private async readStore(
    challenge: Uint8Array | null,
    hint: ReadBackHint | undefined,
    before: readonly SubRequest[],
    confirm: DeviceIdentity | undefined,
    part: DevicePart | undefined,
    anchors: boolean,
  ): Promise<{ installed: InstalledCredentials; signature: Uint8Array | null }> {
    try {
      return await this.readStoreFrames(challenge, hint, before, confirm, part, anchors);
    } catch (e) {
      throw inPart(e, part);
    }
  }

  private async readStoreFrames(
    challenge: Uint8Array | null,
    hint: ReadBackHint | undefined,
    before: readonly SubRequest[],
    confirm: DeviceIdentity | undefined,
    part: DevicePart | undefined,
    anchors: boolean,
  ): Promise<{ installed: InstalledCredentials; signature: Uint8Array | null }> {
    const own = part ? { part } : {};
    const budget = this.batchBudget;
    const targets: number[] = anchors ? [WriteTarget.LEAF, WriteTarget.CHAIN, WriteTarget.TRUST_ANCHORS] : [WriteTarget.LEAF, WriteTarget.CHAIN];
    const objects = targets.map((t) => ({ prefix: Uint8Array.of(t), read: new ObjectRead('READ_CERTS') }));
    const first: SubRequest[] = [...before];
    let room = budget - this.replyBytes(before, confirm);
    if (challenge) {
      first.push({ name: 'SIGN_CHALLENGE', payload: challenge, ...own });
      room -= BATCH_ENTRY_OVERHEAD + (hint?.signatureBytes ?? MAX_SIGNATURE);
    }
    const entryMax = this.maxPayload - CHUNK_HEADER;
    const perEntry = BATCH_ENTRY_OVERHEAD + CHUNK_HEADER;
    const n = objects.length;
    // Each object's first chunk: what the hint expects (an equal share without one), the last one the rest, every one at least a byte.
    const wants = [hint?.leafBytes, hint?.chainBytes];
    const lens: number[] = [];
    let used = 0;
    for (let i = 0; i < n; i++) {
      const left = room - n * perEntry - used;
      const len = i < n - 1
        ? Math.max(1, Math.min(entryMax, wants[i] ?? Math.floor(room / n) - perEntry, left - (n - 1 - i)))
        : Math.max(1, Math.min(entryMax, left));
      lens.push(len);
      used += len;
    }
    objects.forEach((o, i) => first.push({ name: 'READ_CERTS', payload: chunkRequest(o.prefix, 0, lens[i]!), ...own }));
    const replies = await this.sendFrame(first, confirm);
    let k = before.length;
    const signature = challenge ? replies[k++]! : null;
    objects.forEach((o, i) => o.read.take(replies[k++]!, lens[i]!));
    // The rest, planned from the sizes the device reported.
    for (;;) {
      const frame: SubRequest[] = [];
      const asked: Array<{ read: ObjectRead; maxLen: number }> = [];
      let left = budget;
      for (const o of objects) {
        const want = o.read.total - o.read.offset;
        if (want <= 0 || left - perEntry < Math.min(want, MIN_READ_CHUNK)) continue;
        const maxLen = Math.min(want, entryMax, left - perEntry);
        frame.push({ name: 'READ_CERTS', payload: chunkRequest(o.prefix, o.read.offset, maxLen), ...own });
        asked.push({ read: o.read, maxLen });
        left -= perEntry + maxLen;
      }
      if (frame.length === 0) break;
      const more = await this.batch(frame);
      asked.forEach((a, i) => a.read.take(more[i]!, a.maxLen));
    }
    return { installed: installedFrom(objects[0]!.read, objects[1]!.read, objects[2]?.read ?? null), signature };
  }

  /** Persist and (by default) lock the credential store; afterwards keygen and writes are refused. */
  async commit(opts: { lock?: boolean } = {}): Promise<void> {
    await this.call('COMMIT', Uint8Array.of(opts.lock === false ? 0 : 1));
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

/** A read-back planned for trust anchors reads them back (the hint says how many bytes were written). */
const readsAnchors = (hint: ReadBackHint | undefined): boolean => hint?.anchorsBytes !== undefined;

/** What the read-back will find after writing these: the frames are planned from it. */
function readBackHint(leafDer: Uint8Array, chainDer: readonly Uint8Array[], anchors: readonly Uint8Array[] | null = null): ReadBackHint {
  return {
    leafBytes: leafDer.length,
    chainBytes: chainDer.reduce((n, c) => n + c.length, 0),
    ...(anchors ? { anchorsBytes: anchors.reduce((n, c) => n + c.length, 0) } : {}),
    signatureBytes: challengeSignatureBytes(leafDer),
  };
}

/** Size of the leaf key's challenge signature (§4.5: P1363 ECDSA, or RSA); the largest when the leaf does not parse. */
function challengeSignatureBytes(leafDer: Uint8Array): number {
  try {
    const k = keyInfoFromSpki(certificateSpki(leafDer));
    return k.kind === 'EC' ? (k.curve === 'P-256' ? 64 : 96) : Math.ceil(k.bits / 8);
  } catch {
    return MAX_SIGNATURE; // a leaf that does not parse is caught by the read-back check; plan for the largest
  }
}

/** Installed credentials from the READ_CERTS objects; the chain's flags carry the lock bit. Trust anchors only when read. */
function installedFrom(leaf: ObjectRead, chain: ObjectRead, anchors: ObjectRead | null = null): InstalledCredentials {
  const l = leaf.data;
  return {
    leaf: l.length ? l : null,
    chain: splitDer(chain.data),
    locked: (chain.flags & 1) === 1,
    ...(anchors ? { trustAnchors: splitDer(anchors.data) } : {}),
  };
}
