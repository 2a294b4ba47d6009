/**
 * Checks on the issuing CA, made before anything is signed: is it a CA, may it
 * sign certificates, does its pathLen leave room, is it valid now, and does the
 * offered private key belong to it.
 */
import { verify as nodeVerify } from 'node:crypto';
import { CustodianError } from '../errors';
import { bytesEqual } from './bytes';
import type { CryptoKey, EcKeyAlgorithm, RsaHashedKeyAlgorithm } from './crypto';
import { subtle } from './crypto';
import { readCertificate, type CertificateFacts } from './certificate-facts';
import { PkiCodes } from './codes';
import { publicKeyObject } from './key-objects';
import { keyInfoFromSpki } from './keys';
import { fingerprintSha256 } from './pem';
import type { CertificateProfile } from './profiles';
import { isExternalSigningKey, type SigningKey } from './signing-key';

/**
 * Issuer certificates parsed recently, by SHA-256 of their DER. A station signs
 * thousands of leaves under the same CA; parsing it once is enough. Facts are
 * never mutated, and the key is the content hash, so a changed array misses.
 */
const issuerCache = new Map<string, CertificateFacts>();
const ISSUER_CACHE_SIZE = 32;

/** The issuer of the previous call: a station signs under one CA, and comparing its bytes is cheaper than hashing them. */
let lastIssuer: CertificateFacts | undefined;

export function readIssuer(der: Uint8Array): CertificateFacts {
  if (lastIssuer && bytesEqual(lastIssuer.der, der)) return lastIssuer;
  const key = fingerprintSha256(der);
  let facts = issuerCache.get(key);
  if (!facts) {
    facts = readCertificate(Uint8Array.from(der));
    if (issuerCache.size >= ISSUER_CACHE_SIZE) issuerCache.delete(issuerCache.keys().next().value!);
    issuerCache.set(key, facts);
  }
  lastIssuer = facts;
  return facts;
}

/** Keys already proven to match a given issuer certificate (by fingerprint). */
const provenPairs = new WeakMap<SigningKey, Set<string>>();
const PROBE = new TextEncoder().encode('custodian-issuer-key-match-v1');

/** Whether `privateKey` was already proven to belong to `issuer` (assertKeyMatchesCertificate need not run again). */
export function keyProvenFor(privateKey: SigningKey, issuer: CertificateFacts): boolean {
  return provenPairs.get(privateKey)?.has(issuer.fingerprintSha256) === true;
}

export async function assertKeyMatchesCertificate(privateKey: SigningKey, issuer: CertificateFacts): Promise<void> {
  if (keyProvenFor(privateKey, issuer)) return;
  let ok = false;
  try {
    const info = keyInfoFromSpki(issuer.spki);
    const pub = publicKeyObject(issuer.spki);
    if (isExternalSigningKey(privateKey)) {
      if (info.kind === 'EC' && privateKey.algorithm.namedCurve === info.curve) {
        ok = nodeVerify('sha256', PROBE, pub, await privateKey.sign(PROBE, 'SHA-256'));
      }
    } else if (info.kind === 'EC' && privateKey.algorithm.name === 'ECDSA' && (privateKey.algorithm as EcKeyAlgorithm).namedCurve === info.curve) {
      const sig = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, PROBE);
      ok = nodeVerify('sha256', PROBE, { key: pub, dsaEncoding: 'ieee-p1363' }, new Uint8Array(sig));
    } else if (info.kind === 'RSA' && privateKey.algorithm.name === 'RSASSA-PKCS1-v1_5') {
      const hash = (privateKey.algorithm as RsaHashedKeyAlgorithm).hash.name.replace('SHA-', 'sha');
      const sig = await subtle.sign({ name: 'RSASSA-PKCS1-v1_5' }, privateKey, PROBE);
      ok = nodeVerify(hash, PROBE, pub, new Uint8Array(sig));
    }
  } catch (e) {
    if (isExternalSigningKey(privateKey) && e instanceof CustodianError) throw e;
    ok = false;
  }
  if (!ok) {
    throw new CustodianError(PkiCodes.KEY_MISMATCH, 'the private key does not belong to the issuer certificate', { issuer: issuer.subject, issuerFingerprint: issuer.fingerprintSha256 });
  }
  const set = provenPairs.get(privateKey) ?? new Set<string>();
  set.add(issuer.fingerprintSha256);
  provenPairs.set(privateKey, set);
}

export function assertIssuerCanSign(issuer: CertificateFacts, profile: CertificateProfile, childPathLen: number | undefined, now: Date): void {
  const details = { issuer: issuer.subject, issuerFingerprint: issuer.fingerprintSha256 };
  if (!issuer.basicConstraints?.ca) {
    throw new CustodianError(PkiCodes.CHAIN_ISSUER_NOT_CA, `issuer ${issuer.subject} is not a CA (no basicConstraints CA:TRUE)`, details);
  }
  if (!issuer.keyUsage?.usages.includes('keyCertSign')) {
    throw new CustodianError(PkiCodes.CHAIN_ISSUER_NO_KEYCERTSIGN, `issuer ${issuer.subject} may not sign certificates (no keyUsage keyCertSign)`, details);
  }
  const issuerPathLen = issuer.basicConstraints.pathLen;
  if (profile.basicConstraints.ca && issuerPathLen !== undefined) {
    if (issuerPathLen < 1) {
      throw new CustodianError(PkiCodes.CHAIN_PATHLEN_EXCEEDED, `issuer ${issuer.subject} has pathLen 0: it may sign only end-entity certificates`, { ...details, issuerPathLen });
    }
    if (childPathLen !== undefined && childPathLen > issuerPathLen - 1) {
      throw new CustodianError(PkiCodes.CHAIN_PATHLEN_EXCEEDED, `a sub-CA of ${issuer.subject} may have pathLen at most ${issuerPathLen - 1}`, { ...details, issuerPathLen, requestedPathLen: childPathLen });
    }
  }
  if (now < issuer.notBefore) {
    throw new CustodianError(PkiCodes.CHAIN_NOT_YET_VALID, `issuer ${issuer.subject} is not valid until ${issuer.notBefore.toISOString()}`, details);
  }
  if (now > issuer.notAfter) {
    throw new CustodianError(PkiCodes.CHAIN_EXPIRED, `issuer ${issuer.subject} expired at ${issuer.notAfter.toISOString()}`, details);
  }
}
