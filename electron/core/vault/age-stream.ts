/**
 * age v1 payload: the STREAM construction over ChaCha20-Poly1305 with 64 KiB
 * plaintext chunks. Nonce = 11-byte big-endian chunk counter ‖ last-chunk flag.
 * The payload key is HKDF-SHA-256(ikm = file key, salt = 16-byte payload nonce,
 * info = "payload").
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';

export const CHUNK_SIZE = 64 * 1024;
export const TAG_SIZE = 16;
export const PAYLOAD_NONCE_SIZE = 16;

/** Thrown for any payload authentication/framing failure; the caller maps it to VAULT_CORRUPTED. */
export class PayloadError extends Error {}

export function payloadKey(fileKey: Uint8Array, nonce: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
}

function chunkNonce(counter: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  // Counter fits easily in 48 bits for any file we write or read.
  n.writeUIntBE(counter, 5, 6);
  n[11] = last ? 1 : 0;
  return n;
}

function seal(key: Buffer, nonce: Buffer, plain: Uint8Array): Buffer {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_SIZE });
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

function open(key: Buffer, nonce: Buffer, sealed: Uint8Array): Buffer {
  const body = sealed.subarray(0, sealed.length - TAG_SIZE);
  const tag = sealed.subarray(sealed.length - TAG_SIZE);
  const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_SIZE });
  d.setAuthTag(tag);
  try {
    return Buffer.concat([d.update(body), d.final()]);
  } catch {
    throw new PayloadError('payload chunk failed authentication');
  }
}

/** Encrypt `plain` into STREAM chunks (without the payload nonce). */
export function streamEncrypt(key: Buffer, plain: Uint8Array): Buffer {
  const out: Buffer[] = [];
  let counter = 0;
  let off = 0;
  do {
    const end = Math.min(off + CHUNK_SIZE, plain.length);
    const last = end === plain.length;
    out.push(seal(key, chunkNonce(counter, last), plain.subarray(off, end)));
    counter++;
    off = end;
  } while (off < plain.length);
  return Buffer.concat(out);
}

/**
 * Decrypt STREAM chunks. A chunk shorter than a full one must be the last;
 * a full-size chunk is the last only if nothing follows it. An empty last
 * chunk is only valid for an empty plaintext. Any violation is a PayloadError.
 */
export function streamDecrypt(key: Buffer, sealed: Uint8Array): Buffer {
  const full = CHUNK_SIZE + TAG_SIZE;
  const out: Buffer[] = [];
  let counter = 0;
  let off = 0;
  for (;;) {
    const remaining = sealed.length - off;
    if (remaining < TAG_SIZE) throw new PayloadError('payload truncated');
    const last = remaining <= full;
    const size = last ? remaining : full;
    const plain = open(key, chunkNonce(counter, last), sealed.subarray(off, off + size));
    if (last && plain.length === 0 && counter > 0) throw new PayloadError('empty final chunk');
    out.push(plain);
    off += size;
    counter++;
    if (last) break;
  }
  const result = Buffer.concat(out);
  for (const b of out) b.fill(0);
  return result;
}
