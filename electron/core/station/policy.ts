/**
 * Issuance policy as typed data: what the station decides, kept apart from
 * what the device asks for. `DEFAULT_ISSUANCE_POLICY` is what the CLI and the
 * UI use unless configured otherwise; `checkPolicy` refuses an inconsistent one.
 * `decideIssuance` is pure: given the facts gathered from the device and the
 * recorder, it says sign / reuse, or throws the POLICY_* refusal. One key,
 * one device: a key the recorder holds a certificate for under another device
 * ID is refused whatever else the facts say.
 */
import type { DeviceCapability } from '../device/client';
import { CustodianError } from '../errors';
import type { DeviceIdRuleName } from '../pki/device-id';
import { DEVICE_KEY_TYPES, isDeviceKeyType, type DeviceKeyType } from '../pki/key-policy';
import { deviceLeaf } from '../pki/profiles';
import type { Settings } from '../../shared/api/settings';
import { LEAF_BACKDATE } from '../../shared/leaf-validity';
import { StationCodes } from './codes';
import { FINAL_PROOFS, READ_BACK_PROOFS, type FinalProof, type ReadBackProof } from './proofs';
import type { IssuedCertificateRecord } from './recorder';

export interface IssuancePolicy {
  /** Shown in progress events and recorded nowhere else; e.g. "factory-default". */
  name: string;
  /** Certificate profile the leaf is issued under (pki profiles). */
  profile: 'deviceLeaf';
  /** Leaf validity in days from notBefore (clamped to the issuer by pki). */
  validityDays: number;
  /** notBefore is this many minutes before the moment of signing, for device clock skew. */
  backdateMinutes: number;
  /** Device key types the station certifies: a subset of pki's DEVICE_KEY_TYPES (its one device key policy). */
  allowedKeyTypes: readonly DeviceKeyType[];
  /** Device ID rule from pki (`dps` or `iothub`). */
  deviceIdRule: DeviceIdRuleName;
  /** The station's own device-ID rule on top of it: an anchored regular expression, or null for none. */
  deviceIdPattern: string | null;
  reissue: {
    /** A device ID that already has a certificate with a *different* key needs an operator reason. */
    requiresReason: boolean;
    minReasonLength: number;
  };
  keygen: {
    /** Ask the device to generate a key in its secure element when it has none. */
    onDeviceIfMissing: boolean;
    /**
     * Ask the device to generate a new key when the key it has is refused by
     * the key policy (pki's device key policy or `allowedKeyTypes`), once per
     * run; a device that cannot (no `keygen` capability, locked store) is refused.
     */
    onDeviceIfRefused: boolean;
    algorithm: DeviceKeyType;
  };
  /** Replacing a device's certificate on purpose (renewal.ts): `renew` keeps its key, `re-key` has the device make a new one. */
  renewal: {
    /** `renew` is accepted only in the last `windowDays` of the certificate it replaces (re-key at any time before it expires). */
    windowDays: number;
    /** What becomes of the replaced certificate once its successor is installed: revoked (superseded), or left to expire. */
    oldCertificate: OldCertificateDisposition;
  };
  /** Capabilities a device must have to be provisioned at all. */
  requiredCapabilities: readonly DeviceCapability[];
  possession: {
    /** The final proof of possession (proofs.ts): the first of these the device can give; a device that can give none is refused. */
    final: readonly FinalProof[];
    /** How the device must show it stores what was written: the first of these it can give. */
    readBack: readonly ReadBackProof[];
    /**
     * Refuse a new key whose attestation (the device identity key's
     * signature, nRF91) was not verified under a key the brand owner supplied.
     * Off, an attestation is still checked where the key is known, and kept.
     */
    requireAttestation: boolean;
  };
}

export const OLD_CERTIFICATE_DISPOSITIONS = ['revoke', 'expire'] as const;
export type OldCertificateDisposition = (typeof OLD_CERTIFICATE_DISPOSITIONS)[number];

export const DEFAULT_ISSUANCE_POLICY: IssuancePolicy = {
  name: 'factory-default',
  profile: 'deviceLeaf',
  validityDays: deviceLeaf.validity.defaultDays,
  backdateMinutes: LEAF_BACKDATE.defaultMinutes,
  allowedKeyTypes: DEVICE_KEY_TYPES,
  deviceIdRule: 'dps',
  deviceIdPattern: null,
  reissue: { requiresReason: true, minReasonLength: 3 },
  keygen: { onDeviceIfMissing: true, onDeviceIfRefused: true, algorithm: 'P-256' },
  renewal: { windowDays: 90, oldCertificate: 'expire' },
  requiredCapabilities: [],
  possession: { final: ['challenge', 'csr-signature'], readBack: ['read-back', 'read-back-digest'], requireAttestation: false },
};

/** Throws POLICY_INVALID if the policy cannot be applied as written. */
export function checkPolicy(p: IssuancePolicy): IssuancePolicy {
  const bad = (why: string, details: Record<string, unknown> = {}): never => {
    throw new CustodianError(StationCodes.POLICY_INVALID, `issuance policy "${p.name}": ${why}`, details);
  };
  if (p.profile !== 'deviceLeaf') bad(`profile must be deviceLeaf, got ${String(p.profile)}`);
  if (!Number.isInteger(p.validityDays) || p.validityDays < 1 || p.validityDays > deviceLeaf.validity.maxDays) {
    bad(`validityDays must be 1..${deviceLeaf.validity.maxDays}`, { validityDays: p.validityDays });
  }
  if (!Number.isInteger(p.backdateMinutes) || p.backdateMinutes < 0 || p.backdateMinutes > LEAF_BACKDATE.maxMinutes) {
    bad(`backdateMinutes must be 0..${LEAF_BACKDATE.maxMinutes}`, { backdateMinutes: p.backdateMinutes });
  }
  if (p.deviceIdPattern !== null) {
    if (!p.deviceIdPattern.startsWith('^') || !p.deviceIdPattern.endsWith('$')) bad('deviceIdPattern must be anchored with ^ and $', { deviceIdPattern: p.deviceIdPattern });
    try {
      new RegExp(p.deviceIdPattern);
    } catch {
      bad('deviceIdPattern is not a valid regular expression', { deviceIdPattern: p.deviceIdPattern });
    }
  }
  if (p.allowedKeyTypes.length === 0) bad('allowedKeyTypes is empty');
  const unknownTypes = p.allowedKeyTypes.filter((t) => !isDeviceKeyType(t));
  if (unknownTypes.length > 0) bad(`allowedKeyTypes names ${unknownTypes.join(', ')}, not among the device key types (${DEVICE_KEY_TYPES.join(', ')})`, { unknown: unknownTypes });
  if ((p.keygen.onDeviceIfMissing || p.keygen.onDeviceIfRefused) && !p.allowedKeyTypes.includes(p.keygen.algorithm)) {
    bad(`keygen algorithm ${p.keygen.algorithm} is not an allowed key type`, { algorithm: p.keygen.algorithm });
  }
  if (p.reissue.minReasonLength < 1) bad('reissue.minReasonLength must be ≥ 1');
  if (!Number.isInteger(p.renewal.windowDays) || p.renewal.windowDays < 1 || p.renewal.windowDays > deviceLeaf.validity.maxDays) {
    bad(`renewal.windowDays must be 1..${deviceLeaf.validity.maxDays}`, { windowDays: p.renewal.windowDays });
  }
  if (!OLD_CERTIFICATE_DISPOSITIONS.includes(p.renewal.oldCertificate)) {
    bad(`renewal.oldCertificate must be one of ${OLD_CERTIFICATE_DISPOSITIONS.join(', ')}`, { oldCertificate: p.renewal.oldCertificate });
  }
  const unknownFinal = p.possession.final.filter((f) => !FINAL_PROOFS.includes(f));
  if (p.possession.final.length === 0 || unknownFinal.length > 0) bad(`possession.final must name one or more of ${FINAL_PROOFS.join(', ')}`, { final: p.possession.final });
  const unknownBack = p.possession.readBack.filter((f) => !READ_BACK_PROOFS.includes(f));
  if (p.possession.readBack.length === 0 || unknownBack.length > 0) bad(`possession.readBack must name one or more of ${READ_BACK_PROOFS.join(', ')}`, { readBack: p.possession.readBack });
  return p;
}

/**
 * The station's policy: the defaults with what the station's settings
 * (settings.json in its home, edited in the app) decide. The CLI and the app
 * both issue under exactly this.
 */
export function issuancePolicyFromSettings(s: Pick<Settings, 'validity' | 'deviceIdRule'> & Partial<Pick<Settings, 'renewal'>>, base: IssuancePolicy = DEFAULT_ISSUANCE_POLICY): IssuancePolicy {
  return checkPolicy({
    ...base,
    validityDays: s.validity.leafDays,
    backdateMinutes: s.validity.backdateMinutes,
    deviceIdPattern: s.deviceIdRule.pattern,
    ...(s.renewal ? { renewal: { ...s.renewal } } : {}),
  });
}

export interface IssuanceFacts {
  deviceId: string;
  /** e.g. "P-256", "RSA-2048" (from the SPKI, never from the device's word). */
  keyAlgorithm: string;
  spkiSha256: string;
  issuerFingerprint: string;
  /** Certificates the recorder already holds for this device ID. */
  prior: readonly IssuedCertificateRecord[];
  /** Certificates the recorder already holds for this key (spkiSha256), under any device ID. */
  sameKey: readonly IssuedCertificateRecord[];
  reissueReason?: string | undefined;
  now: Date;
}

export type IssuanceDecision =
  /** Sign a new certificate; `reissue` when the ID already had one (reason recorded). */
  | { kind: 'sign'; reissue: boolean; reissueReason?: string }
  /**
   * The same key already holds a still-valid certificate from this issuer (an
   * interrupted earlier run): install that one again instead of signing twice.
   */
  | { kind: 'reuse'; record: IssuedCertificateRecord };

/** Throws POLICY_KEY_TYPE_NOT_ALLOWED unless `keyAlgorithm` (e.g. "P-256", from the SPKI) is one of the policy's allowed key types. */
export function assertKeyTypeAllowed(policy: IssuancePolicy, keyAlgorithm: string): void {
  if (!(policy.allowedKeyTypes as readonly string[]).includes(keyAlgorithm)) {
    throw new CustodianError(StationCodes.POLICY_KEY_TYPE_NOT_ALLOWED, `device key ${keyAlgorithm} is not allowed by policy "${policy.name}"`, {
      algorithm: keyAlgorithm,
      allowed: policy.allowedKeyTypes,
    });
  }
}

export function decideIssuance(policy: IssuancePolicy, f: IssuanceFacts, stillValid: (r: IssuedCertificateRecord) => boolean): IssuanceDecision {
  assertKeyTypeAllowed(policy, f.keyAlgorithm);
  const elsewhere = f.sameKey.filter((r) => r.deviceId !== f.deviceId);
  if (elsewhere.length > 0) {
    const first = elsewhere[0]!;
    throw new CustodianError(
      StationCodes.POLICY_KEY_ALREADY_CERTIFIED,
      `the public key of device ${f.deviceId} is already certified for device ${first.deviceId} (serial ${first.serialHex}): ` +
        'one key under two device IDs is the signature of a cloned secure element',
      {
        deviceId: f.deviceId,
        spkiSha256: f.spkiSha256,
        certifiedFor: elsewhere.map((r) => ({ deviceId: r.deviceId, serialHex: r.serialHex, issuedAt: r.issuedAt })),
      },
    );
  }
  const sameKey = f.prior.filter((r) => r.spkiSha256 === f.spkiSha256 && r.issuerFingerprint === f.issuerFingerprint && stillValid(r));
  const reason = f.reissueReason?.trim();
  if (sameKey.length > 0 && !reason) return { kind: 'reuse', record: sameKey[sameKey.length - 1]! };
  if (f.prior.length === 0) return { kind: 'sign', reissue: false };
  if (policy.reissue.requiresReason && (!reason || reason.length < policy.reissue.minReasonLength)) {
    throw new CustodianError(
      StationCodes.POLICY_REISSUE_REASON_REQUIRED,
      `device ${f.deviceId} already has ${f.prior.length} certificate(s) from this station; re-issuing needs an operator reason`,
      { deviceId: f.deviceId, priorSerials: f.prior.map((r) => r.serialHex), minReasonLength: policy.reissue.minReasonLength },
    );
  }
  return reason ? { kind: 'sign', reissue: true, reissueReason: reason } : { kind: 'sign', reissue: true };
}
