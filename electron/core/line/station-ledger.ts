/**
 * The station's signing ledger under `<home>/ledger`, opened for writing on
 * first use and held for the process (one writer): the provisioning recorder,
 * the authority journal and the app's ledger views all share it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ENTRIES_FILE, openStationLedger, type Ledger, type LedgerRecorder } from '../ledger/index';
import { defaultStationId } from './station-id';

export interface StationLedger {
  readonly dir: string;
  /** Open (creating if needed) for writing: the provisioning recorder. */
  writable(): { ledger: Ledger; recorder: LedgerRecorder };
  /** The open ledger, or null when none exists on disk yet. */
  readable(): Ledger | null;
  close(): void;
}

export function stationLedger(home: string, stationId = defaultStationId()): StationLedger {
  const dir = join(home, 'ledger');
  let opened: { ledger: Ledger; recorder: LedgerRecorder } | null = null;
  const writable = () => (opened ??= openStationLedger({ dir, stationId }));
  return {
    dir,
    writable,
    readable: () => (opened ? opened.ledger : existsSync(join(dir, ENTRIES_FILE)) ? writable().ledger : null),
    close() {
      opened?.ledger.close();
      opened = null;
    },
  };
}
