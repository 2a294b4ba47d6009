/**
 * CA key pairs: generation, PKCS#8 import/export and describing an SPKI.
 * Keys are WebCrypto `CryptoKey`s so a vault (or later an HSM-backed signer)
 * can keep the private half non-extractable.
 */
import type { CryptoKey, CryptoKeyPair, EcKeyImportParams, RsaHashedImportParams, RsaHashedKeyGenParams, EcKeyAlgorithm, RsaHashedKeyAlgorithm, WebCryptoKeyUsage } from './crypto';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { CustodianError } from '../errors';
import { subtle } from './crypto';
import { toArrayBuffer } from './bytes';
import { decodeOid, expectTag, readChildren, readElement, type DerElement } from './der';
import { PkiCodes } from './codes';
import { spkiId } from './key-objects';
import { Oid, algorithmName, curveName } from './oids';

export type CaKeySpec = 'P-256' | 'P-384' | 'RSA-2048' | 'RSA-3072' | 'RSA-4096';
export const CA_KEY_SPECS: readonly CaKeySpec[] = ['P-256', 'P-384', 'RSA-2048', 'RSA-3072', 'RSA-4096'];

export type KeyInfo = { kind: 'EC'; curve: 'P-256' | 'P-384' } | { kind: 'RSA'; bits: number };

/** WebCrypto algorithm used to generate/import each spec. RSA keys sign with PKCS#1 v1.5 + SHA-256. */
export function webCryptoAlgorithm(spec: CaKeySpec): EcKeyImportParams | RsaHashedImportParams {
  switch (spec) {
    case 'P-256':
    case 'P-384':
      return { name: 'ECDSA', namedCurve: spec };
    case 'RSA-2048':
    case 'RSA-3072':
    case 'RSA-4096':
      return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  }
}

function assertSpec(spec: string): asserts spec is CaKeySpec {
  if (!(CA_KEY_SPECS as readonly string[]).includes(spec)) {
    throw new CustodianError(PkiCodes.KEY_UNSUPPORTED_SPEC, `CA key spec ${spec} is not one of ${CA_KEY_SPECS.join(', ')}`, { spec });
  }
}

export async function generateKeyPair(spec: CaKeySpec, opts: { extractable: boolean }): Promise<CryptoKeyPair> {
  assertSpec(spec);
  const usages: WebCryptoKeyUsage[] = ['sign', 'verify'];
  if (spec.startsWith('RSA-')) {
    const params: RsaHashedKeyGenParams = {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: Number(spec.slice(4)),
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    };
    return (await subtle.generateKey(params, opts.extractable, usages)) as CryptoKeyPair;
  }
  return (await subtle.generateKey({ name: 'ECDSA', namedCurve: spec }, opts.extractable, usages)) as CryptoKeyPair;
}

function specOfKeyObject(k: KeyObject): CaKeySpec | undefined {
  const d = k.asymmetricKeyDetails ?? {};
  if (k.asymmetricKeyType === 'ec') {
    if (d.namedCurve === 'prime256v1') return 'P-256';
    if (d.namedCurve === 'secp384r1') return 'P-384';
    return undefined;
  }
  if (k.asymmetricKeyType === 'rsa' && d.publicExponent === 65537n) {
    const spec = `RSA-${d.modulusLength}`;
    return (CA_KEY_SPECS as readonly string[]).includes(spec) ? (spec as CaKeySpec) : undefined;
  }
  return undefined;
}

/**
 * Imports a PKCS#8 private key as a signing `CryptoKey` (non-extractable unless
 * asked) and derives its public key (via Node's KeyObject, so it works for
 * non-extractable imports too).
 */
export async function importPrivateKeyPkcs8(
  der: Uint8Array,
  opts: { extractable?: boolean } = {},
): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey; spec: CaKeySpec }> {
  let ko: KeyObject;
  try {
    ko = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch (e) {
    throw new CustodianError(PkiCodes.KEY_MALFORMED, 'not a readable PKCS#8 private key', {}, { cause: e });
  }
  const spec = specOfKeyObject(ko);
  if (!spec) {
    throw new CustodianError(PkiCodes.KEY_UNSUPPORTED_SPEC, `private key type is not one of ${CA_KEY_SPECS.join(', ')}`, {
      type: ko.asymmetricKeyType,
      details: JSON.parse(JSON.stringify(ko.asymmetricKeyDetails ?? {}, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))),
    });
  }
  const alg = webCryptoAlgorithm(spec);
  const spki = createPublicKey(ko).export({ type: 'spki', format: 'der' });
  const privateKey = await subtle.importKey('pkcs8', toArrayBuffer(der), alg, opts.extractable ?? false, ['sign']);
  const publicKey = await subtle.importKey('spki', toArrayBuffer(spki), alg, true, ['verify']);
  return { privateKey, publicKey, spec };
}

export async function exportPkcs8(privateKey: CryptoKey): Promise<Uint8Array> {
  if (!privateKey.extractable) {
    throw new CustodianError(PkiCodes.KEY_NOT_EXTRACTABLE, 'the private key was created non-extractable and cannot be exported');
  }
  return new Uint8Array(await subtle.exportKey('pkcs8', privateKey));
}

export async function exportSpki(publicKey: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await subtle.exportKey('spki', publicKey));
}

/** The spec of a WebCrypto key we created or imported. */
export function specOfCryptoKey(key: CryptoKey): CaKeySpec {
  const alg = key.algorithm as Partial<EcKeyAlgorithm & RsaHashedKeyAlgorithm>;
  const spec = alg.namedCurve ?? (alg.modulusLength ? `RSA-${alg.modulusLength}` : String(alg.name));
  assertSpec(spec);
  return spec;
}

/** Low-level description of any SPKI, without policy. Throws KEY_MALFORMED on unparseable input. */
export interface SpkiDescription {
  algorithmOid: string;
  algorithm: string;
  curveOid?: string;
  curve?: string;
  rsaBits?: number;
  /** The subjectPublicKey BIT STRING contents (what SKI method 1 hashes). */
  publicKeyBits: Uint8Array;
}

export function describeSpki(spkiDer: Uint8Array): SpkiDescription {
  // Hand-walked (SEQUENCE { SEQUENCE { OID, params? }, BIT STRING }): this runs
  // on every CSR and issuance, and the schema parser is ~10× slower.
  let algorithmOid: string;
  let params: DerElement | undefined;
  let publicKeyBits: Uint8Array;
  try {
    const top = expectTag(readElement(spkiDer), 0x30, 'SubjectPublicKeyInfo');
    if (top.raw.length !== spkiDer.length) throw new Error('trailing bytes after SubjectPublicKeyInfo');
    const [alg, bits, ...rest] = readChildren(top.content);
    if (rest.length) throw new Error('extra elements in SubjectPublicKeyInfo');
    const [oid, p, ...more] = readChildren(expectTag(alg, 0x30, 'AlgorithmIdentifier').content);
    if (more.length) throw new Error('extra elements in AlgorithmIdentifier');
    algorithmOid = decodeOid(expectTag(oid, 0x06, 'algorithm').content);
    params = p;
    const b = expectTag(bits, 0x03, 'subjectPublicKey').content;
    if (b.length < 1 || b[0] !== 0) throw new Error('subjectPublicKey has unused bits');
    publicKeyBits = Uint8Array.from(b.subarray(1));
  } catch (e) {
    throw new CustodianError(PkiCodes.KEY_MALFORMED, `SubjectPublicKeyInfo is not valid DER: ${(e as Error).message}`, {}, { cause: e });
  }
  const out: SpkiDescription = { algorithmOid, algorithm: algorithmName(algorithmOid), publicKeyBits };
  try {
    if (algorithmOid === Oid.ecPublicKey) {
      if (!params) throw new Error('EC key without curve parameters');
      if (params.tag === 0x06) {
        out.curveOid = decodeOid(params.content);
        out.curve = curveName(out.curveOid);
      } else {
        out.curve = 'explicit-parameters'; // RFC 5480 forbids them; refused as an unsupported curve
      }
    } else if (algorithmOid === Oid.rsaEncryption) {
      const rsa = expectTag(readElement(publicKeyBits), 0x30, 'RSAPublicKey');
      const [n] = readChildren(rsa.content);
      const m = expectTag(n, 0x02, 'modulus').content;
      let i = 0;
      while (i < m.length && m[i] === 0) i++;
      out.rsaBits = i === m.length ? 0 : (m.length - i - 1) * 8 + (32 - Math.clz32(m[i]!));
    }
  } catch (e) {
    throw new CustodianError(PkiCodes.KEY_MALFORMED, `public key parameters are malformed: ${(e as Error).message}`, { algorithm: out.algorithm }, { cause: e });
  }
  return out;
}

/** A public key of a supported shape: its KeyInfo and subjectPublicKey bits (never mutated). */
export interface KnownKey {
  readonly info: KeyInfo;
  /** The subjectPublicKey BIT STRING contents (what SKI method 1 hashes). */
  readonly publicKeyBits: Uint8Array;
}

/**
 * Keys already described, by their exact DER (not a hash: two different keys
 * never share an entry). One provisioning run meets the same device SPKI in
 * the CSR check, the workflow, the signer and the final challenge. Refusals
 * are not cached: a bad key throws every time it is met.
 */
const known = new Map<string, KnownKey>();
const KNOWN_SIZE = 64;

/**
 * `keyInfoFromSpki` plus the key's bits, memoised by the exact bytes (`id`:
 * spkiId of them). Throws what keyInfoFromSpki throws.
 */
export function knownKey(spkiDer: Uint8Array, id: string = spkiId(spkiDer)): KnownKey {
  let k = known.get(id);
  if (!k) {
    const d = describeSpki(spkiDer);
    k = Object.freeze({ info: Object.freeze(classify(d)), publicKeyBits: d.publicKeyBits });
    if (known.size >= KNOWN_SIZE) known.delete(known.keys().next().value!);
    known.set(id, k);
  }
  return k;
}

function classify(d: SpkiDescription): KeyInfo {
  if (d.algorithmOid === Oid.ecPublicKey) {
    if (d.curveOid === Oid.secp256r1) return { kind: 'EC', curve: 'P-256' };
    if (d.curveOid === Oid.secp384r1) return { kind: 'EC', curve: 'P-384' };
    throw new CustodianError(PkiCodes.KEY_UNSUPPORTED_CURVE, `EC curve ${d.curve} is not accepted (P-256 or P-384 only)`, {
      curve: d.curve,
      curveOid: d.curveOid,
    });
  }
  if (d.algorithmOid === Oid.rsaEncryption) return { kind: 'RSA', bits: d.rsaBits ?? 0 };
  throw new CustodianError(PkiCodes.KEY_UNSUPPORTED_ALGORITHM, `public key algorithm ${d.algorithm} is not accepted (EC or RSA only)`, {
    algorithm: d.algorithm,
    algorithmOid: d.algorithmOid,
  });
}

/**
 * The supported shape of a public key: EC P-256/P-384 or RSA of some size.
 * Throws KEY_UNSUPPORTED_CURVE / KEY_UNSUPPORTED_ALGORITHM / KEY_MALFORMED.
 * (Size policy for device keys lives in key-policy.ts.) The result is shared
 * and frozen.
 */
export function keyInfoFromSpki(spkiDer: Uint8Array): KeyInfo {
  return knownKey(spkiDer).info;
}

export function keyInfoLabel(k: KeyInfo): string {
  return k.kind === 'EC' ? `EC ${k.curve}` : `RSA-${k.bits}`;
}
