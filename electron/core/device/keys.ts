/** Classify a device SubjectPublicKeyInfo without trusting the device's word for it. */
import { createPublicKey } from 'node:crypto';
import { CustodianError } from '../errors';
import type { DeviceKeyAlgorithm } from './client';

export interface SpkiDescription {
  /** e.g. "P-256", "RSA-2048", "RSA-1024", "EC-secp256k1", "ed25519". */
  algorithm: string;
  /** True when the algorithm is one the station provisions (DeviceKeyAlgorithm). */
  acceptable: boolean;
}

const EC_NAMES: Record<string, string> = { prime256v1: 'P-256', 'P-256': 'P-256', secp384r1: 'P-384', 'P-384': 'P-384' };
const ACCEPTED: readonly string[] = ['P-256', 'P-384', 'RSA-2048', 'RSA-3072', 'RSA-4096'] satisfies DeviceKeyAlgorithm[];

export function describeSpki(spki: Uint8Array): SpkiDescription {
  let key;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (e) {
    throw new CustodianError('DEVICE_PROTOCOL_ERROR', 'device public key is not a valid SubjectPublicKeyInfo', {}, { cause: e });
  }
  const d = key.asymmetricKeyDetails ?? {};
  let algorithm: string;
  if (key.asymmetricKeyType === 'ec') {
    const curve = d.namedCurve ?? 'unknown';
    algorithm = EC_NAMES[curve] ?? `EC-${curve}`;
  } else if (key.asymmetricKeyType === 'rsa') {
    algorithm = `RSA-${d.modulusLength ?? 0}`;
  } else {
    algorithm = key.asymmetricKeyType ?? 'unknown';
  }
  return { algorithm, acceptable: ACCEPTED.includes(algorithm) };
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
