/**
 * Custodian certificate engine: the public API of electron/core/pki.
 * See docs/certificate-profiles.md for the policy these functions implement.
 */
export { PkiCodes, type PkiCode } from './codes';
export type { CryptoKey, CryptoKeyPair } from './crypto';

export {
  CA_KEY_SPECS,
  describeSpki,
  exportPkcs8,
  exportSpki,
  generateKeyPair,
  importPrivateKeyPkcs8,
  keyInfoFromSpki,
  keyInfoLabel,
  specOfCryptoKey,
  type CaKeySpec,
  type KeyInfo,
  type SpkiDescription,
} from './keys';
export {
  DEVICE_KEY_POLICY,
  DEVICE_KEY_TYPES,
  assertDeviceKeyAllowed,
  deviceKeyType,
  isDeviceKeyType,
  keyTypeName,
  spkiTypeName,
  type DeviceKeyType,
} from './key-policy';
export { sha256Hex } from './bytes';

export {
  PROFILES,
  SIGNATURE_HASH_BY_ISSUER_KEY,
  HUB_CODE_PATTERN,
  MAX_COMMON_NAME_LENGTH,
  deviceLeaf,
  hubVerification,
  stationCrl,
  type CrlProfile,
  intermediateCa,
  rootCa,
  workOrderSigner,
  CA_EXPIRY_WARNING_DAYS,
  caExpiryWarning,
  type CaExpiryWarning,
  type CertificateProfile,
  type KeyClass,
  type ProfileName,
  type SignatureHash,
} from './profiles';
export { SERIAL_POLICY, cryptoRandom, generateSerial, normalizeSerialHex, serialToHex, type RandomSource } from './serial';
export { computeValidity, type ValidityWindow } from './validity';
export { issueCertificate, type CaIssuer, type IssueRequest, type IssuedCertificate } from './issue';
export type { TbsSigner } from './certificate-builder';
export { isExternalSigningKey, type ExternalSigningKey, type SigningKey } from './signing-key';

export { CSR_MAX_BYTES, readCsr, type CsrIntake, type ReadCsrOptions } from './csr';
export { DEVICE_ID_RULES, checkDeviceId, validateDeviceId, type DeviceIdProblem, type DeviceIdRule, type DeviceIdRuleName } from './device-id';
export { pathLenRoom, pathLenRooms, validateChain, validateParsedChain, type ChainInput, type ChainLink, type ChainReport } from './chain';
export { certificateSerialAndSpki, certificateSpki, readCertificate, signatureVerifies, type CertificateFacts } from './certificate-facts';
export { readIssuer } from './issuer-checks';
export { fingerprintSha256, fromPem, isPem, toPem, type PemBlock } from './pem';
export { POP_CHALLENGE_BYTES, POP_CHALLENGE_MAX_BYTES, POP_CHALLENGE_MIN_BYTES, POP_LABEL, POP_NONCE_BYTES, makeChallenge, verifyPossession } from './possession';
export { encodeName, formatName, formatNameLines, formatNameRfc4514, nameAttribute, type SubjectFields } from './names';
export { assertSafeName, assertSafeNameValue, sameName } from './name-rules';
export { Oid } from './oids';
export { buildCrl, type BuiltCrl, type CrlEntry, type CrlRequest } from './crl';
export { crlSignedBy, readCrl, type CrlFacts } from './crl-facts';
export { CA_ONLY_REASONS, REVOCATION_REASONS, canonicalRevocationReason, isRevocationReason, type RevocationReason } from '../../shared/revocation-reasons';
export { caRequiresWorkOrders } from './work-order-requirement';
