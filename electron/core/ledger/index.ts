/**
 * Public API of the signing ledger. Typical station use:
 *
 *   const { ledger, recorder } = openStationLedger({ dir, stationId: 'factory-y-01' });
 *   if (ledger.openReport.tornTail) warn(ledger.openReport.tornTail);
 *   for (const u of recorder.unreconciled()) ask the operator, then recorder.reconcile(u.index, …);
 *   workflow = new Workflow({ recorder, … });
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Ledger, ENTRIES_FILE, type CreateLedgerOptions } from './ledger';
import { LedgerRecorder, type LedgerRecorderOptions } from './ledger-recorder';

export * from './codes';
export * from './merkle';
export * from './note';
export * from './checkpoint';
export * from './records';
export * from './ledger';
export type { IndexProgress, IndexState } from './index-sync';
export type { VerifyProgress, VerifyResult } from './verify';
export * from './idle-clock';
export * from './ledger-recorder';
export * from './cert-facts';
export * from './authority-journal';
export { readWorkOrderUsage, usageOf, WorkOrderTally } from './work-order-usage';
export * from './view';
export * from './bundle';
export * from './audit-input';
export * from './audit';
export * from './audit-work-orders';
export * from './auditor';
export { nodeIo, type LedgerIo } from './files';

/** Open the ledger in `dir`, creating it (with a new ledger key) when absent. */
export function openStationLedger(opts: CreateLedgerOptions & LedgerRecorderOptions): { ledger: Ledger; recorder: LedgerRecorder } {
  const ledger = existsSync(join(opts.dir, ENTRIES_FILE)) ? Ledger.open(opts) : Ledger.create(opts);
  return { ledger, recorder: new LedgerRecorder(ledger, opts) };
}
export {
  KEY_FILE, SEALED_KEY_FILE, TOKEN_KEY_FILE, VKEY_FILE, SEAL_KEY_COMMAND, ledgerKeyPlacement, removePlainLedgerKey, type LedgerKeyPlacement,
} from './keys';
export * from './key-schedule';
