/**
 * The audit per work order, across every bundle (docs/work-orders.md §Audit):
 * quota, issued, failed and remaining for each order, and an error for any
 * device certificate issued outside a work order where one was required,
 * under an order the auditor does not hold, beyond its quota (counted in the
 * order the certificates were recorded), for a device outside its allow-list
 * or outside its window; a device ID issued under two orders is a warning.
 *
 * The orders come in as plain bounds: the caller verified their signatures
 * against the root (the CLI does, with the work-order module).
 */
import type { AuditFinding } from './audit';
import { AuditFindings } from './codes';

/** A signed work order the auditor holds, verified against the root. */
export interface AuditedWorkOrder {
  id: string;
  quota: number;
  notBefore: string;
  notAfter: string;
  /** The allow-list in one line. */
  allowList: string;
  /** Whether the allow-list admits the device an intent names. */
  admits(device: { deviceId: string; hardwareSerial: string; facts: Readonly<Record<string, string>> }): boolean;
}

/** One device certificate, as the audit read it from a bundle. */
export interface WorkOrderCert {
  origin: string;
  index: number;
  at: string;
  deviceId: string;
  workOrder?: string;
  /** What the intent recorded of the device (IMEI, hardware serial …). */
  facts: Readonly<Record<string, string>>;
  /** The issuing CA requires work orders (its certificate policy), or the auditor does. */
  required: boolean;
}

export interface WorkOrderSummary {
  id: string;
  /** null when the auditor does not hold the order. */
  quota: number | null;
  issued: number;
  /** Intents closed with nothing issued (failed signing, reconciled as abandoned). */
  failed: number;
  /** quota − issued; null when the quota is not known. Negative when it was exceeded. */
  remaining: number | null;
  stations: string[];
}

export function workOrderAudit(
  certs: readonly WorkOrderCert[], failed: ReadonlyMap<string, number>, orders: readonly AuditedWorkOrder[] | undefined,
): { summaries: WorkOrderSummary[]; findings: AuditFinding[] } {
  const findings: AuditFinding[] = [];
  const byId = new Map((orders ?? []).map((o) => [o.id, o]));
  const add = (c: WorkOrderCert, kind: string, message: string, severity: 'error' | 'warning' = 'error') =>
    findings.push({ kind, severity, origin: c.origin, index: c.index, message });
  const sorted = [...certs].sort((a, b) => a.at.localeCompare(b.at) || a.origin.localeCompare(b.origin) || a.index - b.index);
  const issued = new Map<string, WorkOrderCert[]>();
  for (const c of sorted) {
    if (!c.workOrder) {
      if (c.required) add(c, AuditFindings.OUTSIDE_WORK_ORDER, `certificate for ${c.deviceId} was issued outside any work order by a station required to work under one`);
      continue;
    }
    const list = issued.get(c.workOrder) ?? [];
    list.push(c);
    issued.set(c.workOrder, list);
    const o = byId.get(c.workOrder);
    if (!o) {
      if (orders) add(c, AuditFindings.WORK_ORDER_UNKNOWN, `certificate for ${c.deviceId} names work order ${c.workOrder}, which the audit was not given (or whose signature did not verify)`);
      continue;
    }
    if (list.length > o.quota) add(c, AuditFindings.WORK_ORDER_QUOTA_EXCEEDED, `certificate for ${c.deviceId} is number ${list.length} under work order ${o.id}, beyond its quota of ${o.quota}`);
    if (!o.admits({ deviceId: c.deviceId, hardwareSerial: c.facts.hardwareSerial ?? '', facts: c.facts })) {
      add(c, AuditFindings.WORK_ORDER_DEVICE_NOT_ALLOWED, `certificate for ${c.deviceId} under work order ${o.id}, whose allow-list (${o.allowList}) does not admit it`);
    }
    if (c.at < o.notBefore || c.at >= o.notAfter) {
      add(c, AuditFindings.WORK_ORDER_OUTSIDE_WINDOW, `certificate for ${c.deviceId} recorded at ${c.at}, outside work order ${o.id}'s window ${o.notBefore} → ${o.notAfter}`);
    }
  }
  const ordersOf = new Map<string, Set<string>>();
  for (const c of sorted) if (c.workOrder) ordersOf.set(c.deviceId, (ordersOf.get(c.deviceId) ?? new Set()).add(c.workOrder));
  for (const [deviceId, set] of ordersOf) {
    if (set.size < 2) continue;
    const c = sorted.find((x) => x.deviceId === deviceId && x.workOrder === [...set][1])!;
    add(c, AuditFindings.DEVICE_IN_TWO_WORK_ORDERS, `device ${deviceId} was issued certificates under ${set.size} work orders: ${[...set].join(', ')}`, 'warning');
  }
  const ids = new Set([...issued.keys(), ...failed.keys(), ...byId.keys()]);
  const summaries = [...ids].sort().map((id): WorkOrderSummary => {
    const o = byId.get(id);
    const n = issued.get(id)?.length ?? 0;
    return {
      id, quota: o?.quota ?? null, issued: n, failed: failed.get(id) ?? 0, remaining: o ? o.quota - n : null,
      stations: [...new Set((issued.get(id) ?? []).map((c) => c.origin))].sort(),
    };
  });
  return { summaries, findings };
}
