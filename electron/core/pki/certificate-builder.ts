/**
 * Low-level X.509 v3 encoder and signer. No policy at all: it writes exactly
 * the fields it is given. Only `issue.ts` (after its checks) and tests that
 * need deliberately bad certificates call it.
 */
import { sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import type { CryptoKey, RsaHashedKeyAlgorithm } from './crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Extension } from '@peculiar/asn1-x509';
import { subtle } from './crypto';
import { concat, toArrayBuffer } from './bytes';
import { ecdsaP1363ToDer, encodeOid, tlv } from './der';
import { publicKeyObject } from './key-objects';
import { Oid } from './oids';
import type { SignatureHash } from './profiles';
import { isExternalSigningKey, type SigningKey } from './signing-key';

export interface CertificateFields {
  /** INTEGER content octets, used as given. */
  serial: Uint8Array;
  issuerName: Uint8Array;
  subjectName: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  spki: Uint8Array;
  /** Schema objects, or an Extension's complete DER as extensionDer (extensions.ts) writes it. */
  extensions: readonly (Extension | Uint8Array)[];
  signatureHash: SignatureHash;
}

/** AlgorithmIdentifier for a WebCrypto signing key and hash. */
export function signatureAlgorithmFor(key: Pick<SigningKey, 'algorithm'>, hash: SignatureHash): AlgorithmIdentifier {
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

/** signatureAlgorithmFor's DER (same checks), from a cache: no schema object per signing. */
const algorithmByKey = new Map<string, Uint8Array>();
export function signatureAlgorithmDer(key: Pick<SigningKey, 'algorithm'>, hash: SignatureHash): Uint8Array {
  const alg = key.algorithm as { name: string; hash?: { name: string } };
  const id = `${alg.name}/${alg.hash?.name ?? ''}/${hash}`;
  let der = algorithmByKey.get(id);
  if (!der) {
    der = algorithmDer(signatureAlgorithmFor(key, hash));
    algorithmByKey.set(id, der);
  }
  return der;
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; always Z, whole seconds. Digits written as bytes. */
export function encodeTime(d: Date): Uint8Array {
  const y = d.getUTCFullYear();
  if (y < 1950 || y > 9999) throw new RangeError(`year ${y} cannot be encoded in a certificate`);
  const utc = y < 2050;
  const out = new Uint8Array(utc ? 15 : 17);
  out[0] = utc ? 0x17 : 0x18;
  out[1] = out.length - 2;
  let i = 2;
  const two = (v: number): void => {
    out[i++] = 0x30 + Math.floor(v / 10);
    out[i++] = 0x30 + (v % 10);
  };
  if (!utc) two(Math.floor(y / 100));
  two(y % 100);
  two(d.getUTCMonth() + 1);
  two(d.getUTCDate());
  two(d.getUTCHours());
  two(d.getUTCMinutes());
  two(d.getUTCSeconds());
  out[i] = 0x5a; // Z
  return out;
}

const BOOLEAN_TRUE = Uint8Array.of(0x01, 0x01, 0xff);

/** Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE (omitted when false, DER), extnValue OCTET STRING }. */
function encodeExtension(e: Extension | Uint8Array): Uint8Array {
  if (e instanceof Uint8Array) return e;
  const value = new Uint8Array(e.extnValue.buffer);
  return tlv(0x30, concat(tlv(0x06, encodeOid(e.extnID)), e.critical ? BOOLEAN_TRUE : new Uint8Array(0), tlv(0x04, value)));
}

/** The few AlgorithmIdentifiers we sign with, serialized once each. */
const algorithmCache = new Map<string, Uint8Array>();
function algorithmDer(a: AlgorithmIdentifier): Uint8Array {
  const key = `${a.algorithm}/${a.parameters ? Buffer.from(a.parameters).toString('hex') : '-'}`;
  let der = algorithmCache.get(key);
  if (!der) {
    der = new Uint8Array(AsnConvert.serialize(a));
    algorithmCache.set(key, der);
  }
  return der;
}

/**
 * TBSCertificate, assembled from raw pieces: the issuer name, subject name and
 * SPKI are copied byte for byte (never re-encoded), so name chaining holds
 * even under CAs whose names another encoder produced.
 */
const VERSION_V3 = tlv(0xa0, tlv(0x02, Uint8Array.of(2))); // [0] EXPLICIT v3

/** `signatureAlgorithm` as a schema object or as its DER (signatureAlgorithmDer). */
export function encodeTbs(fields: CertificateFields, signatureAlgorithm: AlgorithmIdentifier | Uint8Array): Uint8Array {
  const version = VERSION_V3;
  const serial = tlv(0x02, fields.serial);
  const alg = signatureAlgorithm instanceof Uint8Array ? signatureAlgorithm : algorithmDer(signatureAlgorithm);
  const validity = tlv(0x30, concat(encodeTime(fields.notBefore), encodeTime(fields.notAfter)));
  const exts = tlv(0xa3, tlv(0x30, concat(...fields.extensions.map(encodeExtension)))); // [3] EXPLICIT Extensions
  return tlv(0x30, concat(version, serial, alg, fields.issuerName, validity, fields.subjectName, fields.spki, exts));
}

const NODE_HASH: Record<SignatureHash, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384' };
/** Node's WebCrypto key class (a global in Node and Electron's main process; not in the node typings). */
const NodeCryptoKey = (globalThis as { CryptoKey?: abstract new (...args: never[]) => unknown }).CryptoKey;

/**
 * Signs `tbsDer` and returns the signatureValue bytes as X.509 carries them
 * (ECDSA: DER). A Node WebCrypto key is signed with synchronously through
 * node:crypto, which takes the CryptoKey as it is (never converted to an
 * exportable KeyObject): the WebCrypto call costs ~100 µs more CPU per leaf
 * for its thread-pool round trip. The checks WebCrypto would make (a private
 * key, allowed to sign, of the algorithm we name) are made here; the RSA hash
 * was matched to the key in signatureAlgorithmFor. Any other key goes through
 * WebCrypto.
 */
export async function signTbs(tbsDer: Uint8Array, signingKey: SigningKey, hash: SignatureHash): Promise<Uint8Array> {
  if (isExternalSigningKey(signingKey)) return signingKey.sign(tbsDer, hash);
  if (signsNow(signingKey)) return new Uint8Array(signTbsNow(tbsDer, signingKey, hash));
  const name = signingKey.algorithm.name;
  const alg = name === 'ECDSA' ? { name: 'ECDSA', hash } : { name: 'RSASSA-PKCS1-v1_5' };
  const sig = new Uint8Array(await subtle.sign(alg, signingKey, toArrayBuffer(tbsDer)));
  return name === 'ECDSA' ? ecdsaP1363ToDer(sig) : sig;
}

/** Whether signTbs signs with this key synchronously (a Node WebCrypto ECDSA or RSASSA-PKCS1-v1_5 key). */
export function signsNow(signingKey: SigningKey): boolean {
  if (isExternalSigningKey(signingKey)) return false;
  const name = signingKey.algorithm.name;
  return NodeCryptoKey !== undefined && signingKey instanceof NodeCryptoKey && (name === 'ECDSA' || name === 'RSASSA-PKCS1-v1_5');
}

/** signTbs for a key where signsNow holds. */
function signTbsNow(tbsDer: Uint8Array, signingKey: CryptoKey, hash: SignatureHash): Uint8Array {
  if (signingKey.type !== 'private' || !signingKey.usages.includes('sign')) throw new TypeError('Unable to use this key to sign');
  // node:crypto.sign documents CryptoKey as a key type; @types/node omits it.
  // ECDSA: DER ECDSA-Sig-Value (its default encoding); RSA: PKCS#1 v1.5 (its default padding).
  return nodeSign(NODE_HASH[hash], tbsDer, signingKey as unknown as KeyObject);
}

export interface BuiltCertificate {
  der: Uint8Array;
  tbsDer: Uint8Array;
  /** The signatureValue bytes `der` carries (ECDSA: DER). */
  signature: Uint8Array;
}

/**
 * Signs a TBSCertificate with `signingKey` and returns the signatureValue
 * bytes as X.509 carries them (ECDSA: DER): signTbs's contract. signTbs is
 * the default; an HSM, or a test that counts or corrupts signatures, can
 * stand in through `IssueRequest.signer`.
 */
export type TbsSigner = (tbsDer: Uint8Array, signingKey: CryptoKey, hash: SignatureHash) => Uint8Array | Promise<Uint8Array>;

/** Encode and sign; `signer` defaults to signTbs (synchronous for a key where signsNow holds). */
export async function buildCertificate(fields: CertificateFields, signingKey: SigningKey, signer?: TbsSigner): Promise<BuiltCertificate> {
  if (!signer && signsNow(signingKey)) return buildCertificateNow(fields, signingKey as CryptoKey);
  const algDer = signatureAlgorithmDer(signingKey, fields.signatureHash);
  const tbsDer = encodeTbs(fields, algDer);
  // A key held outside the process signs itself; a TbsSigner stands in only for in-process keys.
  const signature = isExternalSigningKey(signingKey) || !signer
    ? await signTbs(tbsDer, signingKey, fields.signatureHash)
    : await signer(tbsDer, signingKey, fields.signatureHash);
  return assemble(tbsDer, algDer, signature);
}

/** buildCertificate without a promise, for a key where signsNow holds. */
export function buildCertificateNow(fields: CertificateFields, signingKey: CryptoKey): BuiltCertificate {
  const algDer = signatureAlgorithmDer(signingKey, fields.signatureHash);
  const tbsDer = encodeTbs(fields, algDer);
  return assemble(tbsDer, algDer, signTbsNow(tbsDer, signingKey, fields.signatureHash));
}

/**
 * Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING },
 * assembled from the exact TBS bytes that were signed (no re-encoding).
 */
function assemble(tbsDer: Uint8Array, algDer: Uint8Array, signature: Uint8Array): BuiltCertificate {
  const bitString = tlv(0x03, concat(Uint8Array.of(0), signature));
  const der = tlv(0x30, concat(tbsDer, algDer, bitString));
  return { der, tbsDer, signature };
}

/**
 * True when `built`'s signature verifies under the issuer's SPKI (OpenSSL)
 * over the exact TBS bytes the certificate carries. Used right after signing
 * instead of re-parsing the certificate just assembled around those bytes.
 */
export function builtSignatureVerifies(built: BuiltCertificate, hash: SignatureHash, issuer: Uint8Array | KeyObject): boolean {
  try {
    // ECDSA: DER signature (the default encoding); RSA: PKCS#1 v1.5 (the default padding).
    return nodeVerify(NODE_HASH[hash], built.tbsDer, issuer instanceof Uint8Array ? publicKeyObject(issuer) : issuer, built.signature);
  } catch {
    return false;
  }
}
