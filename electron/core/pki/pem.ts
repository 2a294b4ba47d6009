/**
 * PEM armour (RFC 7468) and fingerprints. Strict on the way in: base64 body
 * only, matching BEGIN/END labels; lenient about surrounding text and CRLF.
 */
import { sha256Hex } from './bytes';

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

/** Wraps DER in `-----BEGIN label-----` with 64-character lines and a final newline. */
export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;

/**
 * Every PEM block in `text`, in order. When `label` is given, blocks with other
 * labels are skipped. Throws `TypeError` on a block with mismatched labels or a
 * body that is not base64 (callers translate to their own typed error).
 */
export function fromPem(text: string, label?: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const [, begin, body, end] = m as unknown as [string, string, string, string];
    if (begin !== end) throw new TypeError(`PEM block BEGIN ${begin} closed by END ${end}`);
    if (label !== undefined && begin !== label) continue;
    const compact = body.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) {
      throw new TypeError(`PEM block ${begin} has a body that is not base64`);
    }
    out.push({ label: begin, der: new Uint8Array(Buffer.from(compact, 'base64')) });
  }
  return out;
}

export function isPem(text: string): boolean {
  return /-----BEGIN [A-Z0-9 ]+-----/.test(text);
}

/** SHA-256 over the DER, lowercase hex without separators. */
export function fingerprintSha256(der: Uint8Array): string {
  return sha256Hex(der);
}
