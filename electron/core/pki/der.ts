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

export interface DerReadOptions {
  /**
   * Refuse length fields DER forbids but BER allows: the long form for a
   * length below 0x80, or a leading zero length octet. For callers that must
   * not accept bytes a strict decoder (OpenSSL) would read differently.
   */
  minimalLength?: boolean;
}

/**
 * Reads the outermost tag and definite length. Returns `undefined` when the
 * bytes cannot be a DER TLV at all (bad tag, indefinite or over-long length,
 * or with `minimalLength` a non-minimal one).
 */
export function readDerHeader(bytes: Uint8Array, opts: DerReadOptions = {}): DerHeader | undefined {
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
  if (opts.minimalLength && (bytes[2] === 0 || len < 0x80)) return undefined;
  return { tag, headerLength: 2 + n, contentLength: len, totalLength: 2 + n + len };
}

/** The definite length octets: short form below 0x80, else the minimal long form. */
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

export interface DerElement {
  tag: number;
  /** The whole TLV. */
  raw: Uint8Array;
  /** The value octets. */
  content: Uint8Array;
}

/** Reads one complete TLV at the start of `bytes`; throws if it does not fit. */
export function readElement(bytes: Uint8Array, opts: DerReadOptions = {}): DerElement {
  const h = readDerHeader(bytes, opts);
  if (!h || h.totalLength > bytes.length) throw new Error('DER element runs past its container');
  return { tag: h.tag, raw: bytes.subarray(0, h.totalLength), content: bytes.subarray(h.headerLength, h.totalLength) };
}

/** The elements of a constructed value's content, which must be exactly covered. */
export function readChildren(content: Uint8Array, opts: DerReadOptions = {}): DerElement[] {
  const out: DerElement[] = [];
  let off = 0;
  while (off < content.length) {
    const e = readElement(content.subarray(off), opts);
    out.push(e);
    off += e.raw.length;
  }
  return out;
}

/**
 * Content octets of an OBJECT IDENTIFIER from its dotted-decimal text (the
 * inverse of decodeOid). Arcs may exceed 2^53 (a 2.25 UUID arc, as Custodian's
 * own OIDs use), so they are encoded as BigInts.
 */
export function encodeOid(oid: string): Uint8Array {
  const arcs = oid.split('.').map((a) => {
    if (!/^(0|[1-9][0-9]*)$/.test(a)) throw new Error(`bad OID ${oid}`);
    return BigInt(a);
  });
  if (arcs.length < 2 || arcs[0]! > 2n || (arcs[0]! < 2n && arcs[1]! > 39n)) throw new Error(`bad OID ${oid}`);
  const out: number[] = [];
  for (const v of [arcs[0]! * 40n + arcs[1]!, ...arcs.slice(2)]) {
    const base128: number[] = [Number(v % 128n)];
    for (let x = v / 128n; x > 0n; x /= 128n) base128.unshift(0x80 | Number(x % 128n));
    out.push(...base128);
  }
  return Uint8Array.from(out);
}

/** Dotted-decimal text of an OBJECT IDENTIFIER's content octets. */
export function decodeOid(content: Uint8Array): string {
  if (content.length === 0) throw new Error('empty OID');
  const arcs: number[] = [];
  let v = 0;
  for (let i = 0; i < content.length; i++) {
    const b = content[i]!;
    if (v === 0 && b === 0x80) throw new Error('non-minimal OID arc');
    v = v * 128 + (b & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER / 128) throw new Error('OID arc too large');
    if (!(b & 0x80)) {
      arcs.push(v);
      v = 0;
    } else if (i === content.length - 1) throw new Error('truncated OID');
  }
  const first = arcs.shift()!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}

/** Dotted-decimal text of an OBJECT IDENTIFIER whose arcs may exceed 2^53 (a 2.25 UUID arc), decoded as BigInts. */
export function decodeLongOid(content: Uint8Array): string {
  if (content.length === 0 || (content[content.length - 1]! & 0x80)) throw new Error('truncated OID');
  const arcs: bigint[] = [];
  let v = 0n;
  let start = true;
  for (const b of content) {
    if (start && b === 0x80) throw new Error('non-minimal OID arc');
    v = v * 128n + BigInt(b & 0x7f);
    start = !(b & 0x80);
    if (start) { arcs.push(v); v = 0n; }
  }
  const first = arcs.shift()!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs].join('.');
}

export function expectTag(e: DerElement | undefined, tag: number, what: string): DerElement {
  if (!e || e.tag !== tag) throw new Error(`${what}: expected tag 0x${tag.toString(16)}, found ${e ? `0x${e.tag.toString(16)}` : 'nothing'}`);
  return e;
}
