/**
 * The fields the ledger's index keeps of each record (entry-index.ts), read
 * from a stored line without JSON-parsing it (decodeForIndex) or from the
 * body about to be written (decodeBody). Records are decoded without
 * converting the certificate: done records are parsed up to their final
 * `cert` key only.
 */
import { RECORD_TYPES, TYPE_CODE, type RecordType } from './records';

const CERT_KEY = Buffer.from(',"cert":"');

const Q = 34; // "
const BS = 92; // backslash
const KEY_DEVICE = 'deviceId';
const KEY_SERIAL = 'serialHex';
const KEY_WORK_ORDER = 'workOrder';
const KEY_SPKI = 'spkiSha256';
const KEY_INTENT = 'intent';
const TYPE_BYTES = RECORD_TYPES.map((t) => Buffer.from(t, 'latin1'));
export const C_GENESIS = TYPE_CODE.genesis;
export const C_INTENT = TYPE_CODE.intent;
export const C_OUTCOME = TYPE_CODE.outcome;
export const C_ROTATION = TYPE_CODE['key-rotation'];
export const C_VERIFICATION = TYPE_CODE['verification-cert'];
/** Records that close or follow an intent (`intent` field): reached through it. */
export const LINKED_CODES: boolean[] = RECORD_TYPES.map((t) => t === 'done' || t === 'failed' || t === 'outcome' || t === 'reconcile');

/** The fields the index needs from one record (one reusable, fixed-shape object). */
export interface Decoded {
  /** TYPE_CODE of the record, -1 if unknown or malformed. */
  code: number;
  n: number;
  intent: number;
  deviceId: string | undefined;
  serialHex: string | undefined;
  workOrder: string | undefined;
  spkiSha256: string | undefined;
}

export function newDecoded(): Decoded {
  return { code: -1, n: NaN, intent: NaN, deviceId: undefined, serialHex: undefined, workOrder: undefined, spkiSha256: undefined };
}

function reset(out: Decoded): Decoded {
  out.code = -1;
  out.n = NaN;
  out.intent = NaN;
  out.deviceId = undefined;
  out.serialHex = undefined;
  out.workOrder = undefined;
  out.spkiSha256 = undefined;
  return out;
}

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

function fullParse(buf: Buffer, s: number, e: number, out: Decoded): Decoded {
  reset(out);
  let r: Record<string, unknown>;
  try {
    const c = buf.subarray(s, e).indexOf(CERT_KEY);
    r = JSON.parse(c >= 0 ? `${buf.toString('utf8', s, s + c)}}` : buf.toString('utf8', s, e)) as Record<string, unknown>;
  } catch {
    return out;
  }
  const code = TYPE_CODE[r.t as RecordType];
  if (typeof r.t !== 'string' || code === undefined || !Object.hasOwn(TYPE_CODE, r.t)) return out;
  out.code = code;
  out.n = typeof r.n === 'number' ? r.n : NaN;
  out.intent = typeof r.intent === 'number' ? r.intent : NaN;
  if (typeof r.deviceId === 'string') out.deviceId = r.deviceId;
  if (typeof r.serialHex === 'string') out.serialHex = r.serialHex;
  if (typeof r.workOrder === 'string') out.workOrder = r.workOrder;
  if (typeof r.spkiSha256 === 'string') out.spkiSha256 = r.spkiSha256;
  return out;
}

function typeCode(buf: Buffer, a: number, b: number): number {
  const len = b - a;
  outer: for (let c = 0; c < TYPE_BYTES.length; c++) {
    const t = TYPE_BYTES[c]!;
    if (t.length !== len) continue;
    for (let j = 0; j < len; j++) if (buf[a + j] !== t[j]) continue outer;
    return c;
  }
  return -1;
}

/**
 * The index fields of a record about to be appended, from the body the line
 * is serialised from (so the writer does not scan its own line again). JSON
 * round-trips strings and integers exactly, so these are the values
 * decodeForIndex reads back from the stored line at the next open; a value
 * of the wrong type is left unset (NaN / undefined) and validateNext refuses it.
 */
export function decodeBody(t: RecordType, n: number, body: object): Decoded {
  const out = newDecoded();
  const code = TYPE_CODE[t];
  const b = body as { intent?: unknown; deviceId?: unknown; serialHex?: unknown; workOrder?: unknown; spkiSha256?: unknown };
  out.code = code;
  out.n = n;
  if (code === C_INTENT) {
    if (typeof b.deviceId === 'string') out.deviceId = b.deviceId;
    if (typeof b.serialHex === 'string') out.serialHex = b.serialHex;
    if (typeof b.workOrder === 'string') out.workOrder = b.workOrder;
    if (typeof b.spkiSha256 === 'string') out.spkiSha256 = b.spkiSha256;
  } else if (LINKED_CODES[code]) {
    out.intent = typeof b.intent === 'number' ? b.intent : NaN;
  } else if (code !== C_GENESIS) {
    // verification-cert, and any other type: whatever of the three lookup fields it has.
    if (typeof b.deviceId === 'string') out.deviceId = b.deviceId;
    if (typeof b.serialHex === 'string') out.serialHex = b.serialHex;
    if (typeof b.workOrder === 'string') out.workOrder = b.workOrder;
  }
  return out;
}

/**
 * Decode the index-relevant fields of the line buf[s:e] (no newline) without
 * JSON-parsing it: records are written with a fixed key order (t, n, at, …), so
 * the fields are found by their keys with plain byte loops. Lines that do not
 * fit the writer's shape, or whose values contain escapes, fall back to
 * JSON.parse. Whether the whole line is valid is proven by the Merkle root
 * check (and a full parse of the entries after the last checkpoint).
 * With `presence`, an intent's device ID and serial are only checked to be
 * there (set to ''), and other records' lookup fields are not read.
 */
export function decodeForIndex(buf: Buffer, s: number, e: number, out: Decoded = newDecoded(), presence = false): Decoded {
  // {"t":"<type>","n":<n>,"at":"…",
  if (e - s < 16 || buf[s] !== 123 || buf[s + 1] !== Q || buf[s + 2] !== 116 || buf[s + 3] !== Q || buf[s + 4] !== 58 || buf[s + 5] !== Q) {
    return fullParse(buf, s, e, out);
  }
  let tq = s + 6;
  while (tq < e && buf[tq] !== Q) tq++;
  if (buf[tq + 1] !== 44 || buf[tq + 2] !== Q || buf[tq + 3] !== 110 || buf[tq + 4] !== Q || buf[tq + 5] !== 58) return fullParse(buf, s, e, out);
  reset(out);
  const code = typeCode(buf, s + 6, tq);
  if (code < 0) return fullParse(buf, s, e, out);
  out.code = code;
  out.n = intAt(buf, tq + 6, e);
  if (presence && code === C_INTENT) {
    // Only whether the intent names a device and a serial (full verification): no strings made.
    const d = keyEnd(buf, tq, e, KEY_DEVICE);
    const sv = d < 0 || buf[d] !== Q ? -1 : keyEnd(buf, d, e, KEY_SERIAL);
    if (sv < 0 || buf[sv] !== Q) return fullParse(buf, s, e, out);
    out.deviceId = '';
    out.serialHex = '';
  } else if (presence && !LINKED_CODES[code]) {
    // Nothing else is checked of other records.
  } else if (code === C_INTENT) {
    const d = keyEnd(buf, tq, e, KEY_DEVICE);
    const deviceId = d < 0 ? undefined : stringAt(buf, d, e);
    const sv = d < 0 ? -1 : keyEnd(buf, d, e, KEY_SERIAL);
    const serialHex = sv < 0 ? undefined : stringAt(buf, sv, e);
    if (deviceId === undefined || serialHex === undefined) return fullParse(buf, s, e, out);
    out.deviceId = deviceId;
    out.serialHex = serialHex;
    // The writer puts spkiSha256 right after serialHex (IntentFields order); a hex value, never escaped.
    const k = keyEnd(buf, sv, e, KEY_SPKI);
    if (k >= 0) {
      const spki = stringAt(buf, k, e);
      if (spki === undefined) return fullParse(buf, s, e, out);
      out.spkiSha256 = spki;
    }
    const w = keyEnd(buf, sv, e, KEY_WORK_ORDER);
    if (w >= 0) {
      const workOrder = stringAt(buf, w, e);
      if (workOrder === undefined) return fullParse(buf, s, e, out);
      out.workOrder = workOrder;
    }
  } else if (LINKED_CODES[code]) {
    const k = keyEnd(buf, tq, e, KEY_INTENT);
    if (k < 0) return fullParse(buf, s, e, out);
    out.intent = intAt(buf, k, e);
  } else if (code === C_VERIFICATION) {
    const k = keyEnd(buf, tq, e, KEY_SERIAL);
    const serialHex = k < 0 ? undefined : stringAt(buf, k, e);
    if (serialHex === undefined) return fullParse(buf, s, e, out);
    out.serialHex = serialHex;
  } else if (code !== C_GENESIS) {
    // Any other type (station events, and types this index knows nothing else of): the lookup fields it has.
    for (const key of OTHER_KEYS) {
      const k = keyEnd(buf, tq, e, key);
      if (k < 0) continue;
      const v = stringAt(buf, k, e);
      if (v === undefined) return fullParse(buf, s, e, out);
      out[key] = v;
    }
  }
  return out;
}

const OTHER_KEYS = [KEY_DEVICE, KEY_SERIAL, KEY_WORK_ORDER] as const;
