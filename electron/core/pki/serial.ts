/**
 * Certificate serial numbers (RFC 5280 §4.1.2.2, CA/B BR §7.1).
 *
 * Policy: 16 octets from a CSPRNG; the first octet is forced to 01xxxxxx so the
 * INTEGER is positive (no sign bit), never has a leading zero octet (DER
 * minimal) and always has exactly 16 octets. That leaves 126 random bits
 * (≥ 64 required) and stays within the 20-octet limit.
 */
import { randomBytes } from 'node:crypto';
import { toHex } from './bytes';

/** Returns `length` random bytes. Injected in golden tests; defaults to the CSPRNG. */
export type RandomSource = (length: number) => Uint8Array;

export const SERIAL_POLICY = {
  octets: 16,
  randomBits: 126,
  maxOctets: 20,
} as const;

/** The CSPRNG, one call per request (serials, challenge nonces). */
export const cryptoRandom: RandomSource = (length) => new Uint8Array(randomBytes(length));

/** The serial's INTEGER content octets (already DER-minimal and positive). */
export function generateSerial(random: RandomSource = cryptoRandom): Uint8Array {
  const r = random(SERIAL_POLICY.octets);
  if (r.length !== SERIAL_POLICY.octets) throw new RangeError(`random source returned ${r.length} bytes, wanted ${SERIAL_POLICY.octets}`);
  const s = Uint8Array.from(r);
  s[0] = (s[0]! & 0x3f) | 0x40;
  return s;
}

export function serialToHex(serial: Uint8Array): string {
  return toHex(serial);
}

/**
 * A serial as the ledger and the UI write it: lowercase hex without leading
 * zero octets ("00" for zero). Takes certificate facts' serialHex (the
 * INTEGER's content octets) or OpenSSL's rendering (upper case, a sign, colons).
 */
export function normalizeSerialHex(hex: string): string {
  const s = hex.toLowerCase().replace(/[^0-9a-f]/g, '').replace(/^(00)+/, '');
  return s === '' ? '00' : s;
}
