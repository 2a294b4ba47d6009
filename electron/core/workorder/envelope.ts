/**
 * The signed envelope of a work order: CMS SignedData (RFC 5652), so that an
 * outside tool (`openssl cms -verify`) checks the same signature the station
 * does. The work-order JSON is the encapsulated content (id-data, attached);
 * one SignerInfo by the work-order signing certificate, identified by issuer
 * and serial; signed attributes content-type, message-digest and
 * signing-time; the certificates field carries the signer and its
 * intermediates (the root is the station's own, never taken from the file).
 *
 * Opening checks only the signature; admission.ts decides whether to trust
 * the signer.
 */
import { verify as verifySignature, createHash } from 'node:crypto';
import {
  Attribute, CertificateChoices, CertificateSet, ContentInfo, EncapsulatedContent, EncapsulatedContentInfo,
  IssuerAndSerialNumber, SignedData, SignerIdentifier, SignerInfo, SignerInfos, DigestAlgorithmIdentifiers,
  id_data, id_signedData,
} from '@peculiar/asn1-cms';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate, Time } from '@peculiar/asn1-x509';
import { CustodianError } from '../errors';
import { bytesEqual, concat, toArrayBuffer, toBytes } from '../pki/bytes';
import { encodeTime, signatureAlgorithmFor, signTbs } from '../pki/certificate-builder';
import { decodeOid, encodeOid, readElement, tlv } from '../pki/der';
import { publicKeyObject } from '../pki/key-objects';
import { readCertificate, type CertificateFacts, type SignatureHash, type SigningKey } from '../pki/index';
import { WorkOrderCodes } from './codes';

/** PKCS #9 attribute types used as CMS signed attributes. */
const ATTR = { contentType: '1.2.840.113549.1.9.3', messageDigest: '1.2.840.113549.1.9.4', signingTime: '1.2.840.113549.1.9.5' } as const;
const DIGEST_OID: Readonly<Record<SignatureHash, string>> = { 'SHA-256': '2.16.840.1.101.3.4.2.1', 'SHA-384': '2.16.840.1.101.3.4.2.2' };
const HASH_BY_DIGEST_OID: Readonly<Record<string, SignatureHash>> = { [DIGEST_OID['SHA-256']]: 'SHA-256', [DIGEST_OID['SHA-384']]: 'SHA-384' };

export interface EnvelopeSigner {
  /** The work-order signing key (a vault key as a CryptoKey, or a token key). */
  privateKey: SigningKey;
  /** Its certificate (DER). */
  certificate: Uint8Array;
  /** Intermediates between it and the root (DER); the root may be included, it is not relied on. */
  chain?: readonly Uint8Array[];
}

export interface OpenedEnvelope {
  /** The encapsulated content, exactly as signed. */
  content: Uint8Array;
  signer: CertificateFacts;
  /** Every certificate the envelope carries other than the signer's. */
  intermediates: Uint8Array[];
  signingTime: Date | null;
  digest: SignatureHash;
}

function malformed(message: string, cause?: unknown): CustodianError {
  return new CustodianError(WorkOrderCodes.MALFORMED, message, {}, cause === undefined ? undefined : { cause });
}

function tampered(message: string, details: Record<string, unknown> = {}): CustodianError {
  return new CustodianError(WorkOrderCodes.SIGNATURE_INVALID, message, details);
}

function hashFor(key: SigningKey): SignatureHash {
  const alg = key.algorithm as { name: string; namedCurve?: string; hash?: { name: string } };
  if (alg.name === 'ECDSA') return alg.namedCurve === 'P-384' ? 'SHA-384' : 'SHA-256';
  return alg.hash?.name === 'SHA-384' ? 'SHA-384' : 'SHA-256';
}

const digestOf = (hash: SignatureHash, data: Uint8Array): Uint8Array => new Uint8Array(createHash(hash === 'SHA-384' ? 'sha384' : 'sha256').update(data).digest());
const der = (v: unknown): Uint8Array => new Uint8Array(AsnConvert.serialize(v));

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Sign `content` into a DER CMS SignedData (ContentInfo). */
export async function signEnvelope(content: Uint8Array, signer: EnvelopeSigner, at: Date = new Date()): Promise<Uint8Array> {
  const hash = hashFor(signer.privateKey);
  const cert = AsnConvert.parse(toBytes(signer.certificate), Certificate);
  const attrs: [string, Uint8Array][] = [
    [ATTR.contentType, tlv(0x06, encodeOid(id_data))],
    [ATTR.messageDigest, tlv(0x04, digestOf(hash, content))],
    [ATTR.signingTime, encodeTime(at)],
  ];
  // DER orders a SET OF by encoding; the signature covers the SET as ordered here.
  const encoded = attrs.map(([type, value]) => ({
    a: new Attribute({ attrType: type, attrValues: [toArrayBuffer(value)] }),
    d: tlv(0x30, concat(tlv(0x06, encodeOid(type)), tlv(0x31, value))),
  })).sort((x, y) => compareBytes(x.d, y.d));
  const signedAttrsSet = tlv(0x31, concat(...encoded.map((e) => e.d)));
  const signature = await signTbs(signedAttrsSet, signer.privateKey, hash);
  const signerInfo = new SignerInfo({
    version: 1,
    sid: new SignerIdentifier({ issuerAndSerialNumber: new IssuerAndSerialNumber({ issuer: cert.tbsCertificate.issuer, serialNumber: cert.tbsCertificate.serialNumber }) }),
    digestAlgorithm: new AlgorithmIdentifier({ algorithm: DIGEST_OID[hash] }),
    signedAttrs: encoded.map((e) => e.a),
    signatureAlgorithm: signatureAlgorithmFor(signer.privateKey, hash),
    signature: new OctetString(signature),
  });
  const certificates = new CertificateSet([signer.certificate, ...(signer.chain ?? [])].map((c) => new CertificateChoices({ certificate: AsnConvert.parse(toBytes(c), Certificate) })));
  const signedData = new SignedData({
    version: 1,
    digestAlgorithms: new DigestAlgorithmIdentifiers([new AlgorithmIdentifier({ algorithm: DIGEST_OID[hash] })]),
    encapContentInfo: new EncapsulatedContentInfo({ eContentType: id_data, eContent: new EncapsulatedContent({ single: new OctetString(content) }) }),
    certificates,
    signerInfos: new SignerInfos([signerInfo]),
  });
  return der(new ContentInfo({ contentType: id_signedData, content: AsnConvert.serialize(signedData) }));
}

function parseContentInfo(bytes: Uint8Array): SignedData {
  let info: ContentInfo;
  try {
    // A DER length that does not cover the input exactly is refused, not truncated.
    if (readElement(bytes).raw.length !== bytes.length) throw new Error('trailing bytes after the ContentInfo');
    info = AsnConvert.parse(toBytes(bytes), ContentInfo);
  } catch (e) {
    throw malformed('the file is not a CMS (DER) signed work order', e);
  }
  if (info.contentType !== id_signedData) throw malformed(`the CMS content is ${info.contentType}, not SignedData`);
  try {
    return AsnConvert.parse(info.content, SignedData);
  } catch (e) {
    throw malformed('the CMS SignedData does not parse', e);
  }
}

function attributeValue(attrs: readonly Attribute[], type: string): Uint8Array | null {
  const found = attrs.filter((a) => a.attrType === type);
  if (found.length === 0) return null;
  if (found.length > 1 || found[0]!.attrValues.length !== 1) throw tampered(`signed attribute ${type} must occur once with one value`, { attribute: type });
  return new Uint8Array(found[0]!.attrValues[0]!);
}

/** The signed attributes as the signature covers them: the [0] IMPLICIT field re-tagged as a SET (RFC 5652 §5.4). */
function signedAttrsForSignature(si: SignerInfo): Uint8Array {
  const raw = si.signedAttrsRaw ? new Uint8Array(si.signedAttrsRaw) : tlv(0xa0, concat(...(si.signedAttrs ?? []).map(der)));
  const set = new Uint8Array(raw);
  set[0] = 0x31;
  return set;
}

function findSigner(si: SignerInfo, certs: Uint8Array[]): { signer: CertificateFacts; others: Uint8Array[] } {
  const ias = si.sid.issuerAndSerialNumber;
  const ski = si.sid.subjectKeyIdentifier;
  const facts = certs.map((c) => {
    try { return readCertificate(c); } catch (e) { throw malformed('a certificate in the work order does not parse', e); }
  });
  const wantIssuer = ias ? der(ias.issuer) : null;
  const wantSerial = ias ? new Uint8Array(ias.serialNumber) : null;
  const index = facts.findIndex((f) => {
    if (wantIssuer && wantSerial) {
      const tbs = AsnConvert.parse(toBytes(f.der), Certificate).tbsCertificate;
      return bytesEqual(f.issuerDer, wantIssuer) && bytesEqual(new Uint8Array(tbs.serialNumber), wantSerial);
    }
    return ski !== undefined && f.subjectKeyIdentifier !== undefined && bytesEqual(f.subjectKeyIdentifier, new Uint8Array(ski.buffer));
  });
  if (index < 0) throw new CustodianError(WorkOrderCodes.SIGNER_UNTRUSTED, 'the work order does not carry the certificate it was signed with', {});
  return { signer: facts[index]!, others: certs.filter((_, i) => i !== index) };
}

/**
 * Parse a CMS signed work order and check its signature: the content digest
 * against message-digest, content-type against the encapsulated type, and
 * the signature over the signed attributes under the signer's key.
 * WORK_ORDER_MALFORMED, WORK_ORDER_SIGNATURE_INVALID, WORK_ORDER_SIGNER_UNTRUSTED (no signer certificate).
 */
export function openEnvelope(bytes: Uint8Array): OpenedEnvelope {
  const sd = parseContentInfo(bytes);
  if (sd.signerInfos.length !== 1) throw malformed(`a work order has exactly one signer, this one has ${sd.signerInfos.length}`);
  const eci = sd.encapContentInfo;
  if (eci.eContentType !== id_data) throw malformed(`the encapsulated content type is ${eci.eContentType}, not id-data`);
  const single = eci.eContent?.single;
  if (!single) throw malformed('the work order is detached or empty: the JSON must be inside the signed file');
  const content = new Uint8Array(single.buffer);
  const certs = (sd.certificates ?? []).flatMap((c) => (c.certificate ? [der(c.certificate)] : []));
  const si = sd.signerInfos[0]!;
  const hash = HASH_BY_DIGEST_OID[si.digestAlgorithm.algorithm];
  if (!hash) throw malformed(`digest algorithm ${si.digestAlgorithm.algorithm} is not accepted (SHA-256 or SHA-384)`);
  const attrs = si.signedAttrs;
  if (!attrs || attrs.length === 0) throw tampered('the signature has no signed attributes');
  const ct = attributeValue(attrs, ATTR.contentType);
  if (!ct || ct[0] !== 0x06 || decodeOid(readElement(ct).content) !== id_data) throw tampered('the signed content-type attribute is missing or is not id-data');
  const md = attributeValue(attrs, ATTR.messageDigest);
  if (!md || md[0] !== 0x04 || !bytesEqual(readElement(md).content, digestOf(hash, content))) {
    throw tampered('the work order content does not match the digest it was signed with: it was changed after signing');
  }
  const st = attributeValue(attrs, ATTR.signingTime);
  let signingTime: Date | null = null;
  if (st) {
    try { signingTime = AsnConvert.parse(toBytes(st), Time).getTime(); } catch { throw tampered('the signing-time attribute does not parse'); }
  }
  const { signer, others } = findSigner(si, certs);
  const sigAlg = si.signatureAlgorithm.algorithm;
  const ok = (() => {
    try {
      return verifySignature(hash === 'SHA-384' ? 'sha384' : 'sha256', signedAttrsForSignature(si), publicKeyObject(signer.spki), new Uint8Array(si.signature.buffer));
    } catch {
      return false;
    }
  })();
  if (!ok) throw tampered('the work order signature does not verify under its signing certificate', { signer: signer.subject, signatureAlgorithm: sigAlg });
  return { content, signer, intermediates: others, signingTime, digest: hash };
}
