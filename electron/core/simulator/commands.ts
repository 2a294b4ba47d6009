/**
 * The simulated device's command handlers (docs/device-protocol.md §4): one
 * request in, one response payload out, or a `Refuse` carrying a protocol error.
 * Holds the volatile state a reset loses (CSR cache, write session).
 */
import { createHash } from 'node:crypto';
import type { ProtocolCapability } from '../device/protocol';
import { MAX_FRAME_PAYLOAD } from '../device/frame';
import {
  algorithmFromId,
  ByteReader,
  ByteWriter,
  bytesEqual,
  capabilitiesToMask,
  storeStateToByte,
  MAX_CHALLENGE,
  MAX_OBJECT_SIZE,
  MIN_CHALLENGE,
  POP_LABEL,
  PROTOCOL_VERSION,
  splitDer,
  WriteTarget,
  type CommandName,
  type DeviceErrorName,
} from '../device/protocol';
import { x509 } from '../pki/crypto';
import type { FaultPlan } from './faults';
import type { DeviceStore, SimKeyAlgorithm, StoreObject } from './state';

/** The store object a WRITE_BEGIN / READ_CERTS target names (§4.4, §4.6); trust anchors only with capability `trust-anchors` (revision 1.1). */
function storeObject(target: number, caps: readonly ProtocolCapability[]): StoreObject | null {
  if (target === WriteTarget.LEAF) return 'leaf';
  if (target === WriteTarget.CHAIN) return 'chain';
  if (target === WriteTarget.TRUST_ANCHORS && caps.includes('trust-anchors')) return 'anchors';
  return null;
}

export class Refuse extends Error {
  constructor(
    readonly error: DeviceErrorName,
    message: string,
  ) {
    super(message);
  }
}

export interface CommandContext {
  store: DeviceStore;
  faults: FaultPlan;
  capabilities: ProtocolCapability[];
  /** HELLO's response carries the IDENTIFY response (§4.1). */
  announceIdentity: boolean;
  maxPayload: number;
  keygenDelayMs: number;
  bootId(): number;
  stats: { identifies: number; deviceDelayMs: number };
  sleep(ms: number, why: 'keygen'): Promise<void>;
}

export class DeviceCommands {
  private csrCache: { cn: string; der: Uint8Array } | null = null;
  private write: { target: StoreObject; total: number; sha: Uint8Array; parts: Uint8Array[]; offset: number } | null = null;
  private stationMax = MAX_FRAME_PAYLOAD;

  constructor(private readonly c: CommandContext) {}

  /** Largest reply payload: the device's buffer and what the station said it takes (HELLO). */
  get replyLimit(): number {
    return Math.min(this.c.maxPayload, this.stationMax);
  }

  /** Volatile state lost, as on a reset. */
  reset(): void {
    this.csrCache = null;
    this.write = null;
    this.stationMax = MAX_FRAME_PAYLOAD;
  }

  private requireKey(): void {
    if (!this.c.store.hasKey) throw new Refuse('NO_KEY', 'no key generated');
  }

  private has(cap: ProtocolCapability, name: string): void {
    if (!this.c.capabilities.includes(cap)) throw new Refuse('UNKNOWN_COMMAND', `${name} not supported`);
  }

  /** [u32 offset][u16 maxLen] → [u32 total][u8 flags][data] */
  private chunk(obj: Uint8Array, offset: number, maxLen: number, flags = 0): Uint8Array {
    if (offset > obj.length) throw new Refuse('BAD_REQUEST', `offset ${offset} beyond ${obj.length}`);
    const n = Math.min(maxLen, this.replyLimit - 5, obj.length - offset);
    if (n <= 0 && offset < obj.length) throw new Refuse('BAD_REQUEST', 'maxLen too small');
    return new ByteWriter().u32(obj.length).u8(flags).bytes(obj.subarray(offset, offset + n)).build();
  }

  /** The IDENTIFY response; `r` is a guarded IDENTIFY's request (§4.2), null when HELLO announces it. */
  private identify(r: ByteReader | null): Uint8Array {
    const { store, faults } = this.c;
    const id = store.identity;
    let deviceId = id.deviceId;
    const change = faults.take('device-id-change', 'identify', (x) => this.c.stats.identifies >= x.afterIdentifies);
    if (change) deviceId = change.deviceId ?? `${id.deviceId}-other`;
    this.c.stats.identifies++;
    if (r && r.remaining > 0) {
      // Guarded IDENTIFY (§4.8): refuse unless we are still the device the station named.
      const wantId = r.str8();
      const wantSerial = r.str8();
      if (wantId !== (deviceId || id.hardwareSerial) || wantSerial !== id.hardwareSerial) {
        throw new Refuse('IDENTITY_MISMATCH', `this device is ${deviceId || id.hardwareSerial} (${id.hardwareSerial}), not ${wantId} (${wantSerial})`);
      }
    }
    return new ByteWriter()
      .str8(deviceId)
      .str8(id.hardwareSerial)
      .str8(id.model)
      .str8(id.firmware)
      .u8(PROTOCOL_VERSION)
      .u16(capabilitiesToMask(this.c.capabilities))
      .u16(this.c.maxPayload)
      .u8(storeStateToByte({ hasKey: store.hasKey, hasLeaf: store.leafDer.length > 0, hasChain: store.chainDer.length > 0, locked: store.locked }))
      .build();
  }

  async execute(name: CommandName, r: ByteReader, raw: Uint8Array): Promise<Uint8Array> {
    const { store, faults } = this.c;
    switch (name) {
      case 'HELLO': {
        const min = r.u8();
        const max = r.u8();
        this.stationMax = Math.max(64, Math.min(MAX_FRAME_PAYLOAD, r.u16()));
        if (PROTOCOL_VERSION < min || PROTOCOL_VERSION > max) throw new Refuse('VERSION', `device speaks protocol ${PROTOCOL_VERSION}`);
        const hello = new ByteWriter().u8(PROTOCOL_VERSION).u16(this.c.maxPayload).u32(this.c.bootId());
        // The IDENTIFY response rides along: the station's first IDENTIFY of the session, answered in advance.
        if (this.c.announceIdentity) hello.bytes(this.identify(null));
        return hello.build();
      }
      case 'IDENTIFY':
        return this.identify(r);
      case 'GENERATE_KEY': {
        this.has('keygen', name);
        const alg = algorithmFromId(r.u8());
        if (!alg) throw new Refuse('UNSUPPORTED_ALGORITHM', 'unknown algorithm id');
        if (store.locked) throw new Refuse('LOCKED', 'credential store is locked');
        const weak = faults.take('weak-key', 'generate-key');
        const actual: SimKeyAlgorithm = weak ? (weak.key === 'rsa-1024' ? 'RSA-1024' : 'secp256k1') : alg;
        this.c.stats.deviceDelayMs += this.c.keygenDelayMs;
        await Promise.all([store.generateKey(actual), this.c.sleep(this.c.keygenDelayMs, 'keygen')]);
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
        const target = storeObject(t, this.c.capabilities);
        if (!target) throw new Refuse('BAD_REQUEST', 'unknown target');
        if (store.locked) throw new Refuse('LOCKED', 'credential store is locked');
        if (total === 0 || total > MAX_OBJECT_SIZE) throw new Refuse('TOO_LARGE', `object of ${total} bytes`);
        if (target === 'leaf') this.requireKey();
        this.write = { target, total, sha, parts: [], offset: 0 };
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
        if (w.target === 'anchors' && certs.some((c) => c.getExtension(x509.BasicConstraintsExtension)?.ca !== true)) {
          throw new Refuse('BAD_CERT', 'a trust anchor must be a CA certificate');
        }
        if (faults.take('flash-write-failure', 'write-end')) throw new Refuse('FLASH_WRITE', 'flash program/verify failed');
        await store.writeCerts(w.target, data);
        return new Uint8Array(0);
      }
      case 'READ_CERTS': {
        const which = storeObject(r.u8(), this.c.capabilities);
        if (!which) throw new Refuse('BAD_REQUEST', 'unknown target');
        return this.chunk(store.object(which), r.u32(), r.u16(), store.locked ? 1 : 0);
      }
      case 'BATCH':
        throw new Refuse('BAD_REQUEST', 'BATCH is handled by the firmware host, not nested');
      case 'COMMIT': {
        const lock = (r.u8() & 1) === 1;
        if (lock && !this.c.capabilities.includes('lock')) throw new Refuse('UNKNOWN_COMMAND', 'lock not supported');
        if (lock && store.leafDer.length === 0) throw new Refuse('BAD_STATE', 'no leaf installed');
        if (faults.take('flash-write-failure', 'commit')) throw new Refuse('FLASH_WRITE', 'flash program/verify failed');
        if (lock) await store.setLocked(true);
        return new Uint8Array(0);
      }
    }
  }
}
