/**
 * Command set, error numbers, algorithm and capability encodings and default
 * timeouts of the Custodian device protocol, version 1 (docs/device-protocol.md).
 * Shared by the station client and the simulator.
 */
import { CustodianError } from '../errors';
import type { DeviceCapability, DeviceKeyAlgorithm, DeviceStoreState } from './client';

export const PROTOCOL_VERSION = 1;
export const RESPONSE_BIT = 0x80;
export const TYPE_ERROR = 0xff;

export const Command = {
  HELLO: 0x01,
  IDENTIFY: 0x02,
  GENERATE_KEY: 0x10,
  GET_PUBLIC_KEY: 0x11,
  GET_CSR: 0x12,
  SIGN_CHALLENGE: 0x13,
  WRITE_BEGIN: 0x20,
  WRITE_CHUNK: 0x21,
  WRITE_END: 0x22,
  READ_CERTS: 0x30,
  COMMIT: 0x40,
  BATCH: 0x50,
} as const;
export type CommandName = keyof typeof Command;
export const commandName = (type: number): string =>
  (Object.keys(Command) as CommandName[]).find((k) => Command[k] === (type & ~RESPONSE_BIT)) ?? `0x${type.toString(16)}`;

/**
 * Named per-command timeouts (ms): how long the device may work on a request,
 * excluding wire time, which the client adds at the session baud. Sized for a
 * line operator: a command a device answers at once gets a few seconds; the
 * secure element's own work (key generation, signing) gets longer; writes
 * that program flash also get WRITE_MS_PER_KIB for every KiB they carry
 * (writeTimeoutMs). docs/device-protocol.md §3 lists the same table.
 */
export const DEFAULT_TIMEOUTS_MS: Record<CommandName, number> = {
  HELLO: 500,
  IDENTIFY: 3000,
  GENERATE_KEY: 30_000,
  GET_PUBLIC_KEY: 2000,
  GET_CSR: 10_000,
  SIGN_CHALLENGE: 10_000,
  WRITE_BEGIN: 2000,
  WRITE_CHUNK: 1000,
  WRITE_END: 2000,
  READ_CERTS: 2000,
  COMMIT: 10_000,
  // A batch is allowed the sum of its entries' timeouts (§4.8); this is only the floor.
  BATCH: 1000,
};

/** Extra time per KiB (or part of one) a WRITE_CHUNK carries, and per KiB of the object a WRITE_END verifies and programs. */
export const WRITE_MS_PER_KIB = 1000;

/** A write command's timeout: its base, plus WRITE_MS_PER_KIB for every KiB (or part) of `bytes`. */
export function writeTimeoutMs(baseMs: number, bytes: number, perKiBMs: number = WRITE_MS_PER_KIB): number {
  return baseMs + Math.ceil(bytes / 1024) * perKiBMs;
}

export const DeviceError = {
  UNKNOWN_COMMAND: 0x0001,
  BAD_REQUEST: 0x0002,
  BAD_STATE: 0x0003,
  LOCKED: 0x0004,
  BUSY: 0x0005,
  UNSUPPORTED_ALGORITHM: 0x0006,
  NO_KEY: 0x0007,
  WRITE_SEQUENCE: 0x0008,
  HASH_MISMATCH: 0x0009,
  FLASH_WRITE: 0x000a,
  KEY_MISMATCH: 0x000b,
  BAD_CERT: 0x000c,
  TOO_LARGE: 0x000d,
  VERSION: 0x000e,
  IDENTITY_MISMATCH: 0x0010,
  INTERNAL: 0x00ff,
} as const;
export type DeviceErrorName = keyof typeof DeviceError;

/** Station error code for a device error number. */
export function stationCodeForDeviceError(n: number): string {
  const name = (Object.keys(DeviceError) as DeviceErrorName[]).find((k) => DeviceError[k] === n);
  if (name === 'FLASH_WRITE') return 'DEVICE_FLASH_WRITE_FAILED';
  if (name === 'VERSION') return 'DEVICE_PROTOCOL_VERSION';
  if (name === 'IDENTITY_MISMATCH') return 'DEVICE_IDENTITY_CHANGED';
  return name ? `DEVICE_ERROR_${name}` : 'DEVICE_ERROR_UNKNOWN';
}

export const ALGORITHM_IDS: Record<DeviceKeyAlgorithm, number> = {
  'P-256': 0x01,
  'P-384': 0x02,
  'RSA-2048': 0x03,
  'RSA-3072': 0x04,
  'RSA-4096': 0x05,
};
export function algorithmFromId(id: number): DeviceKeyAlgorithm | null {
  return (Object.keys(ALGORITHM_IDS) as DeviceKeyAlgorithm[]).find((a) => ALGORITHM_IDS[a] === id) ?? null;
}

/**
 * The capability bits of IDENTIFY (§4.2), as the protocol names them.
 * `trust-anchors` (bit 6) is revision 1.1, compatible with 1.0: the device
 * stores the hub's TLS server roots as write/read target 0x02 (§4.6, §4.4);
 * a device without the bit is never asked for that target.
 */
export type ProtocolCapability = 'csr' | 'raw-public-key' | 'challenge' | 'keygen' | 'lock' | 'batch' | 'trust-anchors';

export const CAPABILITY_BITS: Record<ProtocolCapability, number> = {
  csr: 1 << 0,
  'raw-public-key': 1 << 1,
  challenge: 1 << 2,
  keygen: 1 << 3,
  lock: 1 << 4,
  batch: 1 << 5,
  'trust-anchors': 1 << 6,
};
export function capabilitiesFromMask(mask: number): ProtocolCapability[] {
  return (Object.keys(CAPABILITY_BITS) as ProtocolCapability[]).filter((c) => (mask & CAPABILITY_BITS[c]) !== 0);
}

/**
 * What a device speaking this protocol can do, in the workflow's terms: it
 * always gives back the bytes written (READ_CERTS), and one that batches
 * takes the guarded IDENTIFY inside its write frames (§4.8).
 */
export function deviceCapabilities(caps: readonly ProtocolCapability[]): DeviceCapability[] {
  const out: DeviceCapability[] = [];
  // `trust-anchors` is the driver's business: the workflow hands it anchors, the read-back shows whether they were stored.
  for (const c of caps) if (c !== 'trust-anchors') out.push(c === 'batch' ? 'guarded-write' : c);
  out.push('read-back');
  return out;
}
export function capabilitiesToMask(caps: readonly ProtocolCapability[]): number {
  return caps.reduce((m, c) => m | CAPABILITY_BITS[c], 0);
}

/** IDENTIFY's optional trailing store-state byte (§4.2). */
export const STORE_STATE_BITS: Record<keyof DeviceStoreState, number> = {
  hasKey: 1 << 0,
  hasLeaf: 1 << 1,
  hasChain: 1 << 2,
  locked: 1 << 3,
};
export function storeStateFromByte(b: number): DeviceStoreState {
  return {
    hasKey: (b & STORE_STATE_BITS.hasKey) !== 0,
    hasLeaf: (b & STORE_STATE_BITS.hasLeaf) !== 0,
    hasChain: (b & STORE_STATE_BITS.hasChain) !== 0,
    locked: (b & STORE_STATE_BITS.locked) !== 0,
  };
}
export function storeStateToByte(s: DeviceStoreState): number {
  return (Object.keys(STORE_STATE_BITS) as Array<keyof DeviceStoreState>).reduce((m, k) => (s[k] ? m | STORE_STATE_BITS[k] : m), 0);
}

/** One request or reply inside a BATCH frame (§4.8): `u8 type, u16 length, payload`. */
export interface BatchEntry {
  type: number;
  payload: Uint8Array;
}
export const BATCH_ENTRY_OVERHEAD = 3;

export function encodeBatch(entries: readonly BatchEntry[]): Uint8Array {
  const out = new Uint8Array(entries.reduce((n, e) => n + BATCH_ENTRY_OVERHEAD + e.payload.length, 0));
  let o = 0;
  for (const e of entries) {
    if (e.payload.length > 0xffff) throw new RangeError(`batch entry of ${e.payload.length} bytes`);
    out[o] = e.type;
    out[o + 1] = e.payload.length >>> 8;
    out[o + 2] = e.payload.length & 0xff;
    out.set(e.payload, o + BATCH_ENTRY_OVERHEAD);
    o += BATCH_ENTRY_OVERHEAD + e.payload.length;
  }
  return out;
}

/** Split a BATCH payload into its entries; throws DEVICE_PROTOCOL_ERROR if it is not a whole number of entries. */
export function decodeBatch(payload: Uint8Array): BatchEntry[] {
  const out: BatchEntry[] = [];
  let o = 0;
  while (o < payload.length) {
    if (o + BATCH_ENTRY_OVERHEAD > payload.length) throw protocolError(`truncated batch entry header at ${o}`);
    const len = (payload[o + 1]! << 8) | payload[o + 2]!;
    const start = o + BATCH_ENTRY_OVERHEAD;
    if (start + len > payload.length) throw protocolError(`batch entry at ${o} claims ${len} bytes, ${payload.length - start} left`);
    out.push({ type: payload[o]!, payload: payload.subarray(start, start + len) });
    o = start + len;
  }
  return out;
}

/** WRITE_BEGIN / READ_CERTS targets (§4.4, §4.6); TRUST_ANCHORS only on devices with capability `trust-anchors` (revision 1.1). */
export const WriteTarget = { LEAF: 0x00, CHAIN: 0x01, TRUST_ANCHORS: 0x02 } as const;
export const POP_LABEL = new TextEncoder().encode('custodian-pop-v1\0');
/** One encoder and one strict decoder for every string field (decode() without `stream` keeps no state, so sharing them is safe). */
const UTF8_ENCODER = new TextEncoder();
const UTF8_FATAL = new TextDecoder('utf-8', { fatal: true });
export const MIN_CHALLENGE = POP_LABEL.length + 16;
export const MAX_CHALLENGE = 256;
/** Largest leaf or chain object accepted by WRITE_BEGIN (u32 on the wire; devices advertise nothing bigger). */
export const MAX_OBJECT_SIZE = 16 * 1024;

export function protocolError(message: string, details: Record<string, unknown> = {}): CustodianError {
  return new CustodianError('DEVICE_PROTOCOL_ERROR', message, details);
}

/** Big-endian builder for payloads. */
export class ByteWriter {
  private parts: number[] = [];
  private chunks: Uint8Array[] = [];
  private flush(): void {
    if (this.parts.length) this.chunks.push(Uint8Array.from(this.parts));
    this.parts = [];
  }
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v >>> 8).u8(v);
  }
  u32(v: number): this {
    return this.u16(v >>> 16).u16(v & 0xffff);
  }
  bytes(b: Uint8Array): this {
    this.flush();
    this.chunks.push(b);
    return this;
  }
  /** u8 length + UTF-8 (max 255 bytes). */
  str8(s: string): this {
    const b = UTF8_ENCODER.encode(s);
    if (b.length > 255) throw new RangeError(`string too long (${b.length} > 255)`);
    return this.u8(b.length).bytes(b);
  }
  build(): Uint8Array {
    this.flush();
    const n = this.chunks.reduce((a, c) => a + c.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/** Big-endian reader; throws DEVICE_PROTOCOL_ERROR on underrun. */
export class ByteReader {
  private o = 0;
  constructor(private readonly b: Uint8Array) {}
  private need(n: number): void {
    if (this.o + n > this.b.length) throw protocolError(`payload too short (need ${n} at ${this.o}, have ${this.b.length})`);
  }
  u8(): number {
    this.need(1);
    return this.b[this.o++]!;
  }
  u16(): number {
    return (this.u8() << 8) | this.u8();
  }
  u32(): number {
    return ((this.u16() << 16) | this.u16()) >>> 0;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.b.slice(this.o, this.o + n);
    this.o += n;
    return out;
  }
  rest(): Uint8Array {
    return this.bytes(this.b.length - this.o);
  }
  str8(): string {
    return UTF8_FATAL.decode(this.bytes(this.u8()));
  }
  get remaining(): number {
    return this.b.length - this.o;
  }
}

/** Split a concatenation of DER objects (e.g. a chain) into its elements. */
export function splitDer(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = 0;
  while (o < data.length) {
    if (o + 2 > data.length) throw protocolError('truncated DER header');
    let len = data[o + 1]!;
    let hdr = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4 || o + 2 + n > data.length) throw protocolError('bad DER length');
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + data[o + 2 + i]!;
      hdr += n;
    }
    if (o + hdr + len > data.length) throw protocolError('truncated DER object');
    out.push(data.slice(o, o + hdr + len));
    o += hdr + len;
  }
  return out;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export { bytesEqual } from '../pki/bytes';
