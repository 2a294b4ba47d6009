/**
 * OpenSSL public keys for SPKI bytes, parsed once. One provisioning run meets
 * the same device SPKI in the CSR check, the key policy, the signer and the
 * final challenge, and the issuer's SPKI on every leaf; OpenSSL 3's decoder
 * costs ~40–100 µs a parse. The cache key is the complete DER (not a hash),
 * so two different keys can never share an entry; failures are not cached, so
 * a bad key throws every time it is met.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';

const CACHE_SIZE = 64;
const cache = new Map<string, KeyObject>();

/**
 * The cache key of an SPKI: its exact bytes as a string, one character per
 * byte (Latin-1). Built without a Buffer for the usual sizes; callers that
 * look the same bytes up in several caches make it once.
 */
export function spkiId(spkiDer: Uint8Array): string {
  return spkiDer.length <= 4096
    ? String.fromCharCode.apply(null, spkiDer as unknown as number[])
    : Buffer.from(spkiDer.buffer, spkiDer.byteOffset, spkiDer.byteLength).toString('latin1');
}

/** `createPublicKey` for an SPKI (throws what it throws), memoised by the exact bytes (`id`: spkiId of them). */
export function publicKeyObject(spkiDer: Uint8Array, id: string = spkiId(spkiDer)): KeyObject {
  const hit = cache.get(id);
  if (hit) {
    // Most recently used last, so eviction drops the oldest.
    cache.delete(id);
    cache.set(id, hit);
    return hit;
  }
  const key = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(id, key);
  return key;
}
