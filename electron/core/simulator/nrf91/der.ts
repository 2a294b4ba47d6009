/**
 * The few DER encodings a modem's CSR needs (X.690). Writing them by hand,
 * rather than through a CSR library, lets the simulator reproduce the exact
 * bytes of a modem firmware, such as an AlgorithmIdentifier with explicit
 * NULL parameters.
 */

function lengthBytes(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(content);
  return Uint8Array.from([tag, ...lengthBytes(body.length), ...body]);
}

export const sequence = (...items: Uint8Array[]): Uint8Array => tlv(0x30, ...items);
export const set = (...items: Uint8Array[]): Uint8Array => tlv(0x31, ...items);
export const derNull = (): Uint8Array => Uint8Array.from([0x05, 0x00]);
export const utf8String = (s: string): Uint8Array => tlv(0x0c, Buffer.from(s, 'utf8'));
export const printableString = (s: string): Uint8Array => tlv(0x13, Buffer.from(s, 'ascii'));
export const octetString = (b: Uint8Array): Uint8Array => tlv(0x04, b);
/** A BIT STRING with no unused bits, or `unused` of them in the last byte. */
export const bitString = (b: Uint8Array, unused = 0): Uint8Array => tlv(0x03, Uint8Array.from([unused]), b);
/** A small non-negative INTEGER. */
export const smallInteger = (n: number): Uint8Array => tlv(0x02, Uint8Array.from([n]));

export function oid(dotted: string): Uint8Array {
  const parts = dotted.split('.').map(Number);
  const bytes: number[] = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const enc: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) enc.unshift(0x80 | (v & 0x7f));
    bytes.push(...enc);
  }
  return tlv(0x06, Uint8Array.from(bytes));
}
