/**
 * `workOrders.*`: the signed work orders imported on this station
 * (docs/work-orders.md): import one from a file, and see each with its
 * window, allow-list and how much of its quota is left, counted from the
 * ledger (intents not yet resolved hold their slots).
 */
import { z } from 'zod';
import { FileHandle, Iso, NoArg } from './common';

export const WorkOrderView = z.object({
  id: z.string().max(64),
  /** Who placed the order, as the order says (not checked). */
  issuer: z.string().max(128).nullable(),
  /** The subject of the certificate that signed it. */
  signer: z.string().max(1024),
  notBefore: Iso,
  notAfter: Iso,
  /** Where now falls in the window: only an active order signs. */
  state: z.enum(['active', 'not-yet-valid', 'expired']),
  quota: z.number().int().min(1),
  /** Certificates issued under it. */
  issued: z.number().int().min(0),
  /** Slots taken: issued plus intents not yet resolved. */
  reserved: z.number().int().min(0),
  /** quota − reserved, never below 0. */
  remaining: z.number().int().min(0),
  /** The allow-list in one line, e.g. `range acme-000001…acme-005000 (5000 IDs)`. */
  allowList: z.string().max(256),
  leafMaxDays: z.number().int().min(1),
  keyTypes: z.array(z.string().max(16)).max(8),
});
export type WorkOrderView = z.output<typeof WorkOrderView>;

export const WorkOrdersStatus = z.object({
  /** This station signs only under a work order (its CA states it, or its settings ask for it). */
  required: z.boolean(),
  orders: z.array(WorkOrderView).max(10_000),
});
export type WorkOrdersStatus = z.output<typeof WorkOrdersStatus>;

export const workOrderMethods = {
  /** Every imported work order, by ID, with its quota left. */
  'workOrders.list': { input: NoArg, output: WorkOrdersStatus },
  /** Verify a signed work order (a `.cms` file) against this station's root and CA and keep it: WORK_ORDER_* refusals as `custodian work-order import`. */
  'workOrders.import': {
    input: z.strictObject({ file: FileHandle }),
    output: z.object({ order: WorkOrderView, alreadyImported: z.boolean() }),
  },
} as const;
