/**
 * The work-order gate of a run (docs/work-orders.md §Enforcement): on a
 * station whose policy requires work orders, a run names one, and a device
 * outside its allow-list, outside its window or beyond its quota is refused at
 * identify, before it is asked for or to generate a key. The quota is taken
 * for real at the intent: the recorder counts the order's slots and appends
 * the intent in one step (recorder.ts IntentBounds), so two heads racing for
 * the last slot cannot both get it.
 *
 * The order itself reaches the workflow as plain bounds (the line builds them
 * from the imported, verified order), so this module knows no envelope.
 */
import type { DeviceIdentity } from '../device/client';
import { CustodianError } from '../errors';
import { WorkOrderCodes } from '../workorder/codes';
import type { DeviceKeyType } from '../pki/index';
import type { IssuancePolicy } from './policy';
import { quotaExhausted, type IssuanceRecorder } from './recorder';

/** One imported work order, as the workflow enforces it. */
export interface WorkOrderBounds {
  id: string;
  notBefore: Date;
  notAfter: Date;
  quota: number;
  /** The allow-list in one line, for the operator (`range acme-000001…acme-005000 (5000 IDs)`). */
  allowList: string;
  /** Whether the allow-list admits the device; `key` says what of it was looked at (`device ID dev-9`, `IMEI …`). */
  admits(device: DeviceIdentity): { ok: boolean; key: string };
  /** The order's profile: the longest leaf lifetime and the device key types it allows. */
  leafMaxDays: number;
  keyTypes: readonly DeviceKeyType[];
}

/** The station's work-order policy, per session. */
export interface WorkOrderPolicy {
  /** Runs must name a work order (the CA's requirement, or the station setting). */
  required: boolean;
  /** The imported work order with this ID, verified; null when none is imported under it. */
  find(id: string): WorkOrderBounds | null;
}

function refuse(code: string, message: string, details: Record<string, unknown>): never {
  throw new CustodianError(code, message, details);
}

/** WORK_ORDER_EXPIRED / WORK_ORDER_NOT_YET_VALID when `at` is outside the order's window. */
export function assertInWindow(b: WorkOrderBounds, at: Date, deviceId: string): void {
  if (at >= b.notAfter) {
    refuse(WorkOrderCodes.EXPIRED, `device ${deviceId} is refused: work order ${b.id} ended at ${b.notAfter.toISOString()}`, {
      id: b.id, bound: 'window', deviceId, notAfter: b.notAfter.toISOString(), at: at.toISOString(),
    });
  }
  if (at < b.notBefore) {
    refuse(WorkOrderCodes.NOT_YET_VALID, `device ${deviceId} is refused: work order ${b.id} starts at ${b.notBefore.toISOString()}`, {
      id: b.id, bound: 'window', deviceId, notBefore: b.notBefore.toISOString(), at: at.toISOString(),
    });
  }
}

/**
 * The bounds this run signs under, or null for a run outside work orders
 * (allowed only where the policy does not require them; a name that is not
 * an imported order is then kept as a label). Throws the WORK_ORDER_* refusal
 * of the first bound the device is outside: window, allow-list, quota (a
 * device with a certificate already recorded passes the quota here: it may
 * need nothing signed, and a new signing is refused at its intent).
 */
export async function admitToWorkOrder(
  policy: WorkOrderPolicy | undefined, workOrder: string | undefined, device: DeviceIdentity, at: Date, recorder: IssuanceRecorder,
): Promise<WorkOrderBounds | null> {
  if (!workOrder) {
    if (policy?.required) refuse(WorkOrderCodes.REQUIRED, `device ${device.deviceId} is refused: this station signs only under a work order, and none was chosen`, { bound: 'required', deviceId: device.deviceId });
    return null;
  }
  const b = policy?.find(workOrder) ?? null;
  if (!b) {
    if (policy?.required) refuse(WorkOrderCodes.NOT_FOUND, `device ${device.deviceId} is refused: no work order ${workOrder} is imported on this station`, { id: workOrder, bound: 'required', deviceId: device.deviceId });
    return null;
  }
  assertInWindow(b, at, device.deviceId);
  const allowed = b.admits(device);
  if (!allowed.ok) {
    refuse(WorkOrderCodes.DEVICE_NOT_ALLOWED, `device ${device.deviceId} is refused: its ${allowed.key} is not on work order ${b.id}'s allow-list (${b.allowList})`, {
      id: b.id, bound: 'allow-list', deviceId: device.deviceId, key: allowed.key, allowList: b.allowList,
    });
  }
  const taken = recorder.workOrderUsage?.(b.id).reserved ?? 0;
  // A device that already has a certificate may need none signed (recognised, or its recorded one
  // re-installed): the quota is then left to the intent, the step that takes a slot.
  if (taken >= b.quota && (await recorder.issuedFor(device.deviceId)).length === 0) throw quotaExhausted(b.id, b.quota, taken, device.deviceId);
  return b;
}

/**
 * The station's policy narrowed to the order's profile for one run: leaves no
 * longer than `leafMaxDays`, only key types both allow (a device with another
 * key is asked for a new one of an allowed type, as the key policy does).
 * WORK_ORDER_EXCEEDS_CA when the two share no key type.
 */
export function policyUnder(policy: IssuancePolicy, b: WorkOrderBounds): IssuancePolicy {
  const keyTypes = policy.allowedKeyTypes.filter((k) => b.keyTypes.includes(k));
  const first = keyTypes[0];
  if (first === undefined) {
    refuse(WorkOrderCodes.EXCEEDS_CA, `work order ${b.id} allows device keys ${b.keyTypes.join(', ')}, none of which this station certifies (${policy.allowedKeyTypes.join(', ')})`, {
      id: b.id, bound: 'profile', keyTypes: b.keyTypes, allowed: policy.allowedKeyTypes,
    });
  }
  return {
    ...policy,
    name: `${policy.name} under work order ${b.id}`,
    validityDays: Math.min(policy.validityDays, b.leafMaxDays),
    allowedKeyTypes: keyTypes,
    keygen: { ...policy.keygen, algorithm: keyTypes.includes(policy.keygen.algorithm) ? policy.keygen.algorithm : first },
  };
}
