/**
 * The CA decision: turn a profile + the station's choices + a pinned public
 * key into a signed certificate. What a device asked for (its CSR) never
 * reaches this function except as the public key.
 */
import type { CryptoKey } from './crypto';
import { isExternalSigningKey, type SigningKey } from './signing-key';
import { CustodianError } from '../errors';
import type { KeyObject } from 'node:crypto';
import { bytesEqual, toHex } from './bytes';
import { buildCertificate, buildCertificateNow, builtSignatureVerifies, signsNow, type BuiltCertificate, type TbsSigner } from './certificate-builder';
import type { CertificateFacts } from './certificate-facts';
import { assertIssuerCanSign, assertKeyMatchesCertificate, keyProvenFor, readIssuer } from './issuer-checks';
import { PkiCodes } from './codes';
import { validateDeviceId, type DeviceIdRuleName } from './device-id';
import {
  authorityKeyIdentifierValue,
  basicConstraintsValue,
  extendedKeyUsageValue,
  certificatePoliciesValue,
  extensionDer,
  keyIdentifierFromPublicKeyBits,
  keyUsageValue,
  subjectKeyIdentifierValue,
  type KeyUsageName,
} from './extensions';
import { publicKeyObject } from './key-objects';
import { allowedDeviceKey } from './key-policy';
import { exportSpki, knownKey, type KeyInfo, type KnownKey } from './keys';
import { assertSafeNameValue } from './name-rules';
import { encodeName, formatEntries, formatName, type SubjectFields } from './names';
import { Oid } from './oids';
import { fingerprintSha256, toPem } from './pem';
import { HUB_CODE_PATTERN, MAX_COMMON_NAME_LENGTH, PROFILES, type CertificateProfile, type KeyClass, type ProfileName } from './profiles';
import { generateSerial, serialToHex, type RandomSource } from './serial';
import { computeValidity } from './validity';

export interface CaIssuer {
  /** The issuing CA's certificate (DER). */
  certificate: Uint8Array;
  /** Its private key (in-process or held by a token); must match `certificate`. */
  privateKey: SigningKey;
}

export interface IssueRequest {
  profile: ProfileName | CertificateProfile;
  /** CA name, device ID (deviceLeaf) or hub verification code (hubVerification). */
  commonName: string;
  /** CA profiles only. */
  organization?: string;
  organizationalUnit?: string;
  country?: string;
  /** The key being certified: a WebCrypto public key or SPKI DER (e.g. `CsrIntake.publicKeySpki`). */
  subjectPublicKey: CryptoKey | Uint8Array;
  issuer: CaIssuer | 'self';
  /** Required with `issuer: 'self'`; its public key must equal `subjectPublicKey`. */
  selfKeys?: { privateKey: SigningKey; publicKey: CryptoKey };
  /** CA profiles only; defaults to the profile's `defaultPathLen`. */
  pathLen?: number;
  /** CA profiles only: certificate-policy OIDs to state (a non-critical certificatePolicies extension); none by default. */
  policies?: readonly string[];
  notBefore: Date;
  /** Defaults to the profile's `validity.defaultDays`. */
  days?: number;
  /** Reference time for "is the issuer valid now"; defaults to the clock. */
  now?: Date;
  /** Random source for the serial; defaults to the CSPRNG. */
  random?: RandomSource;
  /** deviceLeaf only; defaults to 'dps'. */
  deviceIdRule?: DeviceIdRuleName;
  /**
   * Signs the TBSCertificate with the issuer's key; defaults to signTbs
   * (certificate-builder.ts). Called once, after every check of the request
   * and the issuer has passed; what it returns is verified under the issuer
   * before a certificate is handed out.
   */
  signer?: TbsSigner;
}

export interface IssuedCertificate {
  der: Uint8Array;
  pem: string;
  serialHex: string;
  /** Lowercase hex SHA-256 of `der`. */
  fingerprintSha256: string;
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** True when the validity was pulled inside the issuer's window. */
  clamped: boolean;
  clampedFields: ('notBefore' | 'notAfter')[];
  profile: ProfileName;
  subjectKeyIdentifierHex: string;
}

const invalid = (message: string, details: Record<string, unknown> = {}): CustodianError =>
  new CustodianError(PkiCodes.PROFILE_INVALID_REQUEST, message, details);

function keyClass(info: KeyInfo): KeyClass {
  return info.kind === 'EC' ? info.curve : 'RSA';
}

/**
 * What signing needs of an issuer certificate besides its facts: its key
 * shape, its OpenSSL public key (the post-sign check) and the
 * AuthorityKeyIdentifier its children carry. Per (cached, never mutated)
 * facts from readIssuer.
 */
interface IssuerExtras {
  keyInfo: KeyInfo;
  publicKey: KeyObject;
  akiExtension: Uint8Array;
}
const issuerExtras = new WeakMap<CertificateFacts, IssuerExtras>();
function extrasOf(issuer: CertificateFacts): IssuerExtras {
  let x = issuerExtras.get(issuer);
  if (!x) {
    const aki = issuer.subjectKeyIdentifier ?? keyIdentifierFromPublicKeyBits(issuer.publicKeyBits);
    x = { keyInfo: knownKey(issuer.spki).info, publicKey: publicKeyObject(issuer.spki), akiExtension: extensionDer(Oid.authorityKeyIdentifier, false, authorityKeyIdentifierValue(aki)) };
    issuerExtras.set(issuer, x);
  }
  return x;
}

/**
 * The extensions that do not depend on the key or the issuer (basicConstraints,
 * keyUsage, extendedKeyUsage), as complete DER, encoded once per distinct value.
 */
const fixedExtensions = new Map<string, Uint8Array>();
function fixedExtension(id: string, make: () => Uint8Array): Uint8Array {
  let der = fixedExtensions.get(id);
  if (!der) {
    der = make();
    if (fixedExtensions.size >= 64) fixedExtensions.delete(fixedExtensions.keys().next().value!);
    fixedExtensions.set(id, der);
  }
  return der;
}

function checkSubjectKey(profile: CertificateProfile, spki: Uint8Array): KnownKey {
  if (profile.subjectKeys === 'device-key-policy') return allowedDeviceKey(spki);
  const known = knownKey(spki);
  const info = known.info;
  if (info.kind === 'RSA' && ![2048, 3072, 4096].includes(info.bits)) {
    throw new CustodianError(PkiCodes.KEY_UNSUPPORTED_SPEC, `a CA key must be RSA-2048/3072/4096, got RSA-${info.bits}`, { bits: info.bits });
  }
  return known;
}

/** formatName(encodeName(f)) without decoding the DER again (lone surrogates, which UTF-8 cannot carry, take the long way). */
function subjectLabel(f: SubjectFields, nameDer: Uint8Array): string {
  const entries: { label: string; value: string }[] = [];
  if (f.country !== undefined) entries.push({ label: 'C', value: f.country });
  if (f.organization !== undefined) entries.push({ label: 'O', value: f.organization });
  if (f.organizationalUnit !== undefined) entries.push({ label: 'OU', value: f.organizationalUnit });
  entries.push({ label: 'CN', value: f.commonName });
  return entries.some((e) => /[\uD800-\uDFFF]/.test(e.value)) ? formatName(nameDer) : formatEntries(entries);
}

const ATTRIBUTE_LABEL: Readonly<Record<string, string>> = { organization: 'O', organizationalUnit: 'OU', country: 'C' };

function subjectFields(profile: CertificateProfile, req: IssueRequest): SubjectFields {
  const cn = req.commonName;
  if (typeof cn !== 'string') throw new CustodianError(PkiCodes.PROFILE_INVALID_COMMON_NAME, 'commonName must be a string');
  switch (profile.subject.commonName) {
    case 'device-id':
      validateDeviceId(cn, req.deviceIdRule ?? 'dps');
      break;
    case 'hub-code':
      if (!HUB_CODE_PATTERN.test(cn)) {
        throw new CustodianError(PkiCodes.PROFILE_INVALID_COMMON_NAME, 'a hub verification code is 1–64 ASCII letters and digits', { length: cn.length });
      }
      break;
    case 'ca-name':
      assertSafeNameValue('CN', cn);
      if (cn.trim() !== cn || cn.length === 0) {
        throw new CustodianError(PkiCodes.PROFILE_INVALID_COMMON_NAME, 'a CA name must be non-empty, without surrounding spaces');
      }
      break;
  }
  if (cn.length > MAX_COMMON_NAME_LENGTH) {
    throw new CustodianError(PkiCodes.PROFILE_INVALID_COMMON_NAME, `commonName is longer than ${MAX_COMMON_NAME_LENGTH} characters (X.520 ub-common-name)`, { length: cn.length });
  }
  if (req.organization === undefined && req.organizationalUnit === undefined && req.country === undefined) return { commonName: cn };
  const extra = { organization: req.organization, organizationalUnit: req.organizationalUnit, country: req.country };
  const given = Object.entries(extra).filter(([, v]) => v !== undefined);
  if (!profile.subject.organizationAllowed && given.length > 0) {
    throw invalid(`profile ${profile.name} takes only a commonName`, { fields: given.map(([k]) => k) });
  }
  for (const [k, v] of given) {
    if (typeof v !== 'string' || v.length === 0 || v.length > 64) throw invalid(`${k} must be 1–64 characters`, { field: k });
    assertSafeNameValue(ATTRIBUTE_LABEL[k]!, v);
  }
  if (req.country !== undefined && !/^[A-Z]{2}$/.test(req.country)) throw invalid('country must be a two-letter ISO 3166 code', { country: req.country });
  return { commonName: cn, ...Object.fromEntries(given) };
}

export async function issueCertificate(req: IssueRequest): Promise<IssuedCertificate> {
  const profile = typeof req.profile === 'string' ? PROFILES[req.profile] : req.profile;
  if (!profile) throw invalid(`unknown profile ${String(req.profile)}`);
  const now = req.now ?? new Date();

  // --- the key being certified (pinned) ---
  const spki = req.subjectPublicKey instanceof Uint8Array ? req.subjectPublicKey : await exportSpki(req.subjectPublicKey);
  const subjectKnown = checkSubjectKey(profile, spki);
  const subjectKey = subjectKnown.info;
  const ski = keyIdentifierFromPublicKeyBits(subjectKnown.publicKeyBits);

  // --- the CA's choices ---
  const subject = subjectFields(profile, req);
  const subjectName = encodeName(subject);
  let pathLen: number | undefined;
  if (profile.basicConstraints.ca) {
    pathLen = req.pathLen ?? profile.basicConstraints.defaultPathLen;
    if (!Number.isInteger(pathLen) || pathLen < 0 || pathLen > 8) throw invalid('pathLen must be an integer from 0 to 8', { pathLen });
  } else if (req.pathLen !== undefined) {
    throw invalid(`profile ${profile.name} is not a CA profile and takes no pathLen`);
  }
  const policies = req.policies ?? [];
  if (policies.length > 0 && !profile.basicConstraints.ca) throw invalid(`profile ${profile.name} is not a CA profile and takes no certificate policies`);

  // --- the issuer ---
  let issuerName: Uint8Array;
  let akiExtension: Uint8Array;
  let signingKey: SigningKey;
  let verifyKey: Uint8Array | KeyObject;
  let issuerWindow: { notBefore: Date; notAfter: Date } | undefined;
  let issuerLabel: string | undefined;
  let issuerKey: KeyInfo;
  if (req.issuer === 'self') {
    if (profile.issuedBy !== 'self') throw invalid(`profile ${profile.name} cannot be self-signed`);
    if (!req.selfKeys?.privateKey || !req.selfKeys.publicKey) throw invalid("issuer 'self' needs selfKeys");
    if (!bytesEqual(await exportSpki(req.selfKeys.publicKey), spki)) {
      throw new CustodianError(PkiCodes.KEY_MISMATCH, 'selfKeys.publicKey is not the subjectPublicKey');
    }
    issuerName = subjectName;
    akiExtension = extensionDer(Oid.authorityKeyIdentifier, false, authorityKeyIdentifierValue(ski));
    signingKey = req.selfKeys.privateKey;
    verifyKey = spki;
    issuerKey = subjectKey;
  } else {
    if (profile.issuedBy !== 'ca') throw invalid(`profile ${profile.name} must be self-signed (issuer: 'self')`);
    if (!req.issuer?.certificate || !req.issuer.privateKey) throw invalid('issuer needs certificate and privateKey');
    const issuer = readIssuer(req.issuer.certificate);
    assertIssuerCanSign(issuer, profile, pathLen, now);
    // Proven once per key and issuer; only the first signing waits for the probe.
    if (!keyProvenFor(req.issuer.privateKey, issuer)) await assertKeyMatchesCertificate(req.issuer.privateKey, issuer);
    const extras = extrasOf(issuer);
    issuerName = issuer.subjectDer;
    akiExtension = extras.akiExtension;
    signingKey = req.issuer.privateKey;
    verifyKey = extras.publicKey;
    issuerWindow = { notBefore: issuer.notBefore, notAfter: issuer.notAfter };
    issuerLabel = issuer.subject;
    issuerKey = extras.keyInfo;
  }
  const signatureHash = profile.signatureHash[keyClass(issuerKey)];
  // --- validity and serial ---
  const validity = computeValidity({
    notBefore: req.notBefore,
    days: req.days ?? profile.validity.defaultDays,
    maxDays: profile.validity.maxDays,
    ...(issuerWindow ? { issuer: issuerWindow } : {}),
  });
  const serial = generateSerial(req.random);

  // --- extensions, in a fixed order ---
  const bc = profile.basicConstraints;
  const ku = profile.keyUsage;
  const eku = profile.extendedKeyUsage;
  const usages: readonly KeyUsageName[] = ku.forSubjectKey[keyClass(subjectKey)];
  const extensions = [
    fixedExtension(`bc ${bc.ca} ${pathLen} ${bc.critical}`, () => extensionDer(Oid.basicConstraints, bc.critical, basicConstraintsValue(bc.ca, pathLen))),
    fixedExtension(`ku ${usages.join()} ${ku.critical}`, () => extensionDer(Oid.keyUsage, ku.critical, keyUsageValue(usages))),
    ...(eku ? [fixedExtension(`eku ${eku.oids.join()} ${eku.critical}`, () => extensionDer(Oid.extKeyUsage, eku.critical, extendedKeyUsageValue(eku.oids)))] : []),
    extensionDer(Oid.subjectKeyIdentifier, false, subjectKeyIdentifierValue(ski)),
    akiExtension,
    ...(policies.length > 0 ? [extensionDer(Oid.certificatePolicies, false, certificatePoliciesValue(policies))] : []),
  ];

  const fields = { serial, issuerName, subjectName, notBefore: validity.notBefore, notAfter: validity.notAfter, spki, extensions, signatureHash };
  let built: BuiltCertificate;
  try {
    built = !req.signer && signsNow(signingKey) ? buildCertificateNow(fields, signingKey as CryptoKey) : await buildCertificate(fields, signingKey, req.signer);
  } catch (e) {
    // A token's own refusal (removed, logged out, locked) keeps its code.
    if (isExternalSigningKey(signingKey) && e instanceof CustodianError) throw e;
    throw new CustodianError(PkiCodes.KEY_MISMATCH, `signing failed: ${(e as Error).message}`, { issuer: issuerLabel ?? formatName(subjectName) }, { cause: e });
  }
  // Never hand out a certificate that does not verify under its issuer. The
  // certificate is assembled around the exact TBS bytes that were signed, so
  // verifying over those bytes checks it without re-parsing what was just built.
  if (!builtSignatureVerifies(built, signatureHash, verifyKey)) {
    throw new CustodianError(PkiCodes.KEY_MISMATCH, 'the signed certificate does not verify under the issuer key', { issuer: issuerLabel ?? formatName(subjectName) });
  }
  const der = built.der;
  const subjectText = subjectLabel(subject, subjectName);
  return {
    der,
    pem: toPem(der, 'CERTIFICATE'),
    serialHex: serialToHex(serial),
    fingerprintSha256: fingerprintSha256(der),
    subject: subjectText,
    issuer: issuerLabel ?? subjectText,
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    clamped: validity.clamped,
    clampedFields: validity.clampedFields,
    profile: profile.name,
    subjectKeyIdentifierHex: toHex(ski),
  };
}

