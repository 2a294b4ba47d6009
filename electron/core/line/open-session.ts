/**
 * A station session for a process that owns the station home for its run
 * (`custodian provision`, `custodian demo`): opens the authority and unlocks
 * it, reads the station's settings, opens the ledger, then starts the same
 * session the app starts (station-session.ts).
 */
import { Authority } from '../authority/index';
import { loadStationSettings } from './station-settings';
import { stationLedger } from './station-ledger';
import { startStationSession, type StationSession } from './station-session';

export interface OpenedStationSession extends StationSession {
  authority: Authority;
  ledgerDir: string;
  /** Lock the CA key and close the ledger. Idempotent. */
  close(): void;
}

export async function openStationSession(opts: { home: string; passphrase: string; stationId?: string }): Promise<OpenedStationSession> {
  const authority = Authority.open({ home: opts.home });
  authority.assertActive();
  const settings = await loadStationSettings(opts.home);
  await authority.unlock(opts.passphrase);
  const ledger = stationLedger(opts.home, opts.stationId);
  try {
    const session = startStationSession({ authority, ledger, settings });
    let closed = false;
    return {
      ...session,
      authority,
      ledgerDir: ledger.dir,
      close() {
        if (closed) return;
        closed = true;
        authority.lock();
        ledger.close();
      },
    };
  } catch (e) {
    authority.lock();
    ledger.close();
    throw e;
  }
}
