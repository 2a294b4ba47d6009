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

function push(map: Map<string, number[]>, key: string | undefined, i: number): void {
  if (key === undefined) return;
  const list = map.get(key);
  if (list) list.push(i);
  else map.set(key, [i]);
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
  readonly byDevice = new Map<string, number[]>();
  readonly bySerial = new Map<string, number[]>();
  readonly byWorkOrder = new Map<string, number[]>();
  readonly openIntents = new Set<number>();
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
        push(this.byDevice, rec.deviceId as string, i);
        push(this.bySerial, rec.serialHex as string, i);
        push(this.byWorkOrder, rec.workOrder as string | undefined, i);
        this.openIntents.add(i);
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
          this.openIntents.delete(target);
        }
        break;
      }
      case 'verification-cert':
        push(this.bySerial, rec.serialHex as string, i);
        break;
      default:
        break;
    }
    this.size = i + 1;
    this.end = offset + length + 1;
  }
}

const T_PREFIX = Buffer.from('{"t":"');
const N_KEY = Buffer.from(',"n":');
const K_DEVICE = Buffer.from('"deviceId":"');
const K_SERIAL = Buffer.from('"serialHex":"');
const K_WORK_ORDER = Buffer.from('"workOrder":"');
const K_INTENT = Buffer.from('"intent":');
const LINKED = new Set(['done', 'failed', 'outcome', 'reconcile']);

/** A string value after `key`; undefined if absent, null if it needs a full parse (escapes). */
function strAfter(line: Buffer, key: Buffer, from: number): string | undefined | null {
  const k = line.indexOf(key, from);
  if (k < 0) return undefined;
  const v = k + key.length;
  const q = line.indexOf(34, v);
  if (q < 0) return null;
  const bs = line.indexOf(92, v);
  if (bs >= 0 && bs < q) return null;
  return line.toString('utf8', v, q);
}

function intAt(line: Buffer, v: number): number {
  let n = 0;
  let i = v;
  for (; i < line.length; i++) {
    const c = line[i]!;
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
 * the fields are found by their keys. Lines that do not fit the writer's shape,
 * or whose values contain escapes, fall back to JSON.parse. Whether the whole
 * line is valid is proven by the Merkle root check (and a full parse of the
 * entries after the last checkpoint).
 */
export function decodeForIndex(buf: Buffer, s: number, e: number): Record<string, unknown> {
  const line = buf.subarray(s, e);
  if (line.length < 16 || line.compare(T_PREFIX, 0, 6, 0, 6) !== 0) return fullParse(buf, s, e);
  const tq = line.indexOf(34, 6);
  if (tq < 0 || line.compare(N_KEY, 0, 5, tq + 1, tq + 6) !== 0) return fullParse(buf, s, e);
  const t = line.toString('latin1', 6, tq);
  const rec: Record<string, unknown> = { t, n: intAt(line, tq + 6) };
  if (t === 'intent') {
    const deviceId = strAfter(line, K_DEVICE, tq);
    const serialHex = strAfter(line, K_SERIAL, tq);
    const workOrder = strAfter(line, K_WORK_ORDER, tq);
    if (deviceId == null || serialHex == null || workOrder === null) return fullParse(buf, s, e);
    rec.deviceId = deviceId;
    rec.serialHex = serialHex;
    if (workOrder !== undefined) rec.workOrder = workOrder;
  } else if (LINKED.has(t)) {
    const k = line.indexOf(K_INTENT, tq);
    if (k < 0) return fullParse(buf, s, e);
    rec.intent = intAt(line, k + K_INTENT.length);
  } else if (t === 'verification-cert') {
    const serialHex = strAfter(line, K_SERIAL, tq);
    if (serialHex == null) return fullParse(buf, s, e);
    rec.serialHex = serialHex;
  }
  return rec;
}
