/**
 * Minimal, strict, bounded CBOR (RFC 8949) for COSE_Sign1 as emitted by the nRF91 modem.
 *
 * Decoder profile (anything else is refused with NRF91_CBOR_INVALID and a stable `details.reason`):
 * - major types 0..6 and the simple values false/true/null (major 7, 20..22);
 * - definite lengths only (no indefinite arrays/maps/strings, no `break`);
 * - preferred ("shortest form") argument encoding, RFC 8949 §4.2.1 rule 1 — the modem's
 *   output (nRFCloud/utils README examples) already is;
 * - no floats, no `undefined`, no other simple values;
 * - map keys are integers or text strings, no duplicates;
 * - nesting depth ≤ 16 (tags count as a level), every length within the input, no trailing bytes;
 * - text strings must be valid UTF-8.
 * Integers decode to `number` when safe, else `bigint`.
 *
 * The encoder covers only what a Sig_structure needs (ints, byte/text strings, arrays) and always
 * emits the preferred serialization, so its output is deterministic.
 */
import { CustodianError } from '../../errors';
import { Nrf91KeygenErrorCodes } from './keygen-codes';

export class CborTag {
  constructor(
    readonly tag: number | bigint,
    readonly value: CborValue,
  ) {}
}

export type CborKey = number | bigint | string;
export type CborValue =
  | number
  | bigint
  | Uint8Array
  | string
  | boolean
  | null
  | CborValue[]
  | Map<CborKey, CborValue>
  | CborTag;

export const CBOR_MAX_DEPTH = 16;

function fail(reason: string, offset: number): never {
  throw new CustodianError(Nrf91KeygenErrorCodes.NRF91_CBOR_INVALID, `invalid CBOR: ${reason} at byte ${offset}`, {
    reason,
    offset,
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  byte(): number {
    const b = this.buf[this.pos];
    if (b === undefined) fail('truncated', this.pos);
    this.pos += 1;
    return b;
  }

  take(n: number): Uint8Array {
    if (n > this.buf.length - this.pos) fail('length beyond input', this.pos);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Reads the argument for additional info `ai`; enforces shortest form. */
  argument(ai: number, start: number): number | bigint {
    if (ai < 24) return ai;
    if (ai === 31) fail('indefinite length', start);
    if (ai > 27) fail('reserved additional info', start);
    const size = 1 << (ai - 24); // 1, 2, 4, 8
    const bytes = this.take(size);
    let v = 0n;
    for (const b of bytes) v = (v << 8n) | BigInt(b);
    const min = size === 1 ? 24n : size === 2 ? 0x100n : size === 4 ? 0x10000n : 0x100000000n;
    if (v < min) fail('non-preferred argument encoding', start);
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
}

function asLength(arg: number | bigint, r: Reader, start: number): number {
  // A count/length can never exceed the remaining input: each item or byte takes at least one byte.
  if (typeof arg === 'bigint' || arg > r.buf.length - r.pos) fail('length beyond input', start);
  return arg;
}

function text(bytes: Uint8Array, start: number): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return fail('invalid UTF-8', start);
  }
}

function item(r: Reader, depth: number): CborValue {
  const start = r.pos;
  if (depth > CBOR_MAX_DEPTH) fail('nesting too deep', start);
  const ib = r.byte();
  const major = ib >> 5;
  const ai = ib & 0x1f;
  if (major === 7) {
    if (ai === 20) return false;
    if (ai === 21) return true;
    if (ai === 22) return null;
    if (ai === 31) fail('unexpected break', start);
    fail('unsupported simple value or float', start);
  }
  const arg = r.argument(ai, start);
  switch (major) {
    case 0:
      return arg;
    case 1:
      return typeof arg === 'bigint' || arg === Number.MAX_SAFE_INTEGER
        ? -1n - BigInt(arg)
        : -1 - arg;
    case 2:
      return Uint8Array.from(r.take(asLength(arg, r, start)));
    case 3:
      return text(r.take(asLength(arg, r, start)), start);
    case 4: {
      const n = asLength(arg, r, start);
      const out: CborValue[] = [];
      for (let i = 0; i < n; i++) out.push(item(r, depth + 1));
      return out;
    }
    case 5: {
      const n = asLength(arg, r, start);
      const out = new Map<CborKey, CborValue>();
      for (let i = 0; i < n; i++) {
        const keyAt = r.pos;
        const k = item(r, depth + 1);
        if (typeof k !== 'number' && typeof k !== 'bigint' && typeof k !== 'string') fail('unsupported map key type', keyAt);
        if (out.has(k)) fail('duplicate map key', keyAt);
        out.set(k, item(r, depth + 1));
      }
      return out;
    }
    default: // 6
      return new CborTag(arg, item(r, depth + 1));
  }
}

/** Decodes exactly one CBOR data item that spans the whole input. */
export function decodeCbor(input: Uint8Array): CborValue {
  const r = new Reader(input);
  const v = item(r, 0);
  if (r.pos !== input.length) fail('trailing bytes', r.pos);
  return v;
}

// ---------------------------------------------------------------- encoder

export type CborEncodable = number | bigint | Uint8Array | string | CborEncodable[];

function head(major: number, arg: bigint, out: number[]): void {
  const m = major << 5;
  if (arg < 24n) out.push(m | Number(arg));
  else if (arg < 0x100n) out.push(m | 24, Number(arg));
  else if (arg < 0x10000n) out.push(m | 25, Number(arg >> 8n), Number(arg & 0xffn));
  else {
    const size = arg < 0x100000000n ? 4 : 8;
    if (arg >= 1n << 64n) throw new RangeError('CBOR integer out of range');
    out.push(m | (size === 4 ? 26 : 27));
    for (let i = size - 1; i >= 0; i--) out.push(Number((arg >> BigInt(8 * i)) & 0xffn));
  }
}

function encodeInto(v: CborEncodable, out: number[]): void {
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new RangeError('CBOR encoder: integers only');
    const b = BigInt(v);
    if (b >= 0n) head(0, b, out);
    else head(1, -1n - b, out);
  } else if (typeof v === 'string') {
    const bytes = new TextEncoder().encode(v);
    head(3, BigInt(bytes.length), out);
    for (const x of bytes) out.push(x);
  } else if (v instanceof Uint8Array) {
    head(2, BigInt(v.length), out);
    for (const x of v) out.push(x);
  } else {
    head(4, BigInt(v.length), out);
    for (const x of v) encodeInto(x, out);
  }
}

/** Encodes in RFC 8949 preferred serialization (definite lengths, shortest arguments). */
export function encodeCbor(v: CborEncodable): Uint8Array {
  const out: number[] = [];
  encodeInto(v, out);
  return Uint8Array.from(out);
}
