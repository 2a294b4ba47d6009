/**
 * A work order's slots, counted from the ledger's records
 * (docs/work-orders.md §Quota): read once per order through the ledger's
 * query API, then kept up to date by the recorder as it writes, so reserving
 * a slot is a count in memory and an append in one synchronous step.
 */
import type { WorkOrderUsage } from '../station/recorder';
import type { Ledger } from './ledger';
import type { EntrySummary } from './records';

/** Usage from the entries about one work order: its intents and their closing records. */
export function usageOf(entries: readonly EntrySummary[]): WorkOrderUsage {
  let intents = 0;
  let issued = 0;
  let released = 0;
  for (const e of entries) {
    if (e.type === 'intent') intents++;
    else if (e.type === 'done' || (e.type === 'reconcile' && e.result === 'issued')) issued++;
    else if (e.type === 'failed' || (e.type === 'reconcile' && e.result === 'abandoned')) released++;
  }
  return { intents, issued, released, open: intents - issued - released, reserved: intents - released };
}

/** Read from the ledger: every intent naming `workOrder` and their done/failed/reconcile records. */
export function readWorkOrderUsage(ledger: Ledger, workOrder: string): WorkOrderUsage {
  return usageOf(ledger.search({ workOrder, limit: Number.MAX_SAFE_INTEGER }));
}

/** Per work order, the usage read at first use and then moved by each record the owner writes. */
export class WorkOrderTally {
  readonly #byOrder = new Map<string, WorkOrderUsage>();
  constructor(private readonly ledger: Ledger) {}

  usage(workOrder: string): WorkOrderUsage {
    let u = this.#byOrder.get(workOrder);
    if (!u) this.#byOrder.set(workOrder, (u = readWorkOrderUsage(this.ledger, workOrder)));
    return { ...u };
  }

  /** A record about `workOrder` was written: an intent, a certificate for one, or a release of one. */
  note(workOrder: string, what: 'intent' | 'issued' | 'released'): void {
    const u = this.#byOrder.get(workOrder);
    if (!u) return; // read from the ledger, with this record, when first asked
    if (what === 'intent') { u.intents++; u.open++; u.reserved++; }
    else if (what === 'issued') { u.issued++; u.open--; }
    else { u.released++; u.open--; u.reserved--; }
  }

  /** Forget what is kept about `workOrder` (a write failed): the next use reads it from the ledger again. */
  forget(workOrder: string): void {
    this.#byOrder.delete(workOrder);
  }
}
