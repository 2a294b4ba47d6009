/**
 * A device's SubjectPublicKeyInfo, classified without trusting the device's
 * word for it. Which keys are acceptable is pki's device key policy
 * (pki/key-policy.ts); this maps its answer onto the device client's errors.
 */
import { CustodianError } from '../errors';
import { deviceKeyType } from '../pki/key-policy';
import type { DeviceKeyAlgorithm } from './client';

export interface SpkiDescription {
  /** e.g. "P-256", "RSA-2048", "RSA-1024", "EC-secp256k1", "Ed25519". */
  algorithm: string;
  /** True when the key is of a device key type the station provisions (DeviceKeyAlgorithm). */
  acceptable: boolean;
}

export function describeSpki(spki: Uint8Array): SpkiDescription {
  try {
    const { name, type } = deviceKeyType(spki);
    return { algorithm: name, acceptable: type !== null };
  } catch (e) {
    throw new CustodianError('DEVICE_PROTOCOL_ERROR', 'device public key is not a valid SubjectPublicKeyInfo', {}, { cause: e });
  }
}

/** Throws DEVICE_KEY_WEAK / DEVICE_KEY_MISMATCH when the key is not what policy or the session expects. */
export function checkDeviceKey(spki: Uint8Array, expected: DeviceKeyAlgorithm | null): string {
  const { algorithm, acceptable } = describeSpki(spki);
  if (!acceptable) {
    throw new CustodianError('DEVICE_KEY_WEAK', `device key ${algorithm} is below policy or unsupported`, { algorithm });
  }
  if (expected !== null && algorithm !== expected) {
    throw new CustodianError('DEVICE_KEY_MISMATCH', `device key is ${algorithm}, generated ${expected}`, { algorithm, expected });
  }
  return algorithm;
}
