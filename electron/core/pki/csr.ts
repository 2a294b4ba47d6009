/**
 * CSR intake (PKCS#10). The CSR is evidence, not instructions: we take its
 * public key (after checking the signature = proof of possession, and the
 * device key policy) and *report* everything else it asks for. The station,
 * through a profile, decides subject and extensions.
 *
 * Order of checks: size → armour → outer DER length (truncation) → structure
 * → key policy → signature → subject characters (no attribute may hold a
 * control, bidirectional or invisible format character). Nothing is signed here.
 */
import { verify as nodeVerify } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  BasicConstraints,
  ExtendedKeyUsage,
  Extensions,
  GeneralName,
  KeyUsage,
  SubjectAlternativeName,
} from '@peculiar/asn1-x509';
import { CustodianError } from '../errors';
import { sha256Hex, toArrayBuffer, toBytes } from './bytes';
import { decodeKeyUsage } from './certificate-facts';
import { PkiCodes } from './codes';
import { decodeOid, expectTag, readChildren, readDerHeader, readElement, type DerElement } from './der';
import { allowedDeviceKey } from './key-policy';
import type { KeyInfo } from './keys';
import { assertSafeNameValue } from './name-rules';
import { formatEntries, nameEntries } from './names';
import { Oid, ekuName, extensionName } from './oids';
import { fromPem } from './pem';

export const CSR_MAX_BYTES = 64 * 1024;

export interface CsrIntake {
  der: Uint8Array;
  /** The pinned key: the only thing from the CSR that reaches a certificate. */
  publicKeySpki: Uint8Array;
  keyInfo: KeyInfo;
  /** The subject as requested, RFC 4514-ish text (for display and logs). */
  requestedSubject: string;
  /** First CN of the requested subject, for cross-checking against the device ID. */
  commonName?: string;
  /** First O of the requested subject (a CA request may name its organization); also listed in ignoredRequests. */
  organization?: string;
  /** Everything else the CSR asked for, human-readable; none of it is honoured. */
  ignoredRequests: string[];
  /** Lowercase hex SHA-256 of `der` (ledger / audit reference). */
  csrSha256: string;
  /**
   * The signatureAlgorithm carried explicit NULL parameters: an ECDSA
   * AlgorithmIdentifier must omit them (RFC 5758 §3.2), but some modem
   * firmware (Nordic nRF91 AT%KEYGEN) writes `05 00`. That one variant is
   * accepted for ECDSA and noted; any other parameters are refused.
   */
  signatureNullParameters?: true;
}

export interface ReadCsrOptions {
  /** Refuse larger inputs before parsing. Default 64 KiB. */
  maxBytes?: number;
}

const SIGNATURE_HASHES: Record<string, { hash: string; key: 'EC' | 'RSA' }> = {
  [Oid.ecdsaWithSha256]: { hash: 'sha256', key: 'EC' },
  [Oid.ecdsaWithSha384]: { hash: 'sha384', key: 'EC' },
  [Oid.ecdsaWithSha512]: { hash: 'sha512', key: 'EC' },
  [Oid.sha256WithRsa]: { hash: 'sha256', key: 'RSA' },
  [Oid.sha384WithRsa]: { hash: 'sha384', key: 'RSA' },
  [Oid.sha512WithRsa]: { hash: 'sha512', key: 'RSA' },
};

const malformed = (message: string, cause?: unknown): CustodianError =>
  new CustodianError(PkiCodes.CSR_MALFORMED, message, {}, cause === undefined ? undefined : { cause });

function decodeArmour(input: string | Uint8Array): Uint8Array {
  let text: string | undefined;
  if (typeof input === 'string') text = input;
  else if (input.length > 0 && input[0] !== 0x30) text = Buffer.from(input).toString('latin1');
  if (text === undefined) return toBytes(input as Uint8Array);
  let blocks;
  try {
    blocks = fromPem(text).filter((b) => b.label === 'CERTIFICATE REQUEST' || b.label === 'NEW CERTIFICATE REQUEST');
  } catch (e) {
    throw malformed(`CSR PEM armour is broken: ${(e as Error).message}`, e);
  }
  if (blocks.length === 0) throw malformed('input is neither DER nor a PEM CERTIFICATE REQUEST');
  if (blocks.length > 1) throw malformed('input holds more than one CERTIFICATE REQUEST');
  return blocks[0]!.der;
}

function describeGeneralName(g: GeneralName): string {
  if (g.dNSName !== undefined) return `DNS:${g.dNSName}`;
  if (g.rfc822Name !== undefined) return `email:${g.rfc822Name}`;
  if (g.uniformResourceIdentifier !== undefined) return `URI:${g.uniformResourceIdentifier}`;
  if (g.iPAddress !== undefined) return `IP:${g.iPAddress}`;
  if (g.registeredID !== undefined) return `RID:${g.registeredID}`;
  if (g.directoryName !== undefined) return 'dirName';
  return 'otherName';
}

function describeExtensionRequest(value: ArrayBuffer): string[] {
  const out: string[] = [];
  for (const e of AsnConvert.parse(value, Extensions)) {
    const crit = e.critical ? ' (critical)' : '';
    const v = e.extnValue.buffer;
    try {
      switch (e.extnID) {
        case Oid.basicConstraints: {
          const bc = AsnConvert.parse(v, BasicConstraints);
          out.push(`basicConstraints CA:${bc.cA ? 'TRUE' : 'FALSE'}${bc.pathLenConstraint !== undefined ? `, pathlen:${bc.pathLenConstraint}` : ''}${crit}`);
          break;
        }
        case Oid.keyUsage:
          out.push(`keyUsage ${decodeKeyUsage(AsnConvert.parse(v, KeyUsage)).join(', ')}${crit}`);
          break;
        case Oid.extKeyUsage:
          out.push(`extendedKeyUsage ${[...AsnConvert.parse(v, ExtendedKeyUsage)].map(ekuName).join(', ')}${crit}`);
          break;
        case Oid.subjectAltName:
          for (const g of AsnConvert.parse(v, SubjectAlternativeName)) out.push(`subjectAltName ${describeGeneralName(g)}${crit}`);
          break;
        default:
          out.push(`extension ${extensionName(e.extnID)}${crit}`);
      }
    } catch {
      out.push(`extension ${extensionName(e.extnID)} (unreadable)${crit}`);
    }
  }
  return out;
}

export function readCsr(input: string | Uint8Array, opts: ReadCsrOptions = {}): CsrIntake {
  const max = opts.maxBytes ?? CSR_MAX_BYTES;
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input?.byteLength;
  if (typeof size !== 'number') throw malformed('CSR input must be a string or bytes');
  if (size > max) {
    throw new CustodianError(PkiCodes.CSR_TOO_LARGE, `CSR input is ${size} bytes; the limit is ${max}`, { size, maxBytes: max });
  }
  const der = decodeArmour(input);

  const h = readDerHeader(der);
  if (!h || h.tag !== 0x30) throw malformed('CSR is not a DER SEQUENCE');
  if (h.totalLength > der.length) {
    throw new CustodianError(PkiCodes.CSR_TRUNCATED, `CSR DER declares ${h.totalLength} bytes but only ${der.length} are present`, {
      declared: Number.isFinite(h.totalLength) ? h.totalLength : null,
      present: der.length,
    });
  }
  if (h.totalLength < der.length) throw malformed(`CSR has ${der.length - h.totalLength} trailing bytes after the DER`);

  // Hand-walked: CertificationRequest ::= SEQUENCE { CertificationRequestInfo, AlgorithmIdentifier, BIT STRING }
  // CertificationRequestInfo ::= SEQUENCE { version INTEGER (0), subject Name, SubjectPublicKeyInfo, [0] Attributes }
  let criDer: Uint8Array;
  let subjectDer: Uint8Array;
  let spki: Uint8Array;
  let signatureOid: string;
  let signatureParams: 'absent' | 'null' | 'other';
  let signature: Uint8Array;
  let attributes: { oid: string; values: Uint8Array[] }[];
  let subjectEntries: { oid: string; label: string; value: string }[];
  try {
    const parts = readChildren(readElement(der).content);
    if (parts.length !== 3) throw new Error(`CertificationRequest has ${parts.length} elements, not 3`);
    const [cri, sigAlg, sigBits] = parts as [DerElement, DerElement, DerElement];
    criDer = expectTag(cri, 0x30, 'CertificationRequestInfo').raw;
    const [version, subject, pk, attrs, ...extra] = readChildren(cri.content);
    if (extra.length) throw new Error('extra elements in CertificationRequestInfo');
    const v = expectTag(version, 0x02, 'version').content;
    if (v.length !== 1 || v[0] !== 0) throw new Error('CSR version is not 0 (v1)');
    subjectDer = Uint8Array.from(expectTag(subject, 0x30, 'subject').raw);
    spki = Uint8Array.from(expectTag(pk, 0x30, 'subjectPKInfo').raw);
    attributes = attrs
      ? readChildren(expectTag(attrs, 0xa0, 'attributes').content).map((a) => {
          const [type, set, ...more] = readChildren(expectTag(a, 0x30, 'Attribute').content);
          if (more.length) throw new Error('extra elements in Attribute');
          return {
            oid: decodeOid(expectTag(type, 0x06, 'attribute type').content),
            values: readChildren(expectTag(set, 0x31, 'attribute values').content).map((x) => x.raw),
          };
        })
      : [];
    const [algOid, ...params] = readChildren(expectTag(sigAlg, 0x30, 'signatureAlgorithm').content);
    signatureOid = decodeOid(expectTag(algOid, 0x06, 'signature algorithm').content);
    signatureParams = params.length === 0 ? 'absent' : params.length === 1 && params[0]!.raw.length === 2 && params[0]!.raw[0] === 0x05 && params[0]!.raw[1] === 0x00 ? 'null' : 'other';
    const bits = expectTag(sigBits, 0x03, 'signature').content;
    if (bits.length < 2 || bits[0] !== 0) throw new Error('signature BIT STRING has unused bits');
    signature = bits.subarray(1);
    subjectEntries = nameEntries(subjectDer);
  } catch (e) {
    throw malformed(`CSR structure is invalid: ${(e as Error).message}`, e);
  }

  const { info: keyInfo, key } = allowedDeviceKey(spki);

  const sigAlg = SIGNATURE_HASHES[signatureOid];
  if (!sigAlg || sigAlg.key !== keyInfo.kind) {
    throw new CustodianError(PkiCodes.CSR_UNSUPPORTED_SIGNATURE_ALGORITHM, `CSR signature algorithm ${signatureOid} is not accepted for a ${keyInfo.kind} key`, {
      algorithmOid: signatureOid,
    });
  }
  // PKCS#1 v1.5 identifiers take NULL (or, from some encoders, nothing); ECDSA takes nothing, or the documented NULL variant.
  if (signatureParams === 'other') {
    throw new CustodianError(PkiCodes.CSR_UNSUPPORTED_SIGNATURE_ALGORITHM, `CSR signature algorithm ${signatureOid} carries parameters the station does not accept`, {
      algorithmOid: signatureOid,
      reason: 'parameters',
    });
  }
  let verified = false;
  try {
    verified = nodeVerify(sigAlg.hash, criDer, key, signature); // decoded by the policy check
  } catch {
    verified = false;
  }
  if (!verified) {
    throw new CustodianError(PkiCodes.CSR_SIGNATURE_INVALID, 'CSR signature does not verify: the requester has not proven possession of the key', {});
  }

  // A name that would drive a terminal or reorder text is refused whichever attribute carries it.
  for (const a of subjectEntries) {
    assertSafeNameValue(a.label, a.value, { code: PkiCodes.CSR_SUBJECT_UNSAFE_CHARACTER, where: "the request's subject" });
  }

  const ignoredRequests: string[] = [];
  let commonName: string | undefined;
  let organization: string | undefined;
  for (const a of subjectEntries) {
    if (a.oid === Oid.commonName && commonName === undefined) commonName = a.value;
    else ignoredRequests.push(`subject ${a.label}=${a.value}`);
    if (a.oid === Oid.organization && organization === undefined) organization = a.value;
  }
  for (const attr of attributes) {
    if (attr.oid === Oid.extensionRequest) {
      for (const v of attr.values) {
        try {
          ignoredRequests.push(...describeExtensionRequest(toArrayBuffer(v)));
        } catch {
          ignoredRequests.push('extensionRequest (unreadable)');
        }
      }
    } else {
      ignoredRequests.push(`attribute ${attr.oid === '1.2.840.113549.1.9.7' ? 'challengePassword' : attr.oid}`);
    }
  }

  return {
    der,
    publicKeySpki: spki,
    keyInfo,
    requestedSubject: formatEntries(subjectEntries),
    ...(commonName !== undefined ? { commonName } : {}),
    ...(organization !== undefined ? { organization } : {}),
    ignoredRequests,
    csrSha256: sha256Hex(der),
    ...(signatureParams === 'null' && keyInfo.kind === 'EC' ? { signatureNullParameters: true as const } : {}),
  };
}
