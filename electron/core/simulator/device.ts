/**
 * The simulated device's firmware: decodes request frames, executes commands
 * against its DeviceStore, applies injected faults and emulates wire time at
 * the configured baud (8N1) before each request is "received" and each reply
 * is "sent". One request is processed at a time, in arrival order.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DeviceCapability } from '../device/client';
import { encodeFrame, FrameParser, MAX_FRAME_PAYLOAD, type Frame } from '../device/frame';
import {
  algorithmFromId,
  ByteReader,
  ByteWriter,
  bytesEqual,
  capabilitiesToMask,
  Command,
  DeviceError,
  MAX_CHALLENGE,
  MAX_OBJECT_SIZE,
  MIN_CHALLENGE,
  POP_LABEL,
  PROTOCOL_VERSION,
  RESPONSE_BIT,
  splitDer,
  TYPE_ERROR,
  WriteTarget,
  type CommandName,
  type DeviceErrorName,
} from '../device/protocol';
import type { Transport } from '../device/transport';
import { wireTimeMs } from '../device/wire';
import { x509 } from '../pki/crypto';
import type { FaultPlan, Step } from './faults';
import type { DeviceStore, SimKeyAlgorithm } from './state';

class Refuse extends Error {
  constructor(
    readonly error: DeviceErrorName,
    message: string,
  ) {
    super(message);
  }
}

export interface SimulatorStats {
  requests: number;
  bytesIn: number;
  bytesOut: number;
  /** Emulated line time: every byte in and out at 10 bits / baud. Deterministic. */
  wireTimeMs: number;
  /** Emulated device work: key generation delays and slow-reply faults. */
  deviceDelayMs: number;
  identifies: number;
  byCommand: Partial<Record<CommandName, number>>;
}

export interface DeviceFirmwareOptions {
  store: DeviceStore;
  faults: FaultPlan;
  baud: number;
  emulateWireTime: boolean;
  keygenDelayMs: number;
  maxPayload: number;
  capabilities: DeviceCapability[];
  /** Host hook: drop the physical link (and power-cycle the device). */
  disconnect: () => void;
  /** Injected delay (tests record the emulated delays instead of measuring wall-clock time). */
  sleep?: (ms: number, why: 'wire-in' | 'wire-out' | 'keygen' | 'slow-reply') => Promise<void>;
}

const STEP_OF: Record<CommandName, Step> = {
  HELLO: 'hello',
  IDENTIFY: 'identify',
  GENERATE_KEY: 'generate-key',
  GET_PUBLIC_KEY: 'get-public-key',
  GET_CSR: 'get-csr',
  SIGN_CHALLENGE: 'sign-challenge',
  WRITE_BEGIN: 'write-begin',
  WRITE_CHUNK: 'write-chunk',
  WRITE_END: 'write-end',
  READ_CERTS: 'read-certs',
  COMMIT: 'commit',
};

const realSleep = (ms: number): Promise<void> => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

export class DeviceFirmware {
  readonly stats: SimulatorStats = { requests: 0, bytesIn: 0, bytesOut: 0, wireTimeMs: 0, deviceDelayMs: 0, identifies: 0, byCommand: {} };
  bootId = randomBytes(4).readUInt32BE(0);
  private link: { transport: Transport; parser: FrameParser; off: Array<() => void> } | null = null;
  private work: Promise<void> = Promise.resolve();
  private csrCache: { cn: string; der: Uint8Array } | null = null;
  private write: { target: 'leaf' | 'chain'; total: number; sha: Uint8Array; parts: Uint8Array[]; offset: number } | null = null;
  private stationMax = MAX_FRAME_PAYLOAD;

  private readonly sleep: NonNullable<DeviceFirmwareOptions['sleep']>;

  constructor(private readonly o: DeviceFirmwareOptions) {
    this.sleep = o.sleep ?? realSleep;
  }

  attach(transport: Transport): void {
    this.detach();
    const parser = new FrameParser({ maxPayload: this.o.maxPayload, onFrame: (f) => this.enqueue(transport, f) });
    const off = [
      transport.onData((c) => {
        this.stats.bytesIn += c.length;
        this.account(c.length);
        parser.push(c);
      }),
      transport.onClose(() => {
        if (this.link?.transport === transport) this.detach();
      }),
    ];
    this.link = { transport, parser, off };
  }

  detach(): void {
    if (!this.link) return;
    for (const f of this.link.off) f();
    this.link.parser.dispose();
    this.link = null;
  }

  /** Volatile state lost, as on a reset. */
  powerCycle(): void {
    this.bootId = (this.bootId + 1 + randomBytes(2).readUInt16BE(0)) >>> 0;
    this.csrCache = null;
    this.write = null;
  }

  private account(bytes: number): void {
    this.stats.wireTimeMs += wireTimeMs(bytes, this.o.baud);
  }

  private enqueue(transport: Transport, f: Frame): void {
    this.work = this.work.then(() => this.process(transport, f)).catch(() => undefined);
  }

  private async process(transport: Transport, f: Frame): Promise<void> {
    const { faults } = this.o;
    // The request's bytes took this long to arrive on a real line (the pty delivers them at once).
    if (this.o.emulateWireTime) await this.sleep(wireTimeMs(f.payload.length + 12, this.o.baud), 'wire-in');
    const name = (Object.keys(Command) as CommandName[]).find((k) => Command[k] === f.type);
    this.stats.requests++;
    if (!name) return this.reply(transport, f, { error: 'UNKNOWN_COMMAND', message: `unknown command 0x${f.type.toString(16)}` }, undefined);
    this.stats.byCommand[name] = (this.stats.byCommand[name] ?? 0) + 1;
    const step = STEP_OF[name];
    if (faults.take('disconnect', step, (x) => (x.phase ?? 'before') === 'before')) return this.o.disconnect();
    if (faults.take('silent', step)) return;
    let result: Uint8Array | { error: DeviceErrorName; message: string };
    const forced = faults.take('error-reply', step);
    if (forced) {
      result = { error: forced.error, message: 'injected fault' };
    } else {
      try {
        result = await this.execute(name, new ByteReader(f.payload), f.payload);
      } catch (e) {
        result = e instanceof Refuse ? { error: e.error, message: e.message } : { error: 'INTERNAL', message: String(e) };
      }
    }
    if (faults.take('disconnect', step, (x) => x.phase === 'after')) return this.o.disconnect();
    const slow = faults.take('slow-reply', step);
    if (slow) {
      this.stats.deviceDelayMs += slow.delayMs;
      await this.sleep(slow.delayMs, 'slow-reply');
    }
    return this.reply(transport, f, result, step);
  }

  private async reply(transport: Transport, req: Frame, result: Uint8Array | { error: DeviceErrorName; message: string }, step: Step | undefined): Promise<void> {
    const frame =
      result instanceof Uint8Array
        ? encodeFrame({ type: req.type | RESPONSE_BIT, requestId: req.requestId, payload: result })
        : encodeFrame({
            type: TYPE_ERROR,
            requestId: req.requestId,
            payload: new ByteWriter().u8(req.type).u16(DeviceError[result.error]).bytes(new TextEncoder().encode(result.message.slice(0, 200))).build(),
          });
    let bytes = frame;
    if (step && this.o.faults.take('corrupt-reply', step)) {
      bytes = Uint8Array.from(frame);
      const i = frame.length - 1; // a CRC byte: header stays intact, so the station can attribute the damage
      bytes[i] = bytes[i]! ^ 0x5a;
    }
    const drop = step ? this.o.faults.take('drop-bytes', step) : null;
    if (drop) {
      const n = Math.min(drop.count ?? 3, frame.length - 9);
      const at = 8 + Math.floor((frame.length - 8 - n) / 2);
      bytes = new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(at + n)]);
    }
    if (this.o.emulateWireTime) await this.sleep(wireTimeMs(bytes.length, this.o.baud), 'wire-out');
    if (this.link?.transport !== transport || !transport.isOpen) return;
    this.stats.bytesOut += bytes.length;
    this.account(bytes.length);
    await transport.write(bytes).catch(() => undefined);
  }

  private requireKey(): void {
    if (!this.o.store.hasKey) throw new Refuse('NO_KEY', 'no key generated');
  }

  private has(cap: DeviceCapability, name: string): void {
    if (!this.o.capabilities.includes(cap)) throw new Refuse('UNKNOWN_COMMAND', `${name} not supported`);
  }

  /** [u32 offset][u16 maxLen] → [u32 total][u8 flags][data] */
  private chunk(obj: Uint8Array, offset: number, maxLen: number, flags = 0): Uint8Array {
    if (offset > obj.length) throw new Refuse('BAD_REQUEST', `offset ${offset} beyond ${obj.length}`);
    const n = Math.min(maxLen, this.o.maxPayload - 5, this.stationMax - 5, obj.length - offset);
    if (n <= 0 && offset < obj.length) throw new Refuse('BAD_REQUEST', 'maxLen too small');
    return new ByteWriter().u32(obj.length).u8(flags).bytes(obj.subarray(offset, offset + n)).build();
  }

  private async execute(name: CommandName, r: ByteReader, raw: Uint8Array): Promise<Uint8Array> {
    const { store, faults } = this.o;
    switch (name) {
      case 'HELLO': {
        const min = r.u8();
        const max = r.u8();
        this.stationMax = Math.max(64, Math.min(MAX_FRAME_PAYLOAD, r.u16()));
        if (PROTOCOL_VERSION < min || PROTOCOL_VERSION > max) throw new Refuse('VERSION', `device speaks protocol ${PROTOCOL_VERSION}`);
        return new ByteWriter().u8(PROTOCOL_VERSION).u16(this.o.maxPayload).u32(this.bootId).build();
      }
      case 'IDENTIFY': {
        const id = store.identity;
        let deviceId = id.deviceId;
        const change = faults.take('device-id-change', 'identify', (x) => this.stats.identifies >= x.afterIdentifies);
        if (change) deviceId = change.deviceId ?? `${id.deviceId}-other`;
        this.stats.identifies++;
        return new ByteWriter()
          .str8(deviceId)
          .str8(id.hardwareSerial)
          .str8(id.model)
          .str8(id.firmware)
          .u8(PROTOCOL_VERSION)
          .u16(capabilitiesToMask(this.o.capabilities))
          .u16(this.o.maxPayload)
          .build();
      }
      case 'GENERATE_KEY': {
        this.has('keygen', name);
        const alg = algorithmFromId(r.u8());
        if (!alg) throw new Refuse('UNSUPPORTED_ALGORITHM', 'unknown algorithm id');
        if (store.locked) throw new Refuse('LOCKED', 'credential store is locked');
        const weak = faults.take('weak-key', 'generate-key');
        const actual: SimKeyAlgorithm = weak ? (weak.key === 'rsa-1024' ? 'RSA-1024' : 'secp256k1') : alg;
        this.stats.deviceDelayMs += this.o.keygenDelayMs;
        await Promise.all([store.generateKey(actual), this.sleep(this.o.keygenDelayMs, 'keygen')]);
        this.csrCache = null;
        return new Uint8Array(0);
      }
      case 'GET_PUBLIC_KEY': {
        this.has('raw-public-key', name);
        this.requireKey();
        return this.chunk(store.spki(), r.u32(), r.u16());
      }
      case 'GET_CSR': {
        this.has('csr', name);
        this.requireKey();
        const offset = r.u32();
        const maxLen = r.u16();
        const cn = r.str8();
        if (cn.length === 0) throw new Refuse('BAD_REQUEST', 'empty CN');
        if (offset === 0) {
          const wrong = faults.take('wrong-cn', 'get-csr');
          let der = await store.csr(wrong ? (wrong.cn ?? `${cn}-wrong`) : cn);
          if (faults.take('bad-csr-signature', 'get-csr')) {
            der = Uint8Array.from(der);
            der[der.length - 1] = der[der.length - 1]! ^ 0x01;
          }
          this.csrCache = { cn, der };
        } else if (this.csrCache?.cn !== cn) {
          throw new Refuse('BAD_STATE', 'no CSR in progress for this CN (read offset 0 first)');
        }
        return this.chunk(this.csrCache.der, offset, maxLen);
      }
      case 'SIGN_CHALLENGE': {
        this.has('challenge', name);
        this.requireKey();
        if (raw.length < MIN_CHALLENGE || raw.length > MAX_CHALLENGE || !bytesEqual(raw.subarray(0, POP_LABEL.length), POP_LABEL)) {
          throw new Refuse('BAD_REQUEST', 'challenge must carry the custodian-pop-v1 label');
        }
        return store.signChallenge(raw);
      }
      case 'WRITE_BEGIN': {
        const t = r.u8();
        const total = r.u32();
        const sha = r.bytes(32);
        if (t !== WriteTarget.LEAF && t !== WriteTarget.CHAIN) throw new Refuse('BAD_REQUEST', 'unknown target');
        if (store.locked) throw new Refuse('LOCKED', 'credential store is locked');
        if (total === 0 || total > MAX_OBJECT_SIZE) throw new Refuse('TOO_LARGE', `object of ${total} bytes`);
        if (t === WriteTarget.LEAF) this.requireKey();
        this.write = { target: t === WriteTarget.LEAF ? 'leaf' : 'chain', total, sha, parts: [], offset: 0 };
        return new Uint8Array(0);
      }
      case 'WRITE_CHUNK': {
        const w = this.write;
        if (!w) throw new Refuse('WRITE_SEQUENCE', 'no WRITE_BEGIN');
        const offset = r.u32();
        const data = r.rest();
        if (offset !== w.offset) throw new Refuse('WRITE_SEQUENCE', `expected offset ${w.offset}, got ${offset}`);
        if (w.offset + data.length > w.total) throw new Refuse('TOO_LARGE', 'chunk beyond declared total');
        w.parts.push(data);
        w.offset += data.length;
        return new Uint8Array(0);
      }
      case 'WRITE_END': {
        const w = this.write;
        this.write = null;
        if (!w || w.offset !== w.total) throw new Refuse('WRITE_SEQUENCE', 'object incomplete');
        const data = new Uint8Array(Buffer.concat(w.parts));
        if (!bytesEqual(createHash('sha256').update(data).digest(), w.sha)) throw new Refuse('HASH_MISMATCH', 'SHA-256 mismatch');
        let certs: x509.X509Certificate[];
        try {
          certs = splitDer(data).map((d) => new x509.X509Certificate(d));
        } catch {
          throw new Refuse('BAD_CERT', 'not a sequence of DER certificates');
        }
        if (w.target === 'leaf') {
          if (certs.length !== 1) throw new Refuse('BAD_CERT', 'leaf must be exactly one certificate');
          if (!bytesEqual(new Uint8Array(certs[0]!.publicKey.rawData), store.spki())) throw new Refuse('KEY_MISMATCH', 'leaf is not for this device key');
        }
        if (faults.take('flash-write-failure', 'write-end')) throw new Refuse('FLASH_WRITE', 'flash program/verify failed');
        await store.writeCerts(w.target, data);
        return new Uint8Array(0);
      }
      case 'READ_CERTS': {
        const which = r.u8();
        const obj = which === WriteTarget.LEAF ? store.leafDer : which === WriteTarget.CHAIN ? store.chainDer : null;
        if (!obj) throw new Refuse('BAD_REQUEST', 'unknown target');
        return this.chunk(obj, r.u32(), r.u16(), store.locked ? 1 : 0);
      }
      case 'COMMIT': {
        const lock = (r.u8() & 1) === 1;
        if (lock && !this.o.capabilities.includes('lock')) throw new Refuse('UNKNOWN_COMMAND', 'lock not supported');
        if (lock && store.leafDer.length === 0) throw new Refuse('BAD_STATE', 'no leaf installed');
        if (faults.take('flash-write-failure', 'commit')) throw new Refuse('FLASH_WRITE', 'flash program/verify failed');
        if (lock) await store.setLocked(true);
        return new Uint8Array(0);
      }
    }
  }
}
