/**
 * Admission of a signed work order at a station (docs/work-orders.md
 * §Import): each reason to refuse has its own code, checked in this order so
 * the first failure names the real cause:
 *
 *   envelope and signature → signer chains to the station's root → signer has
 *   the work-order EKU → JSON format → names this station → window → bounds
 *   within the station's own CA.
 */
import { CustodianError, isCustodianError } from '../errors';
import { LEAF_VALIDITY } from '../../shared/leaf-validity';
import { fingerprintSha256, readCertificate, validateChain } from '../pki/index';
import { WorkOrderCodes } from './codes';
import { openEnvelope, type OpenedEnvelope } from './envelope';
import { isWorkOrderSigner } from './signer-eku';
import { assertWithinWindow } from './window';
import { parseWorkOrderJson, type WorkOrder } from './work-order';

const DAY_MS = 86_400_000;

export interface StationIdentity {
  /** The station's pinned root (DER): the only trust anchor for work-order signers. */
  root: Uint8Array;
  /** The station's own CA certificate (DER), then its chain up to the root. */
  caChain: readonly Uint8Array[];
  /** The station ID a work order may name instead of the CA fingerprint. */
  stationId: string;
  /** The station policy's longest device-certificate lifetime (default the profile's ceiling). */
  leafMaxDays?: number;
}

export interface AdmittedWorkOrder {
  order: WorkOrder;
  signer: { subject: string; fingerprintSha256: string; notAfter: Date };
  signingTime: Date | null;
  /** Which of the station's names the order matched. */
  matched: { by: 'ca-fingerprint' | 'station-id'; value: string };
}

function refuse(code: string, message: string, details: Record<string, unknown> = {}): never {
  throw new CustodianError(code, message, details);
}

/**
 * The order in `cms` when its signature verifies and its signer chains to
 * `root` (through `intermediates` and those the file carries) with the
 * work-order EKU: WORK_ORDER_MALFORMED / _SIGNATURE_INVALID / _SIGNER_UNTRUSTED / _SIGNER_NOT_AUTHORIZED otherwise.
 * An auditor checks the orders it is given with exactly this.
 */
export function verifySignedWorkOrder(cms: Uint8Array, root: Uint8Array, intermediates: readonly Uint8Array[], at: Date): { order: WorkOrder; env: OpenedEnvelope } {
  const env = openEnvelope(cms);
  try {
    validateChain({ leaf: env.signer.der, intermediates: [...env.intermediates, ...intermediates], roots: [root], at });
  } catch (e) {
    if (!isCustodianError(e)) throw e;
    refuse(WorkOrderCodes.SIGNER_UNTRUSTED, `the work order's signer ${env.signer.subject} does not chain to this station's root: ${e.message}`, {
      signer: env.signer.subject, signerFingerprint: env.signer.fingerprintSha256, rootFingerprint: fingerprintSha256(root), cause: e.code,
    });
  }
  const role = isWorkOrderSigner(env.signer);
  if (!role.ok) refuse(WorkOrderCodes.SIGNER_NOT_AUTHORIZED, `the work order is signed by a certificate not allowed to sign work orders: ${role.reason}`, { signer: env.signer.subject });
  return { order: parseWorkOrderJson(env.content), env };
}

/** Verify `cms` and decide whether this station may take it; throws WORK_ORDER_* (or INPUT_*) otherwise. */
export function admitWorkOrder(cms: Uint8Array, station: StationIdentity, at: Date): AdmittedWorkOrder {
  const { order, env } = verifySignedWorkOrder(cms, station.root, station.caChain, at);

  const ca = readCertificate(station.caChain[0]!);
  const byCa = order.for.caFingerprints.includes(ca.fingerprintSha256);
  const byId = order.for.stationIds.includes(station.stationId);
  if (!byCa && !byId) {
    refuse(WorkOrderCodes.WRONG_STATION, `work order ${order.id} is for other stations, not this one (${station.stationId}, CA ${ca.subject})`, {
      id: order.id, stationId: station.stationId, caFingerprint: ca.fingerprintSha256, for: order.for,
    });
  }
  assertWithinWindow(order, at);

  const caDaysLeft = Math.floor((ca.notAfter.getTime() - at.getTime()) / DAY_MS);
  const policyMax = station.leafMaxDays ?? LEAF_VALIDITY.maxDays;
  if (order.profile.leafMaxDays > caDaysLeft) {
    refuse(WorkOrderCodes.EXCEEDS_CA, `work order ${order.id} allows device certificates of ${order.profile.leafMaxDays} days, but this station's CA has ${caDaysLeft} days left`, {
      id: order.id, leafMaxDays: order.profile.leafMaxDays, caDaysLeft, caNotAfter: ca.notAfter.toISOString(),
    });
  }
  if (order.profile.leafMaxDays > policyMax) {
    refuse(WorkOrderCodes.EXCEEDS_CA, `work order ${order.id} allows device certificates of ${order.profile.leafMaxDays} days, past this station's maximum of ${policyMax}`, {
      id: order.id, leafMaxDays: order.profile.leafMaxDays, policyMaxDays: policyMax,
    });
  }
  return {
    order,
    signer: { subject: env.signer.subject, fingerprintSha256: env.signer.fingerprintSha256, notAfter: env.signer.notAfter },
    signingTime: env.signingTime,
    matched: byCa ? { by: 'ca-fingerprint', value: ca.fingerprintSha256 } : { by: 'station-id', value: station.stationId },
  };
}
