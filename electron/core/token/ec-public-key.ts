/** EC public keys as PKCS#11 holds them (CKA_EC_PARAMS, CKA_EC_POINT) and as X.509 carries them (SPKI). */
import { encodeOid, readElement, tlv } from '../pki/der';

export type TokenCurve = 'P-256' | 'P-384';

export const CURVES: Readonly<Record<TokenCurve, { oid: string; bytes: number }>> = {
  'P-256': { oid: '1.2.840.10045.3.1.7', bytes: 32 },
  'P-384': { oid: '1.3.132.0.34', bytes: 48 },
};
const EC_PUBLIC_KEY_OID = '1.2.840.10045.2.1';

/** CKA_EC_PARAMS: the curve's namedCurve OID, DER. */
export function ecParams(curve: TokenCurve): Buffer {
  return Buffer.from(tlv(0x06, encodeOid(CURVES[curve].oid)));
}

/** The curve CKA_EC_PARAMS names, or null when it is not one we sign with. */
export function curveOfParams(params: Uint8Array): TokenCurve | null {
  for (const [name, c] of Object.entries(CURVES) as [TokenCurve, (typeof CURVES)[TokenCurve]][]) {
    if (Buffer.from(params).equals(ecParams(name)) && c) return name;
  }
  return null;
}

/**
 * SPKI DER from CKA_EC_POINT. PKCS#11 v2.40 says the point is wrapped in a
 * DER OCTET STRING; a few tokens give it bare: both are accepted.
 */
export function spkiFromEcPoint(curve: TokenCurve, ecPoint: Uint8Array): Uint8Array {
  const size = 1 + 2 * CURVES[curve].bytes;
  let point = ecPoint;
  if (point.length !== size || point[0] !== 0x04) {
    const el = readElement(point);
    if (el.tag !== 0x04) throw new TypeError('CKA_EC_POINT is not an OCTET STRING');
    point = el.content;
  }
  if (point.length !== size || point[0] !== 0x04) throw new TypeError('CKA_EC_POINT is not an uncompressed point on the key\'s curve');
  const alg = tlv(0x30, Buffer.concat([tlv(0x06, encodeOid(EC_PUBLIC_KEY_OID)), tlv(0x06, encodeOid(CURVES[curve].oid))]));
  return tlv(0x30, Buffer.concat([alg, tlv(0x03, Buffer.concat([Buffer.of(0), point]))]));
}
