/**
 * In-memory index over the entries file, built while the entries are re-hashed
 * at open: byte offsets and types of every entry, intent links, and lookups by
 * device ID, serial and work order. Records are decoded without converting the
 * certificate: done records are parsed up to their final `cert` key only.
 */
import { CustodianError } from '../errors';
import { LedgerCodes } from './codes';
import { RECORD_TYPES, TYPE_CODE, type RecordType } from './records';

const CERT_KEY = Buffer.from(',"cert":"');

class Growable<T extends Float64Array | Int32Array | Uint8Array> {
  constructor(public data: T, private readonly make: (n: number) => T) {}
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const grown = this.make(Math.max(1024, this.data.length * 2));
      grown.set(this.data);
      this.data = grown;
    }
    this.data[i] = v;
  }
}

/** String → entry indices; a single index is stored unboxed (most keys have one). */
export class IndexMap {
  private readonly m = new Map<string, number | number[]>();
  add(key: string | undefined, i: number): void {
    if (key === undefined) return;
    const v = this.m.get(key);
    if (v === undefined) this.m.set(key, i);
    else if (typeof v === 'number') this.m.set(key, [v, i]);
    else v.push(i);
  }
  get(key: string): number[] | undefined {
    const v = this.m.get(key);
    return v === undefined ? undefined : typeof v === 'number' ? [v] : [...v];
  }
  get size(): number {
    return this.m.size;
  }
}

function tamper(message: string, details: Record<string, unknown>): CustodianError {
  return new CustodianError(LedgerCodes.TAMPERED, message, details);
}

export class EntryIndex {
  private offsets = new Growable(new Float64Array(1024), (n) => new Float64Array(n));
  private types = new Growable(new Uint8Array(1024), (n) => new Uint8Array(n));
  /** intent → closing record (-1 while open); closing/outcome record → its intent. */
  private links = new Growable(new Int32Array(1024), (n) => new Int32Array(n));
  readonly outcomes = new Map<number, number>();
  readonly byDevice = new IndexMap();
  readonly bySerial = new IndexMap();
  readonly byWorkOrder = new IndexMap();
  size = 0;
  /** Byte length of the complete entries. */
  end = 0;

  offsetOf(i: number): number {
    return this.offsets.data[i]!;
  }
  /** Length of entry i without its newline. */
  lengthOf(i: number): number {
    return (i + 1 < this.size ? this.offsets.data[i + 1]! : this.end) - this.offsets.data[i]! - 1;
  }
  typeOf(i: number): RecordType {
    return RECORD_TYPES[this.types.data[i]!]!;
  }
  /** Intents with no done, failed or reconcile record, in index order. */
  get openIntents(): Set<number> {
    const out = new Set<number>();
    const t = this.types.data;
    const l = this.links.data;
    for (let i = 0; i < this.size; i++) if (t[i] === TYPE_CODE.intent && l[i] === -1) out.add(i);
    return out;
  }
  linkOf(i: number): number {
    return this.links.data[i]!;
  }

  /** Index one record (already decoded as far as needed). Throws LEDGER_TAMPERED on an inconsistent record. */
  add(rec: Record<string, unknown>, offset: number, length: number): void {
    const i = this.size;
    const t = rec.t as RecordType;
    const code = TYPE_CODE[t];
    if (code === undefined) throw tamper(`entry ${i} has an unknown type`, { index: i });
    if (rec.n !== i) throw tamper(`entry ${i} carries index ${String(rec.n)}: entries were removed, inserted or reordered`, { index: i, n: rec.n });
    if (i === 0 && t !== 'genesis') throw tamper('entry 0 is not a genesis record', { index: 0 });
    this.offsets.set(i, offset);
    this.types.set(i, code);
    this.links.set(i, -1);
    switch (t) {
      case 'intent':
        this.byDevice.add(rec.deviceId as string, i);
        this.bySerial.add(rec.serialHex as string, i);
        this.byWorkOrder.add(rec.workOrder as string | undefined, i);
        break;
      case 'done': case 'failed': case 'reconcile': case 'outcome': {
        const target = rec.intent as number;
        if (!Number.isInteger(target) || target < 0 || target >= i || this.types.data[target] !== TYPE_CODE.intent) {
          throw tamper(`entry ${i} refers to a missing intent`, { index: i, intent: target });
        }
        this.links.set(i, target);
        if (t === 'outcome') {
          this.outcomes.set(target, i);
        } else {
          if (this.links.data[target] !== -1) throw tamper(`intent ${target} is closed twice`, { index: i, intent: target });
          this.links.set(target, i);
        }
        break;
      }
      case 'verification-cert':
        this.bySerial.add(rec.serialHex as string, i);
        break;
      default:
        break;
    }
    this.size = i + 1;
    this.end = offset + length + 1;
  }
}

const LINKED = new Set(['done', 'failed', 'outcome', 'reconcile']);
const Q = 34; // "
const BS = 92; // backslash
const KEY_DEVICE = 'deviceId';
const KEY_SERIAL = 'serialHex';
const KEY_WORK_ORDER = 'workOrder';
const KEY_INTENT = 'intent';

/** Position just after `"key":` at or after `from` within [from, e), or -1. Plain JS: no native calls. */
function keyEnd(buf: Buffer, from: number, e: number, key: string): number {
  const k0 = key.charCodeAt(0);
  const kl = key.length;
  outer: for (let i = from; i + kl + 3 <= e; i++) {
    if (buf[i] !== Q || buf[i + 1] !== k0) continue;
    for (let j = 1; j < kl; j++) if (buf[i + 1 + j] !== key.charCodeAt(j)) continue outer;
    if (buf[i + 1 + kl] === Q && buf[i + 2 + kl] === 58) return i + 3 + kl;
  }
  return -1;
}

/** The string value starting at v (which must be a quote); undefined if malformed or escaped. */
function stringAt(buf: Buffer, v: number, e: number): string | undefined {
  if (buf[v] !== Q) return undefined;
  for (let i = v + 1; i < e; i++) {
    const c = buf[i]!;
    if (c === Q) return buf.toString('utf8', v + 1, i);
    if (c === BS) return undefined;
  }
  return undefined;
}

function intAt(buf: Buffer, v: number, e: number): number {
  let n = 0;
  let i = v;
  for (; i < e; i++) {
    const c = buf[i]!;
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return i === v ? NaN : n;
}

function fullParse(buf: Buffer, s: number, e: number): Record<string, unknown> {
  try {
    const c = buf.subarray(s, e).indexOf(CERT_KEY);
    if (c >= 0) return JSON.parse(`${buf.toString('utf8', s, s + c)}}`) as Record<string, unknown>;
    return JSON.parse(buf.toString('utf8', s, e)) as Record<string, unknown>;
  } catch {
    return { t: undefined };
  }
}

/**
 * Decode the index-relevant fields of the line buf[s:e] (no newline) without
 * JSON-parsing it: records are written with a fixed key order (t, n, at, …), so
 * the fields are found by their keys with plain byte loops. Lines that do not
 * fit the writer's shape, or whose values contain escapes, fall back to
 * JSON.parse. Whether the whole line is valid is proven by the Merkle root
 * check (and a full parse of the entries after the last checkpoint).
 */
export function decodeForIndex(buf: Buffer, s: number, e: number): Record<string, unknown> {
  // {"t":"<type>","n":<n>,"at":"…",
  if (e - s < 16 || buf[s] !== 123 || buf[s + 1] !== Q || buf[s + 2] !== 116 || buf[s + 3] !== Q || buf[s + 4] !== 58 || buf[s + 5] !== Q) {
    return fullParse(buf, s, e);
  }
  let tq = s + 6;
  while (tq < e && buf[tq] !== Q) tq++;
  if (buf[tq + 1] !== 44 || buf[tq + 2] !== Q || buf[tq + 3] !== 110 || buf[tq + 4] !== Q || buf[tq + 5] !== 58) return fullParse(buf, s, e);
  const t = buf.toString('latin1', s + 6, tq);
  const rec: Record<string, unknown> = { t, n: intAt(buf, tq + 6, e) };
  if (t === 'intent') {
    const d = keyEnd(buf, tq, e, KEY_DEVICE);
    const deviceId = d < 0 ? undefined : stringAt(buf, d, e);
    const sv = d < 0 ? -1 : keyEnd(buf, d, e, KEY_SERIAL);
    const serialHex = sv < 0 ? undefined : stringAt(buf, sv, e);
    if (deviceId === undefined || serialHex === undefined) return fullParse(buf, s, e);
    rec.deviceId = deviceId;
    rec.serialHex = serialHex;
    const w = keyEnd(buf, sv, e, KEY_WORK_ORDER);
    if (w >= 0) {
      const workOrder = stringAt(buf, w, e);
      if (workOrder === undefined) return fullParse(buf, s, e);
      rec.workOrder = workOrder;
    }
  } else if (LINKED.has(t)) {
    const k = keyEnd(buf, tq, e, KEY_INTENT);
    if (k < 0) return fullParse(buf, s, e);
    rec.intent = intAt(buf, k, e);
  } else if (t === 'verification-cert') {
    const k = keyEnd(buf, tq, e, KEY_SERIAL);
    const serialHex = k < 0 ? undefined : stringAt(buf, k, e);
    if (serialHex === undefined) return fullParse(buf, s, e);
    rec.serialHex = serialHex;
  }
  return rec;
}
