/**
 * A station session for a process that owns the station home for its run
 * (`custodian provision`, `custodian demo`): opens the authority and unlocks
 * it, reads the station's settings, opens the ledger, then starts the same
 * session the app starts (station-session.ts). A wrong passphrase is recorded
 * in the ledger (`authority-unlock-failed`), as the app and the authority
 * commands record it.
 */
import { Authority } from '../authority/index';
import { LedgerAuthorityJournal } from '../ledger/index';
import { loadStationSettings } from './station-settings';
import { unlockLedgerKey, type HeldLedgerKey } from './ledger-key';
import { stationLedger } from './station-ledger';
import { startStationSession, type StationSession } from './station-session';

export interface OpenedStationSession extends StationSession {
  authority: Authority;
  ledgerDir: string;
  /** Lock the CA key and close the ledger. Idempotent. */
  close(): void;
}

export interface OpenStationSessionOptions {
  home: string;
  /**
   * What unlocks the CA key: the vault passphrase, or a function asked for the
   * secret this authority's key needs (a token-held key takes its PIN).
   */
  passphrase: string | ((kind: 'passphrase' | 'pin') => Promise<string>);
  stationId?: string;
  /** Who is recorded with a wrong passphrase (default `operator`). */
  operator?: string;
  /** PEM files of the hub's TLS server roots to install instead of the bundle the settings select (`provision --trust-anchors`). */
  trustAnchorFiles?: readonly string[];
}

export async function openStationSession(opts: OpenStationSessionOptions): Promise<OpenedStationSession> {
  const ledger = stationLedger(opts.home, opts.stationId);
  const journal = new LedgerAuthorityJournal(() => ledger.writable().recorder, { operator: () => opts.operator ?? 'operator' });
  const authority = Authority.open({ home: opts.home, listener: (e) => (e.type === 'authority.unlock-failed' ? journal.listener(e) : undefined) });
  authority.assertActive();
  const settings = await loadStationSettings(opts.home);
  if (opts.trustAnchorFiles?.length) settings.trustAnchors = { bundle: 'custom', pemFiles: [...opts.trustAnchorFiles] };
  let checkpointKey: HeldLedgerKey | null = null;
  try {
    const secret = typeof opts.passphrase === 'string' ? opts.passphrase : await opts.passphrase(authority.secretKind);
    await authority.unlock(secret);
    // A sealed checkpoint key opens with the same passphrase; checkpoints deferred while it was locked are signed now.
    checkpointKey = await unlockLedgerKey(ledger.writable().ledger, authority.secretKind, secret);
  } catch (e) {
    ledger.close();
    throw e;
  }
  try {
    const session = startStationSession({ authority, ledger, settings, home: opts.home, ...(opts.stationId !== undefined ? { stationId: opts.stationId } : {}) });
    let closed = false;
    return {
      ...session,
      authority,
      ledgerDir: ledger.dir,
      close() {
        if (closed) return;
        closed = true;
        if (checkpointKey?.onToken) ledger.writable().ledger.lockKey();
        authority.lock();
        ledger.close();
        void checkpointKey?.close(); // after the ledger's closing checkpoint
      },
    };
  } catch (e) {
    if (checkpointKey?.onToken) ledger.writable().ledger.lockKey();
    authority.lock();
    ledger.close();
    void checkpointKey?.close();
    throw e;
  }
}
