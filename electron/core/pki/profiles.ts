/**
 * Certificate profiles as data. Every field the issuer writes is decided here,
 * explicitly; nothing is left to library defaults. docs/certificate-profiles.md
 * explains each field.
 */
import type { KeyUsageName } from './extensions';
import { LEAF_VALIDITY } from '../../shared/leaf-validity';

/** CA expiry warnings (90, 30, 7 days ahead) are issuance policy too; the data lives where the renderer can load it. */
export { CA_EXPIRY_WARNING_DAYS, caExpiryWarning, type CaExpiryWarning } from '../../shared/ca-expiry';
import { Oid } from './oids';

export type ProfileName = 'rootCa' | 'intermediateCa' | 'deviceLeaf' | 'hubVerification' | 'workOrderSigner';
export type SignatureHash = 'SHA-256' | 'SHA-384';
/** Key classes that select the signature hash and the leaf key usages. */
export type KeyClass = 'P-256' | 'P-384' | 'RSA';

/** Hash used when the *issuer's* key is of this class (ECDSA or RSASSA-PKCS1-v1_5). */
export const SIGNATURE_HASH_BY_ISSUER_KEY: Readonly<Record<KeyClass, SignatureHash>> = {
  'P-256': 'SHA-256',
  'P-384': 'SHA-384',
  RSA: 'SHA-256',
};

export interface CertificateProfile {
  name: ProfileName;
  description: string;
  /** 'self': self-signed with `selfKeys`; 'ca': signed by an existing CA certificate. */
  issuedBy: 'self' | 'ca';
  subject: {
    /** What the CN holds and which rule validates it. */
    commonName: 'ca-name' | 'device-id' | 'hub-code';
    /** Whether O / OU / C may be set (CA profiles only). */
    organizationAllowed: boolean;
  };
  /** Which subject keys are allowed: CA key specs, or the device key policy. */
  subjectKeys: 'ca-key-spec' | 'device-key-policy';
  basicConstraints: { critical: true; ca: true; defaultPathLen: number } | { critical: true; ca: false };
  keyUsage: { critical: true; forSubjectKey: Readonly<Record<KeyClass, readonly KeyUsageName[]>> };
  extendedKeyUsage: { critical: false; oids: readonly string[] } | null;
  subjectKeyIdentifier: { critical: false; method: 'rfc5280-method1-sha1' };
  authorityKeyIdentifier: { critical: false; keyIdentifier: 'own-ski' | 'issuer-ski' };
  signatureHash: Readonly<Record<KeyClass, SignatureHash>>;
  validity: { defaultDays: number; maxDays: number; clampToIssuer: true };
  serial: { source: 'csprng'; octets: 16 };
}

const CA_USAGES: readonly KeyUsageName[] = ['keyCertSign', 'cRLSign'];

export const rootCa: CertificateProfile = {
  name: 'rootCa',
  description: 'Brand root (Company-X): self-signed trust anchor',
  issuedBy: 'self',
  subject: { commonName: 'ca-name', organizationAllowed: true },
  subjectKeys: 'ca-key-spec',
  basicConstraints: { critical: true, ca: true, defaultPathLen: 2 },
  keyUsage: { critical: true, forSubjectKey: { 'P-256': CA_USAGES, 'P-384': CA_USAGES, RSA: CA_USAGES } },
  extendedKeyUsage: null,
  subjectKeyIdentifier: { critical: false, method: 'rfc5280-method1-sha1' },
  authorityKeyIdentifier: { critical: false, keyIdentifier: 'own-ski' },
  signatureHash: SIGNATURE_HASH_BY_ISSUER_KEY,
  validity: { defaultDays: 7305, maxDays: 9132, clampToIssuer: true },
  serial: { source: 'csprng', octets: 16 },
};

export const intermediateCa: CertificateProfile = {
  name: 'intermediateCa',
  description: 'Factory (Factory-Y, pathLen 1) or installer (Technician-Z, pathLen 0) CA',
  issuedBy: 'ca',
  subject: { commonName: 'ca-name', organizationAllowed: true },
  subjectKeys: 'ca-key-spec',
  basicConstraints: { critical: true, ca: true, defaultPathLen: 0 },
  keyUsage: { critical: true, forSubjectKey: { 'P-256': CA_USAGES, 'P-384': CA_USAGES, RSA: CA_USAGES } },
  extendedKeyUsage: null,
  subjectKeyIdentifier: { critical: false, method: 'rfc5280-method1-sha1' },
  authorityKeyIdentifier: { critical: false, keyIdentifier: 'issuer-ski' },
  signatureHash: SIGNATURE_HASH_BY_ISSUER_KEY,
  validity: { defaultDays: 3652, maxDays: 7305, clampToIssuer: true },
  serial: { source: 'csprng', octets: 16 },
};

export const deviceLeaf: CertificateProfile = {
  name: 'deviceLeaf',
  description: 'Device identity: CN = device ID, TLS client authentication to IoT Hub / DPS',
  issuedBy: 'ca',
  subject: { commonName: 'device-id', organizationAllowed: false },
  subjectKeys: 'device-key-policy',
  basicConstraints: { critical: true, ca: false },
  keyUsage: {
    critical: true,
    forSubjectKey: { 'P-256': ['digitalSignature'], 'P-384': ['digitalSignature'], RSA: ['digitalSignature', 'keyEncipherment'] },
  },
  extendedKeyUsage: { critical: false, oids: [Oid.clientAuth] },
  subjectKeyIdentifier: { critical: false, method: 'rfc5280-method1-sha1' },
  authorityKeyIdentifier: { critical: false, keyIdentifier: 'issuer-ski' },
  signatureHash: SIGNATURE_HASH_BY_ISSUER_KEY,
  validity: { defaultDays: LEAF_VALIDITY.defaultDays, maxDays: LEAF_VALIDITY.maxDays, clampToIssuer: true },
  serial: { source: 'csprng', octets: 16 },
};

/**
 * Hub proof-of-possession ("verification") certificate: CN = the code the hub
 * issued, signed by the CA being proven. No EKU: it is never presented in TLS,
 * and the hub checks only signature and CN (see docs for the reasoning).
 */
export const hubVerification: CertificateProfile = {
  name: 'hubVerification',
  description: 'Proof of possession of a CA key for IoT Hub / DPS: CN = verification code',
  issuedBy: 'ca',
  subject: { commonName: 'hub-code', organizationAllowed: false },
  subjectKeys: 'device-key-policy',
  basicConstraints: { critical: true, ca: false },
  keyUsage: {
    critical: true,
    forSubjectKey: { 'P-256': ['digitalSignature'], 'P-384': ['digitalSignature'], RSA: ['digitalSignature'] },
  },
  extendedKeyUsage: null,
  subjectKeyIdentifier: { critical: false, method: 'rfc5280-method1-sha1' },
  authorityKeyIdentifier: { critical: false, keyIdentifier: 'issuer-ski' },
  signatureHash: SIGNATURE_HASH_BY_ISSUER_KEY,
  validity: { defaultDays: 30, maxDays: 90, clampToIssuer: true },
  serial: { source: 'csprng', octets: 16 },
};

/**
 * Work-order signing certificate: lets an upstream custodian sign work orders
 * (docs/work-orders.md) day to day without bringing out its CA key. The
 * dedicated EKU is what a station checks, so no other certificate of the
 * hierarchy (a device's, a hub verification one) can pass for a signer.
 */
export const workOrderSigner: CertificateProfile = {
  name: 'workOrderSigner',
  description: 'Signs work orders for downstream stations: CN = the signer name, EKU custodianWorkOrderSigning',
  issuedBy: 'ca',
  subject: { commonName: 'ca-name', organizationAllowed: true },
  subjectKeys: 'ca-key-spec',
  basicConstraints: { critical: true, ca: false },
  keyUsage: {
    critical: true,
    forSubjectKey: { 'P-256': ['digitalSignature'], 'P-384': ['digitalSignature'], RSA: ['digitalSignature'] },
  },
  extendedKeyUsage: { critical: false, oids: [Oid.workOrderSigning] },
  subjectKeyIdentifier: { critical: false, method: 'rfc5280-method1-sha1' },
  authorityKeyIdentifier: { critical: false, keyIdentifier: 'issuer-ski' },
  signatureHash: SIGNATURE_HASH_BY_ISSUER_KEY,
  validity: { defaultDays: 365, maxDays: 825, clampToIssuer: true },
  serial: { source: 'csprng', octets: 16 },
};

/**
 * The station CA's CRL (RFC 5280 §5): v2, signed by the CA that issued the
 * certificates it lists, identified by the CA's subject key identifier, with
 * a CRL number that only grows. `nextUpdateDays` is when relying parties
 * (brokers, `openssl verify -crl_check`) should expect the next one; a CRL
 * past its nextUpdate is refused by them, so a station reissues before.
 */
export interface CrlProfile {
  version: 2;
  /** warnWithinHours: how close to its nextUpdate the last CRL is reported as due (`custodian crl`, `ledger status`). */
  nextUpdate: { defaultDays: number; maxDays: number; warnWithinHours: number };
  authorityKeyIdentifier: { critical: false; keyIdentifier: 'issuer-ski' };
  crlNumber: { critical: false; maxOctets: 20 };
  /** RFC 5280 §5.3.1: the reasonCode entry extension SHOULD be absent for `unspecified`. */
  reasonCode: { critical: false; omitUnspecified: true };
  signatureHash: Readonly<Record<KeyClass, SignatureHash>>;
}

export const stationCrl: CrlProfile = {
  version: 2,
  nextUpdate: { defaultDays: 7, maxDays: 90, warnWithinHours: 24 },
  authorityKeyIdentifier: { critical: false, keyIdentifier: 'issuer-ski' },
  crlNumber: { critical: false, maxOctets: 20 },
  reasonCode: { critical: false, omitUnspecified: true },
  signatureHash: SIGNATURE_HASH_BY_ISSUER_KEY,
};

export const PROFILES: Readonly<Record<ProfileName, CertificateProfile>> = { rootCa, intermediateCa, deviceLeaf, hubVerification, workOrderSigner };

/** Verification codes: what Azure issues (hex / alphanumerics), at most 64 characters (ub-common-name). */
export const HUB_CODE_PATTERN = /^[A-Za-z0-9]{1,64}$/;
/** X.520 ub-common-name. */
export const MAX_COMMON_NAME_LENGTH = 64;
