/** A work order's validity window, checked at import and again for every device signed under it. */
import { CustodianError } from '../errors';
import { WorkOrderCodes } from './codes';
import type { WorkOrder } from './work-order';

/** WORK_ORDER_EXPIRED at or after notAfter, WORK_ORDER_NOT_YET_VALID before notBefore; `what` is appended to the message. */
export function assertWithinWindow(order: Pick<WorkOrder, 'id' | 'validity'>, at: Date, what = ''): void {
  const notBefore = new Date(order.validity.notBefore);
  const notAfter = new Date(order.validity.notAfter);
  if (at >= notAfter) {
    throw new CustodianError(WorkOrderCodes.EXPIRED, `work order ${order.id} ended at ${notAfter.toISOString()}${what}`, { id: order.id, notAfter: notAfter.toISOString(), at: at.toISOString(), bound: 'window' });
  }
  if (at < notBefore) {
    throw new CustodianError(WorkOrderCodes.NOT_YET_VALID, `work order ${order.id} starts at ${notBefore.toISOString()}${what}`, { id: order.id, notBefore: notBefore.toISOString(), at: at.toISOString(), bound: 'window' });
  }
}
