/**
 * The station's imported work orders: one `workOrders.list` load (again
 * after an import, and when the view asks), and the import of a signed file
 * chosen through the station's picker. The station counts the quota; this
 * store only shows it.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { WorkOrderView } from '../../../electron/shared/api/work-orders';
import { call, pickFile, station, toUserError, type UserError } from '../api';

export const useWorkOrdersStore = defineStore('workOrders', () => {
  const orders = ref<WorkOrderView[]>([]);
  const required = ref(false);
  const error = ref<UserError | null>(null);
  const done = ref<string | null>(null);
  const active = computed(() => orders.value.filter((o) => o.state === 'active'));

  async function load(): Promise<void> {
    try {
      const s = await call(station().workOrders.list());
      orders.value = s.orders;
      required.value = s.required;
      error.value = null;
    } catch (e) {
      error.value = toUserError(e);
    }
  }

  /** Choose a signed work order (.cms) and import it; false when cancelled or refused (the refusal is in `error`). */
  async function importFromFile(): Promise<boolean> {
    done.value = null;
    try {
      const f = await pickFile('open', 'work-order');
      if (!f) return false;
      const r = await call(station().workOrders.import({ file: f.handle }));
      done.value = `Work order ${r.order.id} ${r.alreadyImported ? 'was already imported' : 'imported'}.`;
      error.value = null;
      await load();
      return true;
    } catch (e) {
      error.value = toUserError(e);
      return false;
    }
  }

  return { orders, required, active, error, done, load, importFromFile };
});
