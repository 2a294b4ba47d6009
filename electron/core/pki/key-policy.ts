/**
 * Which device public keys the station will certify: the one place that
 * decides. Policy is data: `DEVICE_KEY_POLICY` (what the docs and the UI
 * show) is what pki signs for at all; `DEVICE_KEY_TYPES` names the key types
 * a device is asked to generate and an issuance policy may list, each of them
 * inside `DEVICE_KEY_POLICY`.
 */
import { CustodianError, isCustodianError } from '../errors';
import { PkiCodes } from './codes';
import { publicKeyObject, spkiId } from './key-objects';
import type { KeyObject } from 'node:crypto';
import { describeSpki, knownKey, type KeyInfo, type KnownKey } from './keys';
import { Oid } from './oids';

export const DEVICE_KEY_POLICY = {
  ecCurves: ['P-256', 'P-384'] as const,
  rsaMinBits: 2048,
  rsaMaxBits: 8192,
} as const;

/** The device key types, by the name policies, events and the device protocol give them. */
export const DEVICE_KEY_TYPES = ['P-256', 'P-384', 'RSA-2048', 'RSA-3072', 'RSA-4096'] as const;
export type DeviceKeyType = (typeof DEVICE_KEY_TYPES)[number];

export function isDeviceKeyType(name: string): name is DeviceKeyType {
  return (DEVICE_KEY_TYPES as readonly string[]).includes(name);
}

/** A key's type as policies and events write it: "P-256", "P-384", "RSA-2048". */
export function keyTypeName(k: KeyInfo): string {
  return k.kind === 'EC' ? k.curve : `RSA-${k.bits}`;
}

/**
 * The type name of any public key, accepted or not: "P-256", "RSA-2048",
 * "RSA-1024", "EC-secp256k1", "Ed25519"… Throws KEY_MALFORMED when the SPKI
 * is not valid DER.
 */
export function spkiTypeName(spkiDer: Uint8Array): string {
  const d = describeSpki(spkiDer);
  if (d.algorithmOid === Oid.ecPublicKey) return d.curve === 'P-256' || d.curve === 'P-384' ? d.curve : `EC-${d.curve ?? 'unknown'}`;
  if (d.algorithmOid === Oid.rsaEncryption) return `RSA-${d.rsaBits ?? 0}`;
  return d.algorithm;
}

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

/**
 * A device's key by name, and its device key type: `type` is set when
 * allowedDeviceKey accepts the key and its name is one of DEVICE_KEY_TYPES,
 * null otherwise (then `name` says what it is, e.g. "RSA-1024",
 * "EC-secp256k1", "RSA-8192"). Throws KEY_MALFORMED when the SPKI does not
 * decode to a key (by pki's reading or OpenSSL's).
 */
export function deviceKeyType(spkiDer: Uint8Array): { name: string; type: DeviceKeyType | null } {
  let info: KeyInfo;
  try {
    info = allowedDeviceKey(spkiDer).info;
  } catch (e) {
    if (!isCustodianError(e) || e.code === PkiCodes.KEY_MALFORMED) throw e;
    try {
      publicKeyObject(spkiDer); // a refused key is named only when it is a key at all
    } catch (cause) {
      throw new CustodianError(PkiCodes.KEY_MALFORMED, 'public key does not decode to a valid key', {}, { cause });
    }
    return { name: spkiTypeName(spkiDer), type: null };
  }
  const name = keyTypeName(info);
  return { name, type: isDeviceKeyType(name) ? name : null };
}
