/**
 * What a CA signs with: a WebCrypto private key held in this process (the
 * vault's), or a key held outside it (a hardware token) that signs on request
 * and never leaves. Issuance takes either; only the signing step tells them apart.
 */
import type { CryptoKey, EcKeyAlgorithm } from './crypto';
import type { SignatureHash } from './profiles';

export interface ExternalSigningKey {
  readonly type: 'external';
  /** Never: the key cannot leave where it is held. */
  readonly extractable: false;
  /** As WebCrypto would name it, so the certificate's signatureAlgorithm is chosen the same way. */
  readonly algorithm: EcKeyAlgorithm;
  /** Signs `data` (hashing it with `hash`) and returns the signature as X.509 carries it (ECDSA: DER). */
  sign(data: Uint8Array, hash: SignatureHash): Promise<Uint8Array>;
}

export type SigningKey = CryptoKey | ExternalSigningKey;

export function isExternalSigningKey(key: SigningKey): key is ExternalSigningKey {
  return (key as { type: string }).type === 'external' && typeof (key as ExternalSigningKey).sign === 'function';
}
