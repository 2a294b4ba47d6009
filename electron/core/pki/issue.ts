/**
 * The CA decision: turn a profile + the station's choices + a pinned public
 * key into a signed certificate. What a device asked for (its CSR) never
 * reaches this function except as the public key.
 */
import type { CryptoKey, CryptoKeyPair } from './crypto';
import { CustodianError } from '../errors';
import { bytesEqual } from './bytes';
import { buildCertificate, builtSignatureVerifies, type BuiltCertificate } from './certificate-builder';
import type { CertificateFacts } from './certificate-facts';
import { assertIssuerCanSign, assertKeyMatchesCertificate, readIssuer } from './issuer-checks';
import { PkiCodes } from './codes';
import { validateDeviceId, type DeviceIdRuleName } from './device-id';
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  extendedKeyUsageExtension,
  keyIdentifierFromPublicKeyBits,
  keyUsageExtension,
  subjectKeyIdentifierExtension,
} from './extensions';
import { assertDeviceKeyAllowed } from './key-policy';
import { describeSpki, exportSpki, keyInfoFromSpki, type KeyInfo } from './keys';
import { encodeName, formatName, type SubjectFields } from './names';
import { fingerprintSha256, toPem } from './pem';
import { HUB_CODE_PATTERN, MAX_COMMON_NAME_LENGTH, PROFILES, type CertificateProfile, type KeyClass, type ProfileName } from './profiles';
import { generateSerial, serialToHex, type RandomSource } from './serial';
import { computeValidity } from './validity';

export interface CaIssuer {
  /** The issuing CA's certificate (DER). */
  certificate: Uint8Array;
  /** Its private key; must match `certificate`. */
  privateKey: CryptoKey;
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
  selfKeys?: CryptoKeyPair;
  /** CA profiles only; defaults to the profile's `defaultPathLen`. */
  pathLen?: number;
  notBefore: Date;
  /** Defaults to the profile's `validity.defaultDays`. */
  days?: number;
  /** Reference time for "is the issuer valid now"; defaults to the clock. */
  now?: Date;
  /** Random source for the serial; defaults to the CSPRNG. */
  random?: RandomSource;
  /** deviceLeaf only; defaults to 'dps'. */
  deviceIdRule?: DeviceIdRuleName;
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

/** Key shapes of issuer certificates, per (cached, never mutated) facts from readIssuer. */
const issuerKeys = new WeakMap<CertificateFacts, KeyInfo>();
function issuerKeyInfo(issuer: CertificateFacts): KeyInfo {
  let info = issuerKeys.get(issuer);
  if (!info) {
    info = keyInfoFromSpki(issuer.spki);
    issuerKeys.set(issuer, info);
  }
  return info;
}

function checkSubjectKey(profile: CertificateProfile, spki: Uint8Array): KeyInfo {
  if (profile.subjectKeys === 'device-key-policy') return assertDeviceKeyAllowed(spki);
  const info = keyInfoFromSpki(spki);
  if (info.kind === 'RSA' && ![2048, 3072, 4096].includes(info.bits)) {
    throw new CustodianError(PkiCodes.KEY_UNSUPPORTED_SPEC, `a CA key must be RSA-2048/3072/4096, got RSA-${info.bits}`, { bits: info.bits });
  }
  return info;
}

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
      if (cn.trim() !== cn || cn.length === 0 || /[\u0000-\u001f\u007f]/.test(cn)) {
        throw new CustodianError(PkiCodes.PROFILE_INVALID_COMMON_NAME, 'a CA name must be non-empty, without control characters or surrounding spaces');
      }
      break;
  }
  if (cn.length > MAX_COMMON_NAME_LENGTH) {
    throw new CustodianError(PkiCodes.PROFILE_INVALID_COMMON_NAME, `commonName is longer than ${MAX_COMMON_NAME_LENGTH} characters (X.520 ub-common-name)`, { length: cn.length });
  }
  const extra = { organization: req.organization, organizationalUnit: req.organizationalUnit, country: req.country };
  const given = Object.entries(extra).filter(([, v]) => v !== undefined);
  if (!profile.subject.organizationAllowed && given.length > 0) {
    throw invalid(`profile ${profile.name} takes only a commonName`, { fields: given.map(([k]) => k) });
  }
  for (const [k, v] of given) {
    if (typeof v !== 'string' || v.length === 0 || v.length > 64) throw invalid(`${k} must be 1–64 characters`, { field: k });
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
  const subjectKey = checkSubjectKey(profile, spki);
  const subjectBits = describeSpki(spki).publicKeyBits;
  const ski = keyIdentifierFromPublicKeyBits(subjectBits);

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

  // --- the issuer ---
  let issuerName: Uint8Array;
  let aki: Uint8Array;
  let signingKey: CryptoKey;
  let issuerSpki: Uint8Array;
  let issuerWindow: { notBefore: Date; notAfter: Date } | undefined;
  let issuerLabel: string;
  let issuerKey: KeyInfo;
  if (req.issuer === 'self') {
    if (profile.issuedBy !== 'self') throw invalid(`profile ${profile.name} cannot be self-signed`);
    if (!req.selfKeys?.privateKey || !req.selfKeys.publicKey) throw invalid("issuer 'self' needs selfKeys");
    if (!bytesEqual(await exportSpki(req.selfKeys.publicKey), spki)) {
      throw new CustodianError(PkiCodes.KEY_MISMATCH, 'selfKeys.publicKey is not the subjectPublicKey');
    }
    issuerName = subjectName;
    aki = ski;
    signingKey = req.selfKeys.privateKey;
    issuerSpki = spki;
    issuerKey = subjectKey;
    issuerLabel = formatName(subjectName);
  } else {
    if (profile.issuedBy !== 'ca') throw invalid(`profile ${profile.name} must be self-signed (issuer: 'self')`);
    if (!req.issuer?.certificate || !req.issuer.privateKey) throw invalid('issuer needs certificate and privateKey');
    const issuer = readIssuer(req.issuer.certificate);
    assertIssuerCanSign(issuer, profile, pathLen, now);
    await assertKeyMatchesCertificate(req.issuer.privateKey, issuer);
    issuerName = issuer.subjectDer;
    aki = issuer.subjectKeyIdentifier ?? keyIdentifierFromPublicKeyBits(issuer.publicKeyBits);
    signingKey = req.issuer.privateKey;
    issuerSpki = issuer.spki;
    issuerWindow = { notBefore: issuer.notBefore, notAfter: issuer.notAfter };
    issuerLabel = issuer.subject;
    issuerKey = issuerKeyInfo(issuer);
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
  const extensions = [
    basicConstraintsExtension(profile.basicConstraints.ca, pathLen, profile.basicConstraints.critical),
    keyUsageExtension(profile.keyUsage.forSubjectKey[keyClass(subjectKey)], profile.keyUsage.critical),
    ...(profile.extendedKeyUsage ? [extendedKeyUsageExtension(profile.extendedKeyUsage.oids, profile.extendedKeyUsage.critical)] : []),
    subjectKeyIdentifierExtension(ski),
    authorityKeyIdentifierExtension(aki),
  ];

  let built: BuiltCertificate;
  try {
    built = await buildCertificate(
      { serial, issuerName, subjectName, notBefore: validity.notBefore, notAfter: validity.notAfter, spki, extensions, signatureHash },
      signingKey,
    );
  } catch (e) {
    throw new CustodianError(PkiCodes.KEY_MISMATCH, `signing failed: ${(e as Error).message}`, { issuer: issuerLabel }, { cause: e });
  }
  // Never hand out a certificate that does not verify under its issuer. The
  // certificate is assembled around the exact TBS bytes that were signed, so
  // verifying over those bytes checks it without re-parsing what was just built.
  if (!builtSignatureVerifies(built, signatureHash, issuerSpki)) {
    throw new CustodianError(PkiCodes.KEY_MISMATCH, 'the signed certificate does not verify under the issuer key', { issuer: issuerLabel });
  }
  const der = built.der;
  return {
    der,
    pem: toPem(der, 'CERTIFICATE'),
    serialHex: serialToHex(serial),
    fingerprintSha256: fingerprintSha256(der),
    subject: formatName(subjectName),
    issuer: issuerLabel,
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    clamped: validity.clamped,
    clampedFields: validity.clampedFields,
    profile: profile.name,
    subjectKeyIdentifierHex: Buffer.from(ski).toString('hex'),
  };
}

