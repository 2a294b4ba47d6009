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

/** `createPublicKey` for an SPKI (throws what it throws), memoised by the exact bytes. */
export function publicKeyObject(spkiDer: Uint8Array): KeyObject {
  const bytes = Buffer.from(spkiDer.buffer, spkiDer.byteOffset, spkiDer.byteLength);
  const id = bytes.toString('latin1');
  const hit = cache.get(id);
  if (hit) {
    // Most recently used last, so eviction drops the oldest.
    cache.delete(id);
    cache.set(id, hit);
    return hit;
  }
  const key = createPublicKey({ key: Buffer.from(bytes), format: 'der', type: 'spki' });
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(id, key);
  return key;
}
