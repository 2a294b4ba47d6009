/** Signed work orders: the bounds an upstream custodian sets on a station's signing (docs/work-orders.md). */
export { WorkOrderCodes, type WorkOrderCode } from './codes';
export {
  WORK_ORDER_FORMAT, WORK_ORDER_ID_PATTERN, MAX_LISTED_DEVICES, WorkOrderSchema,
  allowListSize, describeAllowList, encodeWorkOrder, parseWorkOrder, parseWorkOrderJson,
  type DeviceAllowList, type WorkOrder, type WorkOrderInput,
} from './work-order';
export { openEnvelope, signEnvelope, type EnvelopeSigner, type OpenedEnvelope } from './envelope';
export { isWorkOrderSigner } from './signer-eku';
export { admitWorkOrder, verifySignedWorkOrder, type AdmittedWorkOrder, type StationIdentity } from './admission';
export { WorkOrderStore, type StoredWorkOrder } from './store';
export { allowListAdmits, allowListKey, type DeviceNames } from './allow-list';
export { assertWithinWindow } from './window';
