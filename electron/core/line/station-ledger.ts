/**
 * The station's signing ledger under `<home>/ledger`, opened for writing on
 * first use and held for the process (one writer): the provisioning recorder,
 * the authority journal and the app's ledger views all share it. A ledger that
 * stopped after a write failure stays open (its records stay readable) and is
 * reported by `failure()` and to `onFailure` listeners until it is reopened.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isCustodianError, type CustodianError } from '../errors';
import { ENTRIES_FILE, LedgerCodes, openStationLedger, type IdleClock, type Ledger, type LedgerIo, type LedgerRecorder } from '../ledger/index';
import { defaultStationId } from './station-id';

export interface StationLedger {
  readonly dir: string;
  /** Open (creating if needed) for writing: the provisioning recorder. */
  writable(): { ledger: Ledger; recorder: LedgerRecorder };
  /** The open ledger, or null when none exists on disk yet. */
  readable(): Ledger | null;
  /**
   * The write failure that stopped the open ledger, or that kept it from
   * opening the last time it was asked for; null while it can write.
   */
  failure(): CustodianError | null;
  /** Whether a ledger is open (false after a failed open: then nothing is known about its intents). */
  isOpen(): boolean;
  /** Called when the open ledger stops after a write failure. Returns the unsubscribe function. */
  onFailure(listener: (error: CustodianError) => void): () => void;
  /** Close the ledger (flushed: see Ledger.close); the next use opens it again. */
  close(): void;
}

export interface StationLedgerOptions {
  stationId?: string;
  /** Injectable write primitives (a full disk in tests). */
  io?: LedgerIo;
  /** Idle checkpoint delay (Ledger idleCheckpointMs). */
  idleCheckpointMs?: number;
  /** The clock behind it (Ledger idleClock; tests move it themselves). */
  idleClock?: IdleClock;
}

export function stationLedger(home: string, opts: StationLedgerOptions | string = {}): StationLedger {
  const o: StationLedgerOptions = typeof opts === 'string' ? { stationId: opts } : opts;
  const dir = join(home, 'ledger');
  const listeners = new Set<(error: CustodianError) => void>();
  let opened: { ledger: Ledger; recorder: LedgerRecorder } | null = null;
  let openFailure: CustodianError | null = null;
  const onStop = (error: CustodianError): void => {
    for (const l of [...listeners]) {
      try { l(error); } catch { /* one listener must not keep the others from hearing it */ }
    }
  };
  const writable = (): { ledger: Ledger; recorder: LedgerRecorder } => {
    if (opened) return opened;
    try {
      opened = openStationLedger({
        dir,
        stationId: o.stationId ?? defaultStationId(),
        onStop,
        ...(o.io ? { io: o.io } : {}),
        ...(o.idleCheckpointMs !== undefined ? { idleCheckpointMs: o.idleCheckpointMs } : {}),
        ...(o.idleClock ? { idleClock: o.idleClock } : {}),
      });
    } catch (e) {
      // A ledger that cannot be opened for want of a write (lock, create, the checkpoint open signs) stops the station too.
      if (isCustodianError(e, LedgerCodes.WRITE_FAILED)) {
        openFailure = e;
        onStop(e);
      }
      throw e;
    }
    openFailure = null;
    return opened;
  };
  return {
    dir,
    writable,
    readable: () => (opened ? opened.ledger : existsSync(join(dir, ENTRIES_FILE)) ? writable().ledger : null),
    failure: () => (opened ? opened.ledger.failure : openFailure),
    isOpen: () => opened !== null,
    onFailure(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      opened?.ledger.close();
      opened = null;
    },
  };
}
