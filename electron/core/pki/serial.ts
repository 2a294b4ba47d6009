/**
 * Certificate serial numbers (RFC 5280 §4.1.2.2, CA/B BR §7.1).
 *
 * Policy: 16 octets from a CSPRNG; the first octet is forced to 01xxxxxx so the
 * INTEGER is positive (no sign bit), never has a leading zero octet (DER
 * minimal) and always has exactly 16 octets. That leaves 126 random bits
 * (≥ 64 required) and stays within the 20-octet limit.
 */
import { randomBytes, randomFillSync } from 'node:crypto';
import { toHex } from './bytes';

/** Returns `length` random bytes. Injected in golden tests; defaults to the CSPRNG. */
export type RandomSource = (length: number) => Uint8Array;

export const SERIAL_POLICY = {
  octets: 16,
  randomBits: 126,
  maxOctets: 20,
} as const;

/**
 * Small requests (serials, challenge nonces) are served from a pool of CSPRNG
 * output refilled 4 KiB at a time, as Node pools randomUUID: one OpenSSL call
 * per ~85 provisioned devices instead of two per device. Every byte is handed
 * out once (as a copy) and wiped from the pool when it is taken.
 */
const POOL_SIZE = 4096;
const POOLED_MAX = 256;
const pool = new Uint8Array(POOL_SIZE);
let poolOffset = POOL_SIZE;

export const cryptoRandom: RandomSource = (length) => {
  if (length > POOLED_MAX) return new Uint8Array(randomBytes(length));
  if (poolOffset + length > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = pool.slice(poolOffset, poolOffset + length);
  pool.fill(0, poolOffset, poolOffset + length);
  poolOffset += length;
  return out;
};

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
