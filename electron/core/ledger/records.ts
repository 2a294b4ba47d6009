/**
 * Ledger record schema. Each record is one line of JSON; the bytes are hashed
 * exactly as stored. Every record begins with the same three keys, in order:
 * `t` (type), `n` (its own zero-based index) and `at` (ISO 8601 UTC time);
 * the type's fields follow. Large fields come last (`cert` in done records) so
 * that readers can index a ledger without decoding certificates.
 */
import { z } from 'zod';
import { CustodianError } from '../errors';
import { LedgerCodes } from './codes';
import { LEAF_PREFIX } from './merkle';
import { FINAL_PROOFS, PROOFS } from '../station/proofs';

const NEWLINE = 0x0a;

const HEX64 = /^[0-9a-f]{64}$/;
const SERIAL_HEX = /^[0-9a-f]+$/;
const SERIAL_MAX = 40;
/** Longest text per intent field, in UTF-16 code units (zod's string length). */
const INTENT_TEXT_MAX = { deviceId: 128, subject: 1024, profile: 128, operator: 128, workOrder: 128, reissueReason: 1024, driver: 32, fact: 256, token: 4096 } as const;
/** Driver facts per intent: at most this many, each key a short identifier. */
const DEVICE_FACTS_MAX = 16;

const hex64 = z.string().regex(HEX64, 'lowercase hex SHA-256');
const serial = z.string().regex(SERIAL_HEX, 'lowercase hex serial').max(SERIAL_MAX);
const text = (max: number) => z.string().min(1).max(max);
const isIso = (s: string): boolean => !Number.isNaN(Date.parse(s));
const iso = z.string().refine(isIso, 'ISO 8601 time');

export const IntentFields = z.object({
  deviceId: text(INTENT_TEXT_MAX.deviceId),
  subject: text(INTENT_TEXT_MAX.subject),
  serialHex: serial,
  spkiSha256: hex64,
  csrSha256: hex64.optional(),
  issuerFingerprint: hex64,
  profile: text(INTENT_TEXT_MAX.profile),
  notBefore: iso,
  notAfter: iso,
  operator: text(INTENT_TEXT_MAX.operator),
  workOrder: text(INTENT_TEXT_MAX.workOrder).optional(),
  reissueReason: text(INTENT_TEXT_MAX.reissueReason).optional(),
  driver: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'driver name').optional(),
  device: z
    .record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9]{0,31}$/, 'fact name'), z.string().max(INTENT_TEXT_MAX.fact))
    .refine((r) => Object.keys(r).length <= DEVICE_FACTS_MAX, `at most ${DEVICE_FACTS_MAX} device facts`)
    .optional(),
  proofs: z.array(z.enum(PROOFS)).max(PROOFS.length).optional(),
  attestation: z
    .object({ format: z.string().regex(/^[a-z0-9-]{1,32}$/, 'attestation format'), token: text(INTENT_TEXT_MAX.token), signature: z.enum(['verified', 'unverified']) })
    .strict()
    .optional(),
  replaces: serial.optional(),
  renewal: z.enum(['renew', 're-key']).optional(),
}).strict();

type IntentBody = z.infer<typeof IntentFields>;

/** Record bodies as callers supply them (the ledger adds t, n and at). */
export interface RecordBodies {
  genesis: { stationId: string; origin: string; vkey: string; software: string };
  intent: IntentBody;
  done: { intent: number; deviceId: string; serialHex: string; issuerFingerprint: string; certSha256: string; cert: string };
  failed: { intent: number; code: string; message: string };
  outcome: { intent: number; result: 'passed' | 'failed'; finalProof?: (typeof FINAL_PROOFS)[number]; proofs?: (typeof PROOFS)[number][]; code?: string; message?: string };
  reconcile: {
    intent: number;
    /** `abandoned`: the operator states nothing from the intent reached a device; `issued`: the certificate is supplied (cert last). */
    resolution: 'abandoned' | 'issued';
    operator: string;
    reason: string;
    serialHex?: string;
    certSha256?: string;
    cert?: string;
  };
  'authority-import': { role: string; subject: string; fingerprint: string; operator: string; source?: string };
  'authority-key-load': { fingerprint: string; operator: string; keyRef?: string };
  'verification-cert': {
    purpose: string; subject: string; serialHex: string; issuerFingerprint: string; operator: string; certSha256: string; cert: string;
  };
  config: { key: string; value: unknown; previous?: unknown; operator: string };
  session: { operator: string; action: 'login' | 'logout' | 'lock' | 'unlock'; role?: string };
  /** A wrong passphrase at unlock: `attempt` wrong in a row in that process, `delayMs` imposed before the next one. */
  'authority-unlock-failed': { fingerprint: string; operator: string; code: string; attempt: number; delayMs: number; keyRef?: string };
  /**
   * The checkpoint key changes to `vkey` (same origin, new key ID). The
   * previous key signs the checkpoint that covers this record; the new key
   * signs every checkpoint larger than that (docs/ledger-format.md §Key rotation).
   */
  'key-rotation': { vkey: string; previous: string; location: 'sealed' | 'token'; operator: string; keyRef?: string };
  /**
   * A certificate this station issued is revoked (electron/core/lifecycle/revocation.ts):
   * a device leaf, or a subordinate CA it signed. `reason` is an RFC 5280 CRLReason name.
   */
  revocation: {
    serialHex: string; issuerFingerprint: string; subject: 'device' | 'ca'; deviceId?: string;
    reason: string; revokedAt: string; operator: string; replacedBy?: string;
  };
  /** A CRL the station's CA signed: its number (decimal, monotonic per issuer), its times, and the CRL itself (DER, base64, last). */
  crl: {
    issuerFingerprint: string; crlNumber: string; thisUpdate: string; nextUpdate: string; revoked: number; operator: string; crlSha256: string; crl: string;
  };
  /** CA rollover (authority/rollover.ts): `fingerprint` signs from here on; `previous` is retired (kept for CRLs and its devices' chains). */
  'authority-successor': { subject: string; fingerprint: string; previous: string; notAfter: string; operator: string };
}

export type RecordType = keyof RecordBodies;
export const RECORD_TYPES: readonly RecordType[] = [
  'genesis', 'intent', 'done', 'failed', 'outcome', 'reconcile',
  'authority-import', 'authority-key-load', 'verification-cert', 'config', 'session',
  // New types go last: a type's position is its stored code.
  'authority-unlock-failed',
  'key-rotation',
  'revocation',
  'crl',
  'authority-successor',
];
/** Numeric codes for compact per-entry storage (index = code). */
export const TYPE_CODE: Record<RecordType, number> = Object.fromEntries(RECORD_TYPES.map((t, i) => [t, i])) as Record<RecordType, number>;

export type LedgerRecord = { [K in RecordType]: { t: K; n: number; at: string } & RecordBodies[K] }[RecordType];

/** Encode a record as its stored line (without the newline). Key order is fixed: t, n, at, body. */
export function encodeRecord<K extends RecordType>(t: K, n: number, at: string, body: RecordBodies[K]): Buffer {
  const framed = frameRecord(t, n, at, body);
  return framed.subarray(1, framed.length - 1);
}

/**
 * The stored line framed for the writer: 0x00 ‖ line ‖ 0x0A. The ledger
 * writes the line and its newline and hashes 0x00 ‖ line as the RFC 6962 leaf
 * (docs/ledger-format.md §3) from the same buffer, without copying the line.
 */
export function frameRecord<K extends RecordType>(t: K, n: number, at: string, body: RecordBodies[K]): Buffer {
  const line = plainBodyLine(t, n, at, body) ?? genericLine(t, n, at, body);
  const length = Buffer.byteLength(line, 'utf8');
  const framed = Buffer.allocUnsafe(length + 2);
  framed[0] = LEAF_PREFIX;
  framed.write(line, 1, 'utf8');
  framed[length + 1] = NEWLINE;
  return framed;
}

/** Any body: t, n, at, the body's defined fields in order, cert last. */
function genericLine(t: RecordType, n: number, at: string, body: object): string {
  const rec: Record<string, unknown> = { t, n, at };
  for (const [k, v] of Object.entries(body)) if (v !== undefined && k !== 'cert') rec[k] = v;
  const cert = (body as { cert?: string }).cert;
  if (cert !== undefined) rec.cert = cert;
  return JSON.stringify(rec);
}

/** Body keys that would not serialise after t, n and at in place (an integer-like key sorts first as well). */
const NOT_PLAIN_KEYS: ReadonlySet<string> = new Set(['t', 'n', 'at', 'toJSON']);

/**
 * The same line as genericLine, for the bodies the station writes per device
 * (a plain object, cert absent or its last key): the prefix followed by the
 * body's own JSON, without copying the body into a new object first. Null
 * for any other body.
 */
function plainBodyLine(t: RecordType, n: number, at: string, body: object): string | null {
  const proto = Object.getPrototypeOf(body) as unknown;
  if ((proto !== Object.prototype && proto !== null) || !Number.isSafeInteger(n)) return null;
  const keys = Object.keys(body);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const c = k.charCodeAt(0);
    if (NOT_PLAIN_KEYS.has(k) || (c >= 48 && c <= 57) || (k === 'cert' && i !== keys.length - 1)) return null;
  }
  const json = JSON.stringify(body);
  const prefix = `{"t":${JSON.stringify(t)},"n":${n},"at":${JSON.stringify(at)}`;
  return json === '{}' ? `${prefix}}` : `${prefix},${json.slice(1)}`;
}

export function decodeRecord(line: Uint8Array | string): LedgerRecord {
  let v: unknown;
  try {
    v = JSON.parse(typeof line === 'string' ? line : Buffer.from(line).toString('utf8'));
  } catch (e) {
    throw new CustodianError(LedgerCodes.RECORD_INVALID, 'entry is not JSON', {}, { cause: e });
  }
  const r = v as { t?: unknown; n?: unknown; at?: unknown };
  if (!r || typeof r !== 'object' || !RECORD_TYPES.includes(r.t as RecordType) || typeof r.n !== 'number' || typeof r.at !== 'string') {
    throw new CustodianError(LedgerCodes.RECORD_INVALID, 'entry lacks t, n or at');
  }
  return v as LedgerRecord;
}

/** Decoded fields the UI shows in its ledger list. */
export interface EntrySummary {
  index: number;
  type: RecordType;
  at: string;
  deviceId?: string;
  serialHex?: string;
  workOrder?: string;
  operator?: string;
  /** For done/failed/outcome/reconcile: index of the intent they refer to. */
  intent?: number;
  /** passed/failed/abandoned/issued, or the failure code. */
  result?: string;
  /** One-line human description. */
  text: string;
}

export function summarize(r: LedgerRecord, intent?: Extract<LedgerRecord, { t: 'intent' }>): EntrySummary {
  const s: EntrySummary = { index: r.n, type: r.t, at: r.at, text: r.t };
  const fromIntent = () => {
    if (intent) {
      s.deviceId = intent.deviceId;
      s.serialHex = intent.serialHex;
      if (intent.workOrder) s.workOrder = intent.workOrder;
    }
  };
  switch (r.t) {
    case 'genesis': s.text = `station ${r.stationId} ledger created (${r.origin})`; break;
    case 'intent':
      s.deviceId = r.deviceId; s.serialHex = r.serialHex; s.operator = r.operator;
      if (r.workOrder) s.workOrder = r.workOrder;
      s.text = `intent to sign ${r.subject} serial ${r.serialHex}${r.renewal ? ` (${r.renewal} of ${r.replaces ?? '?'})` : r.reissueReason ? ' (re-issue)' : ''}`;
      break;
    case 'done': s.intent = r.intent; fromIntent(); s.deviceId = r.deviceId; s.serialHex = r.serialHex; s.result = 'issued';
      s.text = `certificate issued for ${r.deviceId}`; break;
    case 'failed': s.intent = r.intent; fromIntent(); s.result = r.code; s.text = `signing failed: ${r.code}`; break;
    case 'outcome': s.intent = r.intent; fromIntent(); s.result = r.result;
      s.text = r.result === 'passed' ? 'device passed' : `device failed: ${r.code ?? ''}`; break;
    case 'reconcile': s.intent = r.intent; fromIntent(); s.operator = r.operator; s.result = r.resolution;
      s.text = `intent reconciled as ${r.resolution}: ${r.reason}`; break;
    case 'authority-import': s.operator = r.operator; s.text = `authority imported: ${r.role} ${r.subject}`; break;
    case 'authority-key-load': s.operator = r.operator; s.text = `authority key loaded: ${r.fingerprint.slice(0, 16)}`; break;
    case 'verification-cert': s.operator = r.operator; s.serialHex = r.serialHex;
      s.text = `verification certificate issued: ${r.purpose} ${r.subject}`; break;
    case 'config': s.operator = r.operator; s.text = `configuration changed: ${r.key}`; break;
    case 'session': s.operator = r.operator; s.text = `operator ${r.action}: ${r.operator}`; break;
    case 'authority-unlock-failed': s.operator = r.operator; s.result = r.code;
      s.text = `authority unlock failed: ${r.code} (${r.attempt} in a row)`; break;
    case 'key-rotation': s.operator = r.operator; s.text = `checkpoint key rotated (${r.location}): ${r.vkey.split('+')[1] ?? ''}`; break;
    case 'revocation': s.operator = r.operator; s.serialHex = r.serialHex; s.result = r.reason;
      if (r.deviceId) s.deviceId = r.deviceId;
      s.text = `${r.subject === 'ca' ? 'subordinate CA' : 'certificate'} revoked (${r.reason})`; break;
    case 'authority-successor': s.operator = r.operator; s.text = `CA rollover: ${r.subject} [${r.fingerprint.slice(0, 16)}] succeeds [${r.previous.slice(0, 16)}]`; break;
    case 'crl': s.operator = r.operator; s.text = `CRL ${r.crlNumber} issued (${r.revoked} revoked, next update ${r.nextUpdate})`; break;
  }
  return s;
}
