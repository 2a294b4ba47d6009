/**
 * WorkOrderPort over the station's imported work orders (electron/core/workorder)
 * and its ledger: import verifies a signed order as `custodian work-order
 * import` does; list counts each order's slots from the ledger through the
 * provisioning recorder (the one the runs take slots with).
 */
import type { Authority } from '../../authority/index';
import { defaultStationId } from '../../line/station-id';
import type { StationLedger } from '../../line/station-ledger';
import { workOrdersRequired } from '../../line/station-work-orders';
import type { WorkOrderUsage } from '../../station/index';
import { admitWorkOrder, describeAllowList, WorkOrderStore, type WorkOrder } from '../../workorder/index';
import type { WorkOrderView } from '../../../shared/api/work-orders';
import type { WorkOrderPort } from '../ports';

const NONE: WorkOrderUsage = { intents: 0, issued: 0, released: 0, open: 0, reserved: 0 };

function view(order: WorkOrder, signer: string, usage: WorkOrderUsage, at: Date): WorkOrderView {
  const notBefore = new Date(order.validity.notBefore);
  const notAfter = new Date(order.validity.notAfter);
  return {
    id: order.id, issuer: order.issuer ?? null, signer,
    notBefore: notBefore.toISOString(), notAfter: notAfter.toISOString(),
    state: at < notBefore ? 'not-yet-valid' : at >= notAfter ? 'expired' : 'active',
    quota: order.quota, issued: usage.issued, reserved: usage.reserved, remaining: Math.max(0, order.quota - usage.reserved),
    allowList: describeAllowList(order.devices), leafMaxDays: order.profile.leafMaxDays, keyTypes: [...order.profile.keyTypes],
  };
}

export function workOrdersAdapter(deps: { home: string; authority: Authority; ledger: StationLedger; now?: () => Date }): WorkOrderPort {
  const store = new WorkOrderStore(deps.home);
  const now = deps.now ?? (() => new Date());
  /** What the ledger counts for an order; nothing when no ledger was written yet. */
  const usage = (id: string): WorkOrderUsage => (deps.ledger.readable() ? deps.ledger.writable().recorder.workOrderUsage(id) : NONE);
  return {
    async list(settings) {
      const at = now();
      return {
        required: workOrdersRequired(deps.authority.chain(), settings.workOrders),
        orders: store.list().map((s) => view(s.order, s.signer, usage(s.order.id), at)),
      };
    },
    async import(cms) {
      deps.authority.assertActive();
      const chain = deps.authority.chain();
      const at = now();
      const admitted = admitWorkOrder(cms, { root: chain[chain.length - 1]!, caChain: chain, stationId: defaultStationId() }, at);
      const saved = store.save(admitted.order, cms);
      return { order: view(admitted.order, admitted.signer.subject, usage(admitted.order.id), at), alreadyImported: saved.alreadyImported };
    },
  };
}
