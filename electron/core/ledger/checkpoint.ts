/**
 * C2SP tlog-checkpoint bodies, tlog-cosignature (Ed25519 cosignature/v1) and
 * tlog-proof files.
 *
 *   checkpoint body:  <origin>\n<size>\n<base64 root>\n[extension lines]
 *   cosigned message: cosignature/v1\ntime <unix seconds>\n<checkpoint body>
 *   cosignature:      — <name> base64(keyID || u64 BE timestamp || Ed25519 sig)
 */
import { sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { CustodianError } from '../errors';
import { LedgerCodes } from './codes';
import { HASH_SIZE, leafHash, verifyInclusion } from './merkle';
import {
  SIG_COSIGNATURE_V1, computeKeyId, ed25519RawPublicKey, formatVkey, openNote, parseNote, signNote,
  signatureLine, verifyEd25519, type NoteSigner, type VerifierKey,
} from './note';

export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
  extensions: string[];
}

function malformed(message: string, details: Record<string, unknown> = {}): CustodianError {
  return new CustodianError(LedgerCodes.NOTE_MALFORMED, message, details);
}

export function formatCheckpointBody(c: Checkpoint): string {
  if (c.root.length !== HASH_SIZE) throw malformed('checkpoint root must be 32 bytes');
  return `${c.origin}\n${c.size}\n${c.root.toString('base64')}\n${c.extensions.map((e) => `${e}\n`).join('')}`;
}

export function parseCheckpointBody(text: string): Checkpoint {
  const lines = text.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '') throw malformed('checkpoint body too short');
  const [origin, sizeStr, rootB64] = lines as [string, string, string];
  if (!origin) throw malformed('checkpoint has an empty origin');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeStr)) throw malformed('checkpoint size is not a decimal', { size: sizeStr });
  const size = Number(sizeStr);
  if (!Number.isSafeInteger(size)) throw malformed('checkpoint size too large');
  const root = Buffer.from(rootB64, 'base64');
  if (root.length !== HASH_SIZE || root.toString('base64') !== rootB64) throw malformed('checkpoint root is not 32 base64 bytes');
  const extensions = lines.slice(3, -1);
  if (extensions.some((e) => e === '')) throw malformed('checkpoint has an empty extension line');
  return { origin, size, root, extensions };
}

export function signCheckpoint(c: Checkpoint, signer: NoteSigner): string {
  return signNote(formatCheckpointBody(c), [signer]);
}

/** Verify a signed checkpoint against the log's vkey and check its origin. */
export function openCheckpoint(note: string, logKey: VerifierKey, origin = logKey.name): Checkpoint {
  const { text } = openNote(note, [logKey]);
  const c = parseCheckpointBody(text);
  if (c.origin !== origin) {
    throw new CustodianError(LedgerCodes.NOTE_UNVERIFIED, `checkpoint origin ${c.origin} is not ${origin}`, { origin: c.origin });
  }
  return c;
}

export function cosignedMessage(body: string, timestamp: number): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${timestamp}\n${body}`, 'utf8');
}

/** An Ed25519 cosigner (the auditor): signs cosignature/v1 statements. */
export interface Cosigner {
  name: string;
  keyId: number;
  vkey: string;
  /** Returns one signature line to append to the checkpoint note. */
  cosign(body: string, timestamp: number): string;
}

export function ed25519Cosigner(name: string, privateKey: KeyObject): Cosigner {
  const pub = ed25519RawPublicKey(privateKey);
  const keyId = computeKeyId(name, SIG_COSIGNATURE_V1, pub);
  return {
    name,
    keyId,
    vkey: formatVkey(name, SIG_COSIGNATURE_V1, pub),
    cosign(body, timestamp) {
      const ts = Buffer.alloc(8);
      ts.writeBigUInt64BE(BigInt(timestamp));
      const sig = sign(null, cosignedMessage(body, timestamp), privateKey);
      return signatureLine(name, keyId, Buffer.concat([ts, sig]));
    },
  };
}

/** Add a cosignature line to a signed checkpoint note. */
export function addCosignature(note: string, cosigner: Cosigner, timestamp = Math.floor(Date.now() / 1000)): string {
  const { text } = parseNote(note);
  return note + cosigner.cosign(text, timestamp);
}

export interface VerifiedCosignature {
  name: string;
  timestamp: number;
}

/** Verified cosignatures on a checkpoint note by the given cosigner keys (type 0x04). */
export function verifyCosignatures(note: string, cosigners: readonly VerifierKey[]): VerifiedCosignature[] {
  const parsed = parseNote(note);
  const out: VerifiedCosignature[] = [];
  for (const s of parsed.signatures) {
    const k = cosigners.find((v) => v.type === SIG_COSIGNATURE_V1 && v.name === s.name && v.keyId === s.keyId);
    if (!k) continue;
    if (s.signature.length !== 8 + 64) throw new CustodianError(LedgerCodes.NOTE_UNVERIFIED, `cosignature by ${s.name} is malformed`);
    const ts = Number(s.signature.readBigUInt64BE(0));
    if (!verifyEd25519(k.publicKey, cosignedMessage(parsed.text, ts), s.signature.subarray(8))) {
      throw new CustodianError(LedgerCodes.NOTE_UNVERIFIED, `cosignature by ${s.name} does not verify`, { name: s.name });
    }
    out.push({ name: s.name, timestamp: ts });
  }
  return out;
}

// ---------------------------------------------------------------- tlog-proof

export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';

export interface TlogProof {
  index: number;
  proof: Buffer[];
  /** The signed checkpoint note, verbatim. */
  checkpoint: string;
  extra?: Buffer;
}

export function formatTlogProof(p: TlogProof): string {
  const lines = [TLOG_PROOF_HEADER];
  if (p.extra) lines.push(`extra ${p.extra.toString('base64')}`);
  lines.push(`index ${p.index}`, ...p.proof.map((h) => h.toString('base64')));
  return `${lines.join('\n')}\n\n${p.checkpoint}`;
}

export function parseTlogProof(text: string): TlogProof {
  const blank = text.indexOf('\n\n');
  if (blank < 0) throw malformed('tlog-proof has no checkpoint');
  const head = text.slice(0, blank).split('\n');
  const checkpoint = text.slice(blank + 2);
  if (head.shift() !== TLOG_PROOF_HEADER) throw malformed('not a c2sp.org/tlog-proof@v1 file');
  let extra: Buffer | undefined;
  if (head[0]?.startsWith('extra ')) extra = Buffer.from(head.shift()!.slice(6), 'base64');
  const idx = /^index (0|[1-9][0-9]*)$/.exec(head.shift() ?? '');
  if (!idx) throw malformed('tlog-proof has no index line');
  const proof = head.map((l) => {
    const h = Buffer.from(l, 'base64');
    if (h.length !== HASH_SIZE) throw malformed('tlog-proof hash is not 32 bytes');
    return h;
  });
  return { index: Number(idx[1]), proof, checkpoint, ...(extra ? { extra } : {}) };
}

/** Verify a tlog-proof for the given entry bytes against the log key. Returns the checkpoint. */
export function verifyTlogProof(text: string, entry: Uint8Array, logKey: VerifierKey): Checkpoint {
  const p = parseTlogProof(text);
  const c = openCheckpoint(p.checkpoint, logKey);
  if (!verifyInclusion(leafHash(entry), p.index, c.size, p.proof, c.root)) {
    throw new CustodianError(LedgerCodes.PROOF_INVALID, 'inclusion proof does not verify', { index: p.index, size: c.size });
  }
  return c;
}
