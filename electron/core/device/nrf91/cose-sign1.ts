/**
 * COSE_Sign1 (RFC 9052 §4.2) parsing and ES256 verification, restricted to what the nRF91 modem
 * emits for AT%KEYGEN / AT%ATTESTTOKEN:
 *
 *   COSE_Sign1 = #6.18([ protected: bstr .cbor {1: -7}, unprotected: {4: bstr kid}, payload: bstr, signature: bstr(64) ])
 *
 * Observed on real modem output (nRFCloud/utils, python/modem-firmware-1.3+/README.md, examples
 * "Thingy:91 under Linux" and "9160DK under Windows"): the COSE part starts d2 84 43 a1 01 26 a1 04 41 21,
 * i.e. tag 18, protected {1 (alg): -7 (ES256)}, unprotected {4 (kid): h'21'}. The kid is itself
 * CBOR: 0x21 = -2, which nRFCloud/utils' modem_credentials_parser.py (header_key_type_dict) names
 * "identity_key"; it also lists -4 "nordic_base_production_key" and -5 "nordic_base_rd_key".
 * So the signer is the modem's device identity key, NOT the key the CSR is for.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { CustodianError } from '../../errors';
import { CborTag, decodeCbor, encodeCbor, type CborKey, type CborValue } from './cbor';
import { Nrf91KeygenErrorCodes } from './keygen-codes';

export const COSE_SIGN1_TAG = 18;
export const COSE_ALG_ES256 = -7;
const HDR_ALG = 1;
const HDR_KID = 4;

/** Nordic key identifiers carried (CBOR-encoded) in the kid header; source: modem_credentials_parser.py. */
export const NORDIC_KID_NAMES: Readonly<Record<number, string>> = {
  [-2]: 'identity_key',
  [-4]: 'nordic_base_production_key',
  [-5]: 'nordic_base_rd_key',
};

export interface CoseSign1 {
  /** The protected header exactly as received (the bstr contents); signed over verbatim. */
  readonly protectedBytes: Uint8Array;
  readonly alg: typeof COSE_ALG_ES256;
  readonly unprotected: ReadonlyMap<CborKey, CborValue>;
  /** Raw kid bytes (unprotected header 4), if present. */
  readonly kid: Uint8Array | undefined;
  /** The kid decoded as a CBOR integer (Nordic convention, e.g. -2 = identity_key), if it is one. */
  readonly kidValue: number | undefined;
  readonly payload: Uint8Array;
  /** Raw r||s, 64 bytes. */
  readonly signature: Uint8Array;
}

function invalid(reason: string): never {
  throw new CustodianError(Nrf91KeygenErrorCodes.NRF91_COSE_INVALID, `invalid COSE_Sign1: ${reason}`, { reason });
}

function decodeIntOrUndefined(bytes: Uint8Array): number | undefined {
  try {
    const v = decodeCbor(bytes);
    return typeof v === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Parses a COSE_Sign1, tagged (18) or untagged. Throws NRF91_CBOR_INVALID / NRF91_COSE_INVALID / NRF91_COSE_UNSUPPORTED_ALG. */
export function parseCoseSign1(bytes: Uint8Array): CoseSign1 {
  let top = decodeCbor(bytes);
  if (top instanceof CborTag) {
    if (top.tag !== COSE_SIGN1_TAG) invalid('unexpected tag');
    top = top.value;
  }
  if (!Array.isArray(top) || top.length !== 4) invalid('not a 4-element array');
  const [prot, unprot, payload, signature] = top;
  if (!(prot instanceof Uint8Array)) invalid('protected header is not a byte string');
  if (!(unprot instanceof Map)) invalid('unprotected header is not a map');
  if (!(payload instanceof Uint8Array)) invalid('payload is not a byte string (detached payloads unsupported)');
  if (!(signature instanceof Uint8Array)) invalid('signature is not a byte string');
  if (prot.length === 0) invalid('protected header is empty (alg required)');
  const protMap = decodeCbor(prot);
  if (!(protMap instanceof Map)) invalid('protected header is not a map');
  const alg = protMap.get(HDR_ALG);
  if (alg === undefined) invalid('protected header lacks alg');
  if (alg !== COSE_ALG_ES256) {
    throw new CustodianError(Nrf91KeygenErrorCodes.NRF91_COSE_UNSUPPORTED_ALG, 'COSE algorithm is not ES256', {
      alg: typeof alg === 'number' || typeof alg === 'string' ? alg : String(alg),
    });
  }
  for (const k of protMap.keys()) if (unprot.has(k)) invalid('header label in both buckets');
  if (signature.length !== 64) invalid('ES256 signature is not 64 bytes');
  const kid = unprot.get(HDR_KID);
  if (kid !== undefined && !(kid instanceof Uint8Array)) invalid('kid is not a byte string');
  return {
    protectedBytes: prot,
    alg: COSE_ALG_ES256,
    unprotected: unprot,
    kid,
    kidValue: kid === undefined ? undefined : decodeIntOrUndefined(kid),
    payload,
    signature,
  };
}

/** Sig_structure = ["Signature1", body_protected, external_aad, payload] (RFC 9052 §4.4), preferred encoding. */
export function coseSign1SigStructure(
  protectedBytes: Uint8Array,
  payload: Uint8Array,
  externalAad: Uint8Array = new Uint8Array(0),
): Uint8Array {
  return encodeCbor(['Signature1', protectedBytes, externalAad, payload]);
}

/** Accepts a KeyObject (public or private-derived) or SPKI DER; insists on EC P-256. */
export function toP256PublicKey(key: KeyObject | Uint8Array): KeyObject {
  let k: KeyObject;
  try {
    k = key instanceof Uint8Array ? createPublicKey({ key: Buffer.from(key), format: 'der', type: 'spki' }) : key;
    if (k.type === 'private') k = createPublicKey(k);
  } catch (cause) {
    throw new CustodianError(Nrf91KeygenErrorCodes.NRF91_COSE_KEY_INVALID, 'verification key does not parse', {}, { cause });
  }
  if (k.type !== 'public' || k.asymmetricKeyType !== 'ec' || k.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new CustodianError(Nrf91KeygenErrorCodes.NRF91_COSE_KEY_INVALID, 'verification key is not a P-256 public key');
  }
  return k;
}

/** True iff the ES256 signature over the Sig_structure verifies under `publicKey`. */
export function verifyCoseSign1(cose: CoseSign1, publicKey: KeyObject | Uint8Array): boolean {
  const key = toP256PublicKey(publicKey);
  const data = coseSign1SigStructure(cose.protectedBytes, cose.payload);
  return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, cose.signature);
}
