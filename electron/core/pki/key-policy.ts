/**
 * Which device public keys the station will certify. Policy is data:
 * `DEVICE_KEY_POLICY` is what the docs and the UI show.
 */
import { CustodianError } from '../errors';
import { PkiCodes } from './codes';
import { publicKeyObject, spkiId } from './key-objects';
import type { KeyObject } from 'node:crypto';
import { knownKey, type KeyInfo, type KnownKey } from './keys';

export const DEVICE_KEY_POLICY = {
  ecCurves: ['P-256', 'P-384'] as const,
  rsaMinBits: 2048,
  rsaMaxBits: 8192,
} as const;

/**
 * Returns the key's description if the station accepts it for a device
 * certificate, otherwise throws KEY_UNSUPPORTED_CURVE (e.g. secp256k1, P-521),
 * KEY_UNSUPPORTED_ALGORITHM (Ed25519, DSA, RSASSA-PSS-only keys…),
 * KEY_RSA_TOO_SMALL, KEY_RSA_TOO_LARGE or KEY_MALFORMED (including an EC point
 * that is not on its curve).
 */
export function assertDeviceKeyAllowed(spkiDer: Uint8Array): KeyInfo {
  return allowedDeviceKey(spkiDer).info;
}

/** An allowed device key: its shape, its bits and its OpenSSL key (for verifying with it). */
export interface AllowedDeviceKey extends KnownKey {
  readonly key: KeyObject;
}

/** assertDeviceKeyAllowed, also handing back the key's bits and its (cached) OpenSSL key. */
export function allowedDeviceKey(spkiDer: Uint8Array): AllowedDeviceKey {
  const id = spkiId(spkiDer);
  const known = knownKey(spkiDer, id);
  const info = known.info;
  if (info.kind === 'RSA') {
    if (info.bits < DEVICE_KEY_POLICY.rsaMinBits) {
      throw new CustodianError(PkiCodes.KEY_RSA_TOO_SMALL, `RSA-${info.bits} is below the ${DEVICE_KEY_POLICY.rsaMinBits}-bit minimum`, {
        bits: info.bits,
        minBits: DEVICE_KEY_POLICY.rsaMinBits,
      });
    }
    if (info.bits > DEVICE_KEY_POLICY.rsaMaxBits) {
      throw new CustodianError(PkiCodes.KEY_RSA_TOO_LARGE, `RSA-${info.bits} is above the ${DEVICE_KEY_POLICY.rsaMaxBits}-bit maximum`, {
        bits: info.bits,
        maxBits: DEVICE_KEY_POLICY.rsaMaxBits,
      });
    }
  }
  let key: KeyObject;
  try {
    // Full structural check by OpenSSL: EC point on curve, RSA integers sane.
    // Memoised by the exact bytes: the same SPKI decodes the same way each time.
    key = publicKeyObject(spkiDer, id);
  } catch (e) {
    throw new CustodianError(PkiCodes.KEY_MALFORMED, 'public key does not decode to a valid key', { key: info }, { cause: e });
  }
  return { info, publicKeyBits: known.publicKeyBits, key };
}
