/**
 * PKCS#10 CertificationRequest (RFC 2986) signed with whatever holds the CA
 * key: built from DER pieces and signed through the pki's signTbs, so a vault
 * key and a token key make the same request.
 */
import { signatureAlgorithmDer, signTbs } from '../pki/certificate-builder';
import { concat } from '../pki/bytes';
import { tlv } from '../pki/der';
import type { CaKeySpec, SignatureHash, SigningKey } from '../pki/index';

/** The hash a CA key signs its own request with: matched to the curve; an RSA key's is bound to the key. */
function requestHash(spec: CaKeySpec, key: SigningKey): SignatureHash {
  if (spec === 'P-384') return 'SHA-384';
  if (spec === 'P-256') return 'SHA-256';
  const bound = (key.algorithm as { hash?: { name?: string } }).hash?.name;
  return bound === 'SHA-384' ? 'SHA-384' : 'SHA-256';
}

export async function buildCsr(subjectDer: Uint8Array, spki: Uint8Array, key: SigningKey, spec: CaKeySpec): Promise<Uint8Array> {
  const hash = requestHash(spec, key);
  // version 0, subject, SPKI, attributes [0] IMPLICIT SET OF (empty)
  const info = tlv(0x30, concat(tlv(0x02, Uint8Array.of(0)), subjectDer, spki, Uint8Array.of(0xa0, 0x00)));
  const alg = signatureAlgorithmDer(key, hash);
  const signature = await signTbs(info, key, hash);
  return tlv(0x30, concat(info, alg, tlv(0x03, concat(Uint8Array.of(0), signature))));
}
