/**
 * PEM ⇄ DER for secret material without going through JS strings (which can
 * neither be zeroed nor freed on demand). Every buffer returned here is owned
 * by the caller, who zeroes it after use.
 */
const ALPHABET = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 'latin1');
const DECODE = new Int16Array(256).fill(-1);
ALPHABET.forEach((c, i) => { DECODE[c] = i; });

/** PEM-encode `der` under `label` (64-column base64 lines, trailing newline). */
export function pemEncodeSecret(label: string, der: Uint8Array): Buffer {
  const b64Len = Math.ceil(der.length / 3) * 4;
  const begin = Buffer.from(`-----BEGIN ${label}-----\n`, 'latin1');
  const end = Buffer.from(`-----END ${label}-----\n`, 'latin1');
  const out = Buffer.alloc(begin.length + b64Len + Math.ceil(b64Len / 64) + end.length);
  let o = begin.copy(out, 0);
  let col = 0;
  const put = (c: number) => {
    out[o++] = c;
    if (++col === 64) { out[o++] = 0x0a; col = 0; }
  };
  for (let i = 0; i < der.length; i += 3) {
    const b0 = der[i]!;
    const b1 = i + 1 < der.length ? der[i + 1]! : 0;
    const b2 = i + 2 < der.length ? der[i + 2]! : 0;
    put(ALPHABET[b0 >> 2]!);
    put(ALPHABET[((b0 & 3) << 4) | (b1 >> 4)]!);
    put(i + 1 < der.length ? ALPHABET[((b1 & 15) << 2) | (b2 >> 6)]! : 0x3d);
    put(i + 2 < der.length ? ALPHABET[b2 & 63]! : 0x3d);
  }
  if (col !== 0) out[o++] = 0x0a;
  o += end.copy(out, o);
  return out.subarray(0, o);
}

/**
 * Find the first `-----BEGIN <label>-----` block whose label is in `labels`
 * and decode it. Returns null when there is none. Throws on bad base64.
 */
export function pemDecodeSecret(pem: Uint8Array, labels: readonly string[]): { label: string; der: Buffer } | null {
  const buf = Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength);
  for (const label of labels) {
    const begin = buf.indexOf(`-----BEGIN ${label}-----`, 0, 'latin1');
    if (begin === -1) continue;
    const bodyStart = begin + `-----BEGIN ${label}-----`.length;
    const endMarker = buf.indexOf(`-----END ${label}-----`, bodyStart, 'latin1');
    if (endMarker === -1) throw new Error(`unterminated PEM block ${label}`);
    const body = buf.subarray(bodyStart, endMarker);
    if (body.indexOf(':') !== -1) throw new Error('encrypted (Proc-Type) PEM is not supported');
    const out = Buffer.alloc(Math.floor((body.length * 3) / 4) + 3);
    let acc = 0;
    let bits = 0;
    let o = 0;
    let pad = 0;
    for (const c of body) {
      if (c === 0x0a || c === 0x0d || c === 0x20 || c === 0x09) continue;
      if (c === 0x3d) { pad++; continue; }
      const v = DECODE[c]!;
      if (v < 0 || pad > 0) throw new Error('invalid base64 in PEM');
      acc = ((acc << 6) | v) & 0xffffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[o++] = (acc >> bits) & 0xff;
      }
    }
    acc = 0;
    const der = Buffer.alloc(o);
    out.copy(der, 0, 0, o);
    out.fill(0);
    return { label, der };
  }
  return null;
}
