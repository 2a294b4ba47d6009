/**
 * Replacing a provisioned device's certificate on purpose, with the device
 * attached. `renew` certifies the same key again; `re-key` has the device
 * generate a new key and certifies that. Either way the certificate it
 * replaces is the one the device holds now, known to this station's records
 * for the device ID, neither expired nor revoked; `renew` also only within
 * the policy's renewal window. Each refusal has its own code and comes before
 * anything is signed (and, for re-key, before the device is asked to drop its
 * working key). The re-issue guard stays: a renewal is an explicit mode with
 * an operator reason, recorded with the intent (`renewal`, `replaces`).
 */
import type { DeviceIdentity, InstalledCredentials } from '../device/client';
import { CustodianError } from '../errors';
import { readCertificate } from '../pki/index';
import { StationCodes } from './codes';
import type { IssuancePolicy, OldCertificateDisposition } from './policy';
import type { IssuedCertificateRecord } from './recorder';

export const RENEWAL_MODES = ['renew', 're-key'] as const;
export type RenewalMode = (typeof RENEWAL_MODES)[number];

/** What the operator asked for: the mode and why (recorded as the intent's reissueReason). */
export interface RenewalRequest {
  mode: RenewalMode;
  reason: string;
}

export interface RevocationStatus {
  reason: string;
  revokedAt: string;
}

/** How the station learns of and records revocations (the ledger's revocation records, wired by the session). */
export interface RevocationRegistry {
  /** The revocation of this certificate, or null when it is not revoked. */
  revocationOf(serialHex: string, issuerFingerprint: string): Promise<RevocationStatus | null>;
  /** Revoke a certificate its successor replaced (RFC 5280 reason `superseded`). */
  revokeSuperseded(r: { serialHex: string; issuerFingerprint: string; deviceId: string; operator: string; replacedBy: string }): Promise<void>;
}

/** The certificate a renewal replaces, as this station recorded it. */
export interface ReplacedCertificate {
  record: IssuedCertificateRecord;
  notAfter: Date;
  /** What the policy does with it once its successor is installed. */
  disposition: OldCertificateDisposition;
}

const DAY_MS = 86_400_000;

/**
 * The certificate the device's renewal replaces, after every check that does
 * not need the device's key: a reason, an unlocked store, keygen for re-key,
 * a way to revoke when the policy revokes, the certificate known, not
 * expired, not revoked, and (renew) in the window. `prior`: what the recorder
 * holds for the device ID.
 */
export async function replaceableCertificate(args: {
  request: RenewalRequest;
  policy: IssuancePolicy;
  identity: DeviceIdentity;
  installed: InstalledCredentials;
  prior: readonly IssuedCertificateRecord[];
  revocations: RevocationRegistry | undefined;
  now: Date;
}): Promise<ReplacedCertificate> {
  const { request, policy, identity, installed, now } = args;
  const deviceId = identity.deviceId;
  const reason = request.reason.trim();
  if (reason.length < policy.reissue.minReasonLength) {
    throw new CustodianError(StationCodes.POLICY_REISSUE_REASON_REQUIRED, `a ${request.mode} of device ${deviceId} needs an operator reason of at least ${policy.reissue.minReasonLength} characters`, {
      deviceId, mode: request.mode, minReasonLength: policy.reissue.minReasonLength,
    });
  }
  if (installed.locked) {
    throw new CustodianError(StationCodes.RENEWAL_DEVICE_LOCKED, `device ${deviceId} has a locked credential store: it cannot take a new certificate`, { deviceId });
  }
  if (request.mode === 're-key' && !identity.capabilities.includes('keygen')) {
    throw new CustodianError(StationCodes.RENEWAL_KEYGEN_UNAVAILABLE, `device ${deviceId} (driver ${identity.driver}) cannot generate a new key: it can be renewed, not re-keyed`, {
      deviceId, capabilities: identity.capabilities,
    });
  }
  const disposition = policy.renewal.oldCertificate;
  if (disposition === 'revoke' && !args.revocations) {
    throw new CustodianError(StationCodes.RENEWAL_REVOCATION_UNAVAILABLE, `policy "${policy.name}" revokes a replaced certificate, and this station has no revocation record to write it to`, { oldCertificate: disposition });
  }
  const leaf = installed.leaf;
  const serialHex = leaf ? readCertificate(leaf).serialHex : null;
  const record = leaf ? args.prior.find((r) => r.serialHex === serialHex && Buffer.from(r.certificateDer).equals(Buffer.from(leaf))) : undefined;
  if (!record) {
    throw new CustodianError(
      StationCodes.RENEWAL_UNKNOWN_CERTIFICATE,
      leaf ? `the certificate on device ${deviceId} (serial ${serialHex}) is not one this station issued for it` : `device ${deviceId} holds no certificate to ${request.mode}`,
      { deviceId, serialHex },
    );
  }
  const notAfter = readCertificate(record.certificateDer).notAfter;
  if (notAfter.getTime() <= now.getTime()) {
    throw new CustodianError(StationCodes.RENEWAL_CERTIFICATE_EXPIRED, `the certificate of device ${deviceId} (serial ${record.serialHex}) expired on ${notAfter.toISOString()}`, {
      serialHex: record.serialHex, notAfter: notAfter.toISOString(),
    });
  }
  const revoked = await args.revocations?.revocationOf(record.serialHex, record.issuerFingerprint);
  if (revoked) {
    throw new CustodianError(StationCodes.RENEWAL_CERTIFICATE_REVOKED, `the certificate of device ${deviceId} (serial ${record.serialHex}) was revoked (${revoked.reason}) on ${revoked.revokedAt}`, {
      serialHex: record.serialHex, reason: revoked.reason, revokedAt: revoked.revokedAt,
    });
  }
  const daysLeft = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
  if (request.mode === 'renew' && daysLeft >= policy.renewal.windowDays) {
    throw new CustodianError(
      StationCodes.RENEWAL_OUTSIDE_WINDOW,
      `the certificate of device ${deviceId} (serial ${record.serialHex}) has ${daysLeft} days left: policy "${policy.name}" renews only in its last ${policy.renewal.windowDays} days`,
      { serialHex: record.serialHex, notAfter: notAfter.toISOString(), daysLeft, windowDays: policy.renewal.windowDays },
    );
  }
  return { record, notAfter, disposition };
}

/** Renew keeps the replaced certificate's key; re-key must bring another. */
export function assertRenewalKey(mode: RenewalMode, replaced: ReplacedCertificate, spkiSha256: string): void {
  const same = replaced.record.spkiSha256 === spkiSha256;
  if (mode === 'renew' && !same) {
    throw new CustodianError(StationCodes.RENEWAL_KEY_MISMATCH, `the device's key is not the key of the certificate it renews (serial ${replaced.record.serialHex}); a new key is a re-key`, {
      serialHex: replaced.record.serialHex, expectedSpkiSha256: replaced.record.spkiSha256, spkiSha256,
    });
  }
  if (mode === 're-key' && same) {
    throw new CustodianError(StationCodes.RENEWAL_KEY_UNCHANGED, `the device gave the key of the certificate it replaces (serial ${replaced.record.serialHex}) after generating a new one`, {
      serialHex: replaced.record.serialHex, spkiSha256,
    });
  }
}
