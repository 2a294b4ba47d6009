/**
 * Low-level X.509 v3 encoder and signer. No policy at all: it writes exactly
 * the fields it is given. Only `issue.ts` (after its checks) and tests that
 * need deliberately bad certificates call it.
 */
import type { CryptoKey, RsaHashedKeyAlgorithm } from './crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  Extension,
  Extensions,
  Name,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { subtle } from './crypto';
import { concat, toArrayBuffer } from './bytes';
import { ecdsaP1363ToDer, tlv } from './der';
import { Oid } from './oids';
import type { SignatureHash } from './profiles';

export interface CertificateFields {
  /** INTEGER content octets, used as given. */
  serial: Uint8Array;
  issuerName: Uint8Array;
  subjectName: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  spki: Uint8Array;
  extensions: Extension[];
  signatureHash: SignatureHash;
}

/** AlgorithmIdentifier for a WebCrypto signing key and hash. */
export function signatureAlgorithmFor(key: CryptoKey, hash: SignatureHash): AlgorithmIdentifier {
  if (key.algorithm.name === 'ECDSA') {
    return new AlgorithmIdentifier({ algorithm: hash === 'SHA-384' ? Oid.ecdsaWithSha384 : Oid.ecdsaWithSha256 });
  }
  if (key.algorithm.name === 'RSASSA-PKCS1-v1_5') {
    const keyHash = (key.algorithm as RsaHashedKeyAlgorithm).hash.name;
    if (keyHash !== hash) throw new TypeError(`RSA key is bound to ${keyHash}, profile wants ${hash}`);
    // parameters: NULL (RFC 4055 §5)
    return new AlgorithmIdentifier({ algorithm: hash === 'SHA-384' ? Oid.sha384WithRsa : Oid.sha256WithRsa, parameters: new Uint8Array([5, 0]).buffer });
  }
  throw new TypeError(`unsupported signing key algorithm ${key.algorithm.name}`);
}

export function encodeTbs(fields: CertificateFields, signatureAlgorithm: AlgorithmIdentifier): Uint8Array {
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: toArrayBuffer(fields.serial),
    signature: signatureAlgorithm,
    issuer: AsnConvert.parse(toArrayBuffer(fields.issuerName), Name),
    validity: new Validity({ notBefore: fields.notBefore, notAfter: fields.notAfter }),
    subject: AsnConvert.parse(toArrayBuffer(fields.subjectName), Name),
    subjectPublicKeyInfo: AsnConvert.parse(toArrayBuffer(fields.spki), SubjectPublicKeyInfo),
    extensions: new Extensions(fields.extensions),
  });
  return new Uint8Array(AsnConvert.serialize(tbs));
}

/** Signs `tbsDer` and returns the signatureValue bytes as X.509 carries them (ECDSA: DER). */
export async function signTbs(tbsDer: Uint8Array, signingKey: CryptoKey, hash: SignatureHash): Promise<Uint8Array> {
  const alg = signingKey.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash } : { name: 'RSASSA-PKCS1-v1_5' };
  const sig = new Uint8Array(await subtle.sign(alg, signingKey, toArrayBuffer(tbsDer)));
  return signingKey.algorithm.name === 'ECDSA' ? ecdsaP1363ToDer(sig) : sig;
}

export interface BuiltCertificate {
  der: Uint8Array;
  tbsDer: Uint8Array;
}

export async function buildCertificate(fields: CertificateFields, signingKey: CryptoKey): Promise<BuiltCertificate> {
  const signatureAlgorithm = signatureAlgorithmFor(signingKey, fields.signatureHash);
  const tbsDer = encodeTbs(fields, signatureAlgorithm);
  const signature = await signTbs(tbsDer, signingKey, fields.signatureHash);
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
  // assembled from the exact TBS bytes that were signed (no re-encoding).
  const algDer = new Uint8Array(AsnConvert.serialize(signatureAlgorithm));
  const bitString = tlv(0x03, concat(Uint8Array.of(0), signature));
  const der = tlv(0x30, concat(tbsDer, algDer, bitString));
  return { der, tbsDer };
}
