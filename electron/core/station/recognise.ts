/**
 * Repeat visits. A device that already carries a leaf from this station,
 * chaining to our root through exactly the chain we inject, for the key it
 * holds now, and that signs a fresh challenge with that key, is recognised:
 * it passes without a second signature. Also used to decide whether a
 * recorded certificate for the same key may be installed again (reuse).
 */
import type { DeviceClient, InstalledCredentials } from '../device/client';
import { bytesEqual } from '../pki/bytes';
import { isCustodianError } from '../errors';
import { encodeName, makeChallenge, readCertificate, readIssuer, validateParsedChain, verifyPossession, type CertificateFacts, type RandomSource } from '../pki/index';
import type { PreparedIssuer } from './issuer';
import type { IssuedCertificateRecord } from './recorder';

/** Why an installed credential was not recognised (shown in the check step's details). */
export type NotRecognised = 'no-leaf' | 'chain-differs' | 'chain-invalid' | 'other-key' | 'other-device-id' | 'challenge-failed' | 'cannot-sign-challenge';

/** The subject is exactly what the station writes for this device ID (compared as DER bytes). */
export const isSubjectFor = (subjectDer: Uint8Array, deviceId: string): boolean => bytesEqual(subjectDer, encodeName({ commonName: deviceId }));

/**
 * True when `leaf` is for `deviceId`, issued by our issuer, and validates to
 * our root at `at`. `facts`: the leaf already read (readCertificate), so it is
 * parsed once; the CA certificates come from pki's parsed-issuer cache.
 */
export function leafFromUs(issuer: PreparedIssuer, leaf: Uint8Array, deviceId: string, at: Date, facts?: CertificateFacts): boolean {
  try {
    const f = facts ?? readCertificate(leaf);
    validateParsedChain(f, { intermediates: issuer.deviceChain, roots: [issuer.root], at });
    return bytesEqual(f.issuerDer, readIssuer(issuer.certificate).subjectDer) && isSubjectFor(f.subjectDer, deviceId);
  } catch (e) {
    if (isCustodianError(e)) return false;
    throw e;
  }
}

/** A recorded certificate that can be installed again for this key instead of signing twice. */
export function reusable(issuer: PreparedIssuer, r: IssuedCertificateRecord, deviceId: string, at: Date): boolean {
  return r.issuerFingerprint === issuer.fingerprint && leafFromUs(issuer, r.certificateDer, deviceId, at);
}

export async function recogniseInstalled(args: {
  device: DeviceClient;
  issuer: PreparedIssuer;
  installed: InstalledCredentials;
  deviceId: string;
  spki: Uint8Array;
  at: Date;
  random?: RandomSource;
  /** The device can sign a challenge: one that cannot is never recognised (nothing would prove it holds the installed leaf's key). */
  canChallenge?: boolean;
}): Promise<{ recognised: true; leaf: Uint8Array; serialHex: string } | { recognised: false; why: NotRecognised }> {
  const { installed, issuer } = args;
  const leaf = installed.leaf;
  if (!leaf) return { recognised: false, why: 'no-leaf' };
  const chainSame = installed.chain.length === issuer.deviceChain.length && installed.chain.every((c, i) => bytesEqual(c, issuer.deviceChain[i]!));
  if (!chainSame) return { recognised: false, why: 'chain-differs' };
  let facts;
  try {
    facts = readCertificate(leaf);
  } catch {
    return { recognised: false, why: 'chain-invalid' };
  }
  if (!isSubjectFor(facts.subjectDer, args.deviceId)) return { recognised: false, why: 'other-device-id' };
  if (!leafFromUs(issuer, leaf, args.deviceId, args.at, facts)) return { recognised: false, why: 'chain-invalid' };
  if (!bytesEqual(facts.spki, args.spki)) return { recognised: false, why: 'other-key' };
  if (args.canChallenge === false) return { recognised: false, why: 'cannot-sign-challenge' };
  const challenge = makeChallenge(args.random);
  const signature = await args.device.signChallenge(challenge);
  if (!verifyPossession(facts.spki, challenge, signature)) return { recognised: false, why: 'challenge-failed' };
  return { recognised: true, leaf, serialHex: facts.serialHex };
}
