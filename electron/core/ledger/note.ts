/**
 * C2SP signed-note (c2sp.org/signed-note) with Ed25519 signatures (type 0x01)
 * and verifier keys ("vkeys": `name+keyid+base64(type || pubkey)`).
 *
 *   key ID = SHA-256(name || 0x0A || type || public key)[:4]
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { CustodianError } from '../errors';
import { LedgerCodes } from './codes';
import { sha256 } from './merkle';

export const SIG_ED25519 = 0x01;
export const SIG_COSIGNATURE_V1 = 0x04;
const EM_DASH = '\u2014';
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function malformed(message: string, details: Record<string, unknown> = {}): CustodianError {
  return new CustodianError(LedgerCodes.NOTE_MALFORMED, message, details);
}

export function computeKeyId(name: string, type: number, publicKey: Uint8Array): number {
  const h = sha256(Buffer.concat([Buffer.from(name, 'utf8'), Buffer.from([0x0a, type]), publicKey]));
  return h.readUInt32BE(0);
}

export function keyIdHex(id: number): string {
  return id.toString(16).padStart(8, '0');
}

function checkKeyName(name: string): void {
  if (!name || /[\s+]/u.test(name)) throw malformed(`invalid key name ${JSON.stringify(name)}`);
}

export function ed25519PublicKeyObject(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw malformed('Ed25519 public key must be 32 bytes');
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function ed25519RawPublicKey(key: KeyObject): Buffer {
  const der = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'der', type: 'spki' });
  return Buffer.from(der.subarray(der.length - 32));
}

/** A parsed vkey. `type` is 0x01 (note signer) or 0x04 (cosigner). */
export interface VerifierKey {
  name: string;
  keyId: number;
  type: number;
  publicKey: Buffer;
}

export function formatVkey(name: string, type: number, publicKey: Uint8Array): string {
  checkKeyName(name);
  const id = computeKeyId(name, type, publicKey);
  return `${name}+${keyIdHex(id)}+${Buffer.concat([Buffer.from([type]), publicKey]).toString('base64')}`;
}

export function parseVkey(vkey: string): VerifierKey {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(vkey.trim());
  if (!m) throw malformed('malformed verifier key');
  const [, name, idHex, b64] = m as unknown as [string, string, string, string];
  const raw = Buffer.from(b64, 'base64');
  if (raw.toString('base64') !== b64 || raw.length !== 33) throw malformed('malformed verifier key material');
  const type = raw[0]!;
  if (type !== SIG_ED25519 && type !== SIG_COSIGNATURE_V1) throw malformed(`unsupported signature type ${type}`);
  const publicKey = raw.subarray(1);
  const keyId = computeKeyId(name, type, publicKey);
  if (keyIdHex(keyId) !== idHex) throw malformed('verifier key ID does not match its key', { name, expected: keyIdHex(keyId), got: idHex });
  return { name, keyId, type, publicKey: Buffer.from(publicKey) };
}

/** An Ed25519 note signer (signature type 0x01). */
export interface NoteSigner {
  name: string;
  keyId: number;
  vkey: string;
  sign(message: Uint8Array): Buffer;
}

export function ed25519Signer(name: string, privateKey: KeyObject): NoteSigner {
  checkKeyName(name);
  const pub = ed25519RawPublicKey(privateKey);
  return {
    name,
    keyId: computeKeyId(name, SIG_ED25519, pub),
    vkey: formatVkey(name, SIG_ED25519, pub),
    sign: (message) => sign(null, message, privateKey),
  };
}

export function generateEd25519(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

export function privateKeyFromPkcs8(der: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
}

export interface NoteSignature {
  name: string;
  keyId: number;
  /** Signature bytes after the 4-byte key ID. */
  signature: Buffer;
  /** The whole signature line including the em dash and the newline. */
  line: string;
}

export interface ParsedNote {
  text: string;
  signatures: NoteSignature[];
}

/** Split a signed note into text and signature lines (no verification). */
export function parseNote(note: string): ParsedNote {
  if (!note.endsWith('\n')) throw malformed('note does not end in a newline');
  if (/[\x00-\x09\x0b-\x1f]/.test(note)) throw malformed('note contains control characters');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw malformed('note has no signature block');
  const text = note.slice(0, split + 1);
  const sigLines = note.slice(split + 2, -1).split('\n');
  const signatures: NoteSignature[] = [];
  for (const l of sigLines) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/u.exec(l);
    if (!m) throw malformed('malformed signature line', { line: l });
    const raw = Buffer.from(m[2]!, 'base64');
    if (raw.length < 5) throw malformed('signature too short');
    signatures.push({ name: m[1]!, keyId: raw.readUInt32BE(0), signature: raw.subarray(4), line: `${l}\n` });
  }
  if (!signatures.length) throw malformed('note has no signatures');
  return { text, signatures };
}

export function signatureLine(name: string, keyId: number, signature: Uint8Array): string {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(keyId, 0);
  return `${EM_DASH} ${name} ${Buffer.concat([id, signature]).toString('base64')}\n`;
}

export function signNote(text: string, signers: readonly NoteSigner[]): string {
  if (!text.endsWith('\n')) throw malformed('note text must end in a newline');
  const msg = Buffer.from(text, 'utf8');
  return `${text}\n${signers.map((s) => signatureLine(s.name, s.keyId, s.sign(msg))).join('')}`;
}

export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  return verify(null, message, ed25519PublicKeyObject(publicKey), signature);
}

/**
 * Verify a note against Ed25519 (type 0x01) verifier keys. Signatures from
 * unknown keys are ignored; a failing signature from a known key, or no
 * verified known signature at all, rejects with LEDGER_NOTE_UNVERIFIED.
 */
export function openNote(note: string, verifiers: readonly VerifierKey[]): { text: string; verifiedBy: string[] } {
  const parsed = parseNote(note);
  const msg = Buffer.from(parsed.text, 'utf8');
  const verifiedBy: string[] = [];
  for (const s of parsed.signatures) {
    const v = verifiers.find((k) => k.type === SIG_ED25519 && k.name === s.name && k.keyId === s.keyId);
    if (!v) continue;
    if (!verifyEd25519(v.publicKey, msg, s.signature)) {
      throw new CustodianError(LedgerCodes.NOTE_UNVERIFIED, `signature by ${s.name} does not verify`, { name: s.name });
    }
    verifiedBy.push(s.name);
  }
  if (!verifiedBy.length) {
    throw new CustodianError(LedgerCodes.NOTE_UNVERIFIED, 'note is not signed by any known key', {
      known: verifiers.map((v) => v.name),
    });
  }
  return { text: parsed.text, verifiedBy };
}
