/**
 * Inputs of the offline audit: bundle directories, note files, PEM/DER
 * certificates and the chain validator (the pki engine's validateChain by
 * default; it is injectable).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { INPUT_LIMITS, readBoundedSync, type InputKind } from '../bounded-read';
import { CustodianError, isCustodianError } from '../errors';
import { sha256Hex, validateParsedChain, type CertificateFacts } from '../pki/index';
import { AuditCodes } from './codes';
import { BUNDLE_CHAIN, BUNDLE_ENTRIES, BUNDLE_RETIRED_DIR, BUNDLE_VKEY, BUNDLE_VKEYS } from './bundle';
import { CHECKPOINT_FILE, COSIGNED_FILE, HISTORY_FILE } from './ledger';

export interface Bundle {
  dir: string;
  /** The checkpoint key in force. */
  vkey: string;
  /** Every checkpoint key in force so far, oldest first (`ledger.vkeys`; absent from bundles of stations that never rotated). */
  vkeys?: string[];
  entries: Buffer;
  checkpoint: string;
  history: string[];
  cosigned: string[];
  chain: Uint8Array[];
  /** The chains of the station's earlier issuing CAs (a CA rollover retired them), each CA first: `retired/*.pem`. */
  retiredChains?: Uint8Array[][];
  /** Lines of checkpoints.jsonl or cosigned.jsonl that are not JSON strings (left out of history and cosigned; each is a finding). */
  malformed?: { file: string; line: number; message: string }[];
}

function bad(message: string, details: Record<string, unknown>): CustodianError {
  return new CustodianError(AuditCodes.BUNDLE_INVALID, message, details);
}

/**
 * A bundle file, bounded by its kind (INPUT_LIMITS: INPUT_TOO_LARGE past the
 * bound). `ledger export` writes regular files, so a FIFO or a device in a
 * bundle is refused unread (INPUT_NOT_A_FILE).
 */
function read(path: string, kind: InputKind, what = 'audit bundle file'): Buffer {
  return readBoundedSync(path, { limit: INPUT_LIMITS[kind], what, regularOnly: true });
}

/** The JSON string on each non-empty line; a line that is not one is noted in `malformed` (by 1-based line number) and left out. */
function jsonLines(path: string, kind: InputKind, malformed: NonNullable<Bundle['malformed']>): string[] {
  if (!existsSync(path)) return [];
  const file = basename(path);
  const out: string[] = [];
  read(path, kind).toString('utf8').split('\n').forEach((l, i) => {
    if (l === '') return;
    let v: unknown;
    try { v = JSON.parse(l); } catch { malformed.push({ file, line: i + 1, message: 'not JSON' }); return; }
    if (typeof v === 'string') out.push(v);
    else malformed.push({ file, line: i + 1, message: `${v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`}, not a JSON string holding a signed note` });
  });
  return out;
}

export function readBundle(dir: string): Bundle {
  for (const f of [BUNDLE_ENTRIES, CHECKPOINT_FILE, BUNDLE_VKEY, BUNDLE_CHAIN]) {
    if (!existsSync(join(dir, f))) throw bad(`bundle ${dir} lacks ${f}`, { dir, file: f });
  }
  const malformed: NonNullable<Bundle['malformed']> = [];
  return {
    dir,
    vkey: read(join(dir, BUNDLE_VKEY), 'note').toString('utf8').trim(),
    ...(existsSync(join(dir, BUNDLE_VKEYS)) ? { vkeys: read(join(dir, BUNDLE_VKEYS), 'note').toString('utf8').split('\n').map((l) => l.trim()).filter(Boolean) } : {}),
    entries: read(join(dir, BUNDLE_ENTRIES), 'entries'),
    checkpoint: read(join(dir, CHECKPOINT_FILE), 'note').toString('utf8'),
    history: jsonLines(join(dir, HISTORY_FILE), 'checkpointHistory', malformed),
    cosigned: jsonLines(join(dir, COSIGNED_FILE), 'notes', malformed),
    chain: certificatesFrom(read(join(dir, BUNDLE_CHAIN), 'certificates')),
    ...(existsSync(join(dir, BUNDLE_RETIRED_DIR))
      ? { retiredChains: readdirSync(join(dir, BUNDLE_RETIRED_DIR)).filter((n) => n.endsWith('.pem')).sort().map((n) => certificatesFrom(read(join(dir, BUNDLE_RETIRED_DIR, n), 'certificates'))) }
      : {}),
    malformed,
  };
}

/** All certificates in a PEM file (any number of blocks) or a single DER certificate. */
export function certificatesFrom(data: Buffer): Uint8Array[] {
  const text = data.toString('latin1');
  if (text.includes('-----BEGIN')) {
    return [...text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)]
      .map((m) => new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64')));
  }
  return [new Uint8Array(data)];
}

/** Certificates in every file of a directory (PEM or DER), for --observed. */
export function certificatesInDir(dir: string): { file: string; der: Uint8Array }[] {
  const out: { file: string; der: Uint8Array }[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (!statSync(p).isFile()) continue;
    for (const der of certificatesFrom(read(p, 'certificates', 'observed certificate file'))) out.push({ file: name, der });
  }
  return out;
}

/**
 * Signed notes in a file: JSON lines of note strings (checkpoints.jsonl style)
 * or plain notes one after another (each ends after its signature lines).
 */
export function parseNotesFile(text: string): string[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('"')) return trimmed.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as string);
  const notes: string[] = [];
  let cur: string[] = [];
  let inSigs = false;
  for (const line of text.split('\n')) {
    if (inSigs) {
      if (line.startsWith('\u2014 ')) { cur.push(line); continue; }
      notes.push(`${cur.join('\n')}\n`);
      cur = [];
      inSigs = false;
    }
    if (cur.length === 0 && line === '') continue;
    if (line.startsWith('\u2014 ') && cur.length > 0 && cur[cur.length - 1] === '') inSigs = true;
    cur.push(line);
  }
  if (inSigs) notes.push(`${cur.join('\n')}\n`);
  return notes;
}

export interface ChainResult {
  ok: boolean;
  /** Fingerprint (SHA-256 hex of DER) of the CA that signed the certificate. */
  issuerFingerprint?: string;
  issuerSubject?: string;
  reason?: string;
}

/**
 * Validates that `leaf` (read by the audit with pki's readCertificate; its
 * DER is `leaf.der`) was signed by `custodian` (the bundle's issuing CA) and
 * that `custodian` chains through `intermediates` to `root`, at time `at` (when
 * the ledger recorded the certificate). `expectLeaf` is `ca` for a subordinate
 * CA certificate the station signed, `end-entity` (the default) otherwise.
 */
export type ChainValidator = (
  leaf: CertificateFacts, custodian: Uint8Array, intermediates: readonly Uint8Array[], root: Uint8Array, at: Date,
  expectLeaf?: 'end-entity' | 'ca',
) => ChainResult;

/** The default: the certificate engine's RFC 5280 path validation (electron/core/pki validateChain). */
export const pkiChainValidator: ChainValidator = (leaf, custodian, intermediates, root, at, expectLeaf = 'end-entity') => {
  try {
    const r = validateParsedChain(leaf, { intermediates: [custodian, ...intermediates], roots: [root], at, expectLeaf });
    const issuer = r.path[1];
    if (!issuer || issuer.fingerprintSha256 !== sha256Hex(custodian)) {
      return { ok: false, reason: `issued by ${issuer?.subject ?? 'nobody'}, not by this station's custodian CA` };
    }
    return { ok: true, issuerFingerprint: issuer.fingerprintSha256, issuerSubject: issuer.subject };
  } catch (e) {
    return { ok: false, reason: isCustodianError(e) ? `${e.code}: ${e.message}` : (e as Error).message };
  }
};
