/**
 * Minimal hand-written DER pieces the schema library does not give us:
 * reading the outer TLV header (to tell truncated input from garbage) and
 * converting ECDSA signatures between IEEE P1363 (r||s) and DER.
 */

export interface DerHeader {
  tag: number;
  headerLength: number;
  contentLength: number;
  /** headerLength + contentLength */
  totalLength: number;
}

/**
 * Reads the outermost tag and definite length. Returns `undefined` when the
 * bytes cannot be a DER TLV at all (bad tag, indefinite or over-long length).
 */
export function readDerHeader(bytes: Uint8Array): DerHeader | undefined {
  if (bytes.length < 2) return undefined;
  const tag = bytes[0]!;
  if ((tag & 0x1f) === 0x1f) return undefined; // multi-byte tags never appear at our top level
  const first = bytes[1]!;
  if (first < 0x80) return { tag, headerLength: 2, contentLength: first, totalLength: 2 + first };
  const n = first & 0x7f;
  if (n === 0 || n > 4) return undefined; // indefinite (BER) or absurd (> 4 GiB)
  if (bytes.length < 2 + n) return { tag, headerLength: 2 + n, contentLength: Number.POSITIVE_INFINITY, totalLength: Number.POSITIVE_INFINITY };
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + bytes[2 + i]!;
  return { tag, headerLength: 2 + n, contentLength: len, totalLength: 2 + n + len };
}

function encodeLength(len: number): Uint8Array {
  if (len < 0x80) return Uint8Array.of(len);
  const out: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return Uint8Array.of(0x80 | out.length, ...out);
}

export function tlv(tag: number, content: Uint8Array): Uint8Array {
  const len = encodeLength(content.length);
  const out = new Uint8Array(1 + len.length + content.length);
  out[0] = tag;
  out.set(len, 1);
  out.set(content, 1 + len.length);
  return out;
}

/** DER INTEGER content for an unsigned big-endian magnitude: minimal, positive. */
export function unsignedIntegerContent(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  if (m.length === 0) return Uint8Array.of(0);
  if (m[0]! & 0x80) {
    const out = new Uint8Array(m.length + 1);
    out.set(m, 1);
    return out;
  }
  return Uint8Array.from(m);
}

/** WebCrypto ECDSA output (r||s, each `size` bytes) → DER `ECDSA-Sig-Value`. */
export function ecdsaP1363ToDer(sig: Uint8Array): Uint8Array {
  if (sig.length % 2 !== 0 || sig.length === 0) throw new TypeError('P1363 signature must have even, non-zero length');
  const half = sig.length / 2;
  const r = tlv(0x02, unsignedIntegerContent(sig.subarray(0, half)));
  const s = tlv(0x02, unsignedIntegerContent(sig.subarray(half)));
  const body = new Uint8Array(r.length + s.length);
  body.set(r);
  body.set(s, r.length);
  return tlv(0x30, body);
}
