/**
 * The station's work-order policy for a session (docs/work-orders.md
 * §Enforcement): required when the station's CA certificate states it (the
 * upstream custodian's choice, which the station cannot waive) or the
 * station's setting asks for it on every run; the orders are those imported
 * under `<home>/work-orders/`, verified again against the station's root and
 * CA when a session first uses one.
 */
import { CustodianError } from '../errors';
import { caRequiresWorkOrders, readCertificate } from '../pki/index';
import type { WorkOrderBounds, WorkOrderPolicy } from '../station/index';
import { admitWorkOrder, allowListAdmits, allowListKey, describeAllowList, WorkOrderCodes, WorkOrderStore, type WorkOrder } from '../workorder/index';
import type { Settings } from '../../shared/api/settings';

export interface StationWorkOrderSources {
  /** The station home: its imported orders are under `<home>/work-orders/`; without it none is found. */
  home?: string;
  /** The station's CA certificate first, up to its root (the prepared issuer's caChain). */
  chain: readonly Uint8Array[];
  stationId: string;
  setting?: Settings['workOrders'];
  clock?: () => Date;
}

/** Whether the station's runs must name a work order. */
export function workOrdersRequired(chain: readonly Uint8Array[], setting?: Settings['workOrders']): boolean {
  return setting?.require === 'always' || (chain[0] !== undefined && caRequiresWorkOrders(readCertificate(chain[0])));
}

export function boundsOf(order: WorkOrder): WorkOrderBounds {
  return {
    id: order.id,
    notBefore: new Date(order.validity.notBefore),
    notAfter: new Date(order.validity.notAfter),
    quota: order.quota,
    allowList: describeAllowList(order.devices),
    admits: (device) => ({ ok: allowListAdmits(order.devices, device), key: allowListKey(order.devices, device) }),
    leafMaxDays: order.profile.leafMaxDays,
    keyTypes: order.profile.keyTypes,
  };
}

export function stationWorkOrders(src: StationWorkOrderSources): WorkOrderPolicy {
  const required = workOrdersRequired(src.chain, src.setting);
  const store = src.home !== undefined ? new WorkOrderStore(src.home) : null;
  const clock = src.clock ?? (() => new Date());
  const admitted = new Map<string, WorkOrderBounds>();
  return {
    required,
    find(id) {
      const known = admitted.get(id);
      if (known) return known;
      if (!store || src.chain.length === 0) return null;
      let cms: Uint8Array;
      try {
        cms = store.bytes(id);
      } catch (e) {
        if (e instanceof CustodianError && (e.code === WorkOrderCodes.NOT_FOUND || e.code === WorkOrderCodes.BAD_INPUT)) return null;
        throw e;
      }
      // Verified again as at import. Outside its window the order is still this station's to name: the gate refuses each device with the bound.
      let b: WorkOrderBounds;
      try {
        b = boundsOf(admitWorkOrder(cms, { root: src.chain[src.chain.length - 1]!, caChain: src.chain, stationId: src.stationId }, clock()).order);
      } catch (e) {
        if (!(e instanceof CustodianError && (e.code === WorkOrderCodes.EXPIRED || e.code === WorkOrderCodes.NOT_YET_VALID))) throw e;
        b = boundsOf(store.get(id).order);
      }
      admitted.set(id, b);
      return b;
    },
  };
}
