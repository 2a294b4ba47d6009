/**
 * The audit's reading of a bundle's `entries.jsonl`. Every complete line is
 * hashed into the tree exactly as stored; it is then checked as a record: at
 * most MAX_ENTRY_BYTES long, a JSON object, a known type, its own index `n`,
 * a string time `at`, and the fields its type requires with their JSON types
 * (docs/ledger-format.md §2). A line that fails is a finding and takes no part
 * in the record checks that follow; nothing in it can stop the audit.
 */
import { z } from 'zod';
import { escapeUnsafe } from '../../shared/unsafe-text';
import { AuditFindings } from './codes';
import { MerkleTree, leafHash } from './merkle';
import { RECORD_TYPES, type LedgerRecord, type RecordType } from './records';
import { MAX_ENTRY_BYTES } from './scan';

const str = z.string();
const optStr = z.string().optional();
const index = z.number().int().nonnegative();

/**
 * What the audit needs of each record type: the fields it reads, with their
 * types. Writer-side limits (lengths, hex patterns) are not repeated here: a
 * value that breaks them shows as a mismatch with the certificate or its intent.
 */
const BODIES: { readonly [K in RecordType]: z.ZodType } = {
  genesis: z.object({ stationId: str, origin: str, vkey: str, software: str }),
  intent: z.object({
    deviceId: str, subject: str, serialHex: str, spkiSha256: str, csrSha256: optStr, issuerFingerprint: str, profile: str,
    notBefore: str, notAfter: str, operator: str, workOrder: optStr, reissueReason: optStr,
    driver: optStr, device: z.record(str, str).optional(), proofs: z.array(str).optional(),
    attestation: z.object({ format: str, token: str, signature: str }).optional(),
    replaces: optStr, renewal: z.enum(['renew', 're-key']).optional(),
  }),
  done: z.object({ intent: index, deviceId: str, serialHex: str, issuerFingerprint: str, certSha256: str, cert: str }),
  failed: z.object({ intent: index, code: str, message: str }),
  outcome: z.object({ intent: index, result: z.enum(['passed', 'failed']), finalProof: optStr, proofs: z.array(str).optional(), code: optStr, message: optStr }),
  reconcile: z.object({
    intent: index, resolution: z.enum(['abandoned', 'issued']), operator: str, reason: str, serialHex: optStr, certSha256: optStr, cert: optStr,
  }),
  'authority-import': z.object({ role: str, subject: str, fingerprint: str, operator: str, source: optStr }),
  'authority-key-load': z.object({ fingerprint: str, operator: str, keyRef: optStr }),
  'verification-cert': z.object({ purpose: str, subject: str, serialHex: str, issuerFingerprint: str, operator: str, certSha256: str, cert: str }),
  config: z.object({ key: str, operator: str }),
  session: z.object({ operator: str, action: str, role: optStr }),
  'authority-unlock-failed': z.object({ fingerprint: str, operator: str, code: str, attempt: index, delayMs: index, keyRef: optStr }),
  'key-rotation': z.object({ vkey: str, previous: str, location: str, operator: str, keyRef: optStr }),
  revocation: z.object({
    serialHex: str, issuerFingerprint: str, subject: z.enum(['device', 'ca']), deviceId: optStr, reason: str, revokedAt: str, operator: str, replacedBy: optStr,
  }),
  crl: z.object({ issuerFingerprint: str, crlNumber: str, thisUpdate: str, nextUpdate: str, revoked: index, operator: str, crlSha256: str, crl: str }),
  'authority-successor': z.object({ subject: str, fingerprint: str, previous: str, notAfter: str, operator: str }),
};

export interface EntryFinding {
  kind: string;
  message: string;
  index?: number;
}

export interface ReadEntries {
  tree: MerkleTree;
  /** One per complete line; null where the line is not a record the audit can check. */
  records: (LedgerRecord | null)[];
  findings: EntryFinding[];
}

/** A value from a bundle, quoted, cut short and with invisible or control characters escaped, for a finding's message. */
export const quote = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return escapeUnsafe(s.length > 40 ? `${s.slice(0, 40)}…` : s);
};

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;
}

/** Check one line as record `i`: the record (null if unusable) and what is wrong with it. */
function checkLine(line: Buffer, i: number): { record: LedgerRecord | null; finding?: EntryFinding } {
  const malformed = (message: string) => ({ record: null, finding: { kind: AuditFindings.ENTRY_MALFORMED, message, index: i } });
  if (line.length > MAX_ENTRY_BYTES) return malformed(`entry is ${line.length} bytes, longer than the ${MAX_ENTRY_BYTES} a ledger entry may be`);
  let v: unknown;
  try { v = JSON.parse(line.toString('utf8')); } catch { return malformed('entry is not JSON'); }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return malformed(`entry is ${kindOf(v)}, not a JSON object`);
  const r = v as { t?: unknown; n?: unknown; at?: unknown };
  if (typeof r.t !== 'string' || !(RECORD_TYPES as readonly string[]).includes(r.t)) return malformed(`entry has an unknown record type ${quote(r.t)}`);
  if (!Number.isSafeInteger(r.n) || (r.n as number) < 0) return malformed(`${r.t} entry has no valid index n (${quote(r.n)})`);
  if (typeof r.at !== 'string') return malformed(`${r.t} entry has no time at (${quote(r.at)})`);
  const body = BODIES[r.t as RecordType].safeParse(v);
  if (!body.success) {
    const issues = body.error.issues.slice(0, 3).map((x) => `${x.path.join('.') || '(record)'}: ${x.message}`);
    return malformed(`${r.t} entry lacks fields or has fields of the wrong type: ${issues.join('; ')}`);
  }
  const record = v as LedgerRecord;
  if (r.n !== i) {
    return { record, finding: { kind: AuditFindings.SEQUENCE, message: `entry carries index ${String(r.n)}: removed, inserted or reordered entries`, index: i } };
  }
  return { record };
}

/** Hash every complete line into a tree and check it as a record. */
export function readEntries(entries: Buffer): ReadEntries {
  const tree = new MerkleTree();
  const records: (LedgerRecord | null)[] = [];
  const findings: EntryFinding[] = [];
  let pos = 0;
  while (pos < entries.length) {
    const nl = entries.indexOf(10, pos);
    if (nl < 0) {
      findings.push({ kind: AuditFindings.ENTRY_MALFORMED, message: `entries end in a partial line (${entries.length - pos} bytes after the last newline): the file was cut short` });
      break;
    }
    const line = entries.subarray(pos, nl);
    tree.appendLeafHash(leafHash(line));
    const { record, finding } = checkLine(line, records.length);
    if (finding) findings.push(finding);
    records.push(record);
    pos = nl + 1;
  }
  if (records.length === 0) findings.push({ kind: AuditFindings.ENTRY_MALFORMED, message: 'the bundle holds no complete entry (a ledger begins with its genesis record)', index: 0 });
  return { tree, records, findings };
}
