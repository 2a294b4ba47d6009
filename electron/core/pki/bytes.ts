/** Small byte helpers shared by the pki modules. No crypto, no policy. */
import type { BufferSource } from './crypto';
import { hash } from 'node:crypto';

export function toBytes(src: BufferSource | Uint8Array): Uint8Array {
  if (src instanceof Uint8Array) return src;
  if (ArrayBuffer.isView(src)) return new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  return new Uint8Array(src);
}

/** A copy in a fresh, exactly-sized ArrayBuffer (what asn1-schema and WebCrypto want). */
export function toArrayBuffer(src: BufferSource | Uint8Array): ArrayBuffer {
  const b = toBytes(src);
  const out = new ArrayBuffer(b.byteLength);
  new Uint8Array(out).set(b);
  return out;
}

export function toHex(src: BufferSource | Uint8Array): string {
  const b = toBytes(src);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex'); // a view, not a copy
}

/** Byte-for-byte equality, by memcmp: a JS loop over a certificate runs cold (in the interpreter) on a station. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

// One-shot crypto.hash: no Hash object per call (several are made per signing).
export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(hash('sha256', data, 'buffer'));
}

/** SHA-256 as lowercase hex. */
export function sha256Hex(data: Uint8Array): string {
  return hash('sha256', data, 'hex');
}

export function sha1(data: Uint8Array): Uint8Array {
  return new Uint8Array(hash('sha1', data, 'buffer'));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
