/**
 * A provisioning session on this station: the authority unlocked once, its
 * issuer checked, the signing ledger opened as the recorder. The CLI
 * (`custodian provision`, `custodian demo`) and the app's station service
 * both start here, then call `provisionDevice` per device.
 *
 *   const session = await openStationSession({ home, passphrase });
 *   try { await provisionDevice({ device, ...session.workflow, operator }); } finally { session.close(); }
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Authority } from '../authority/index';
import { CustodianError } from '../errors';
import { openStationLedger, type Ledger, type LedgerRecorder } from '../ledger/index';
import { prepareIssuer, type PreparedIssuer } from './issuer';

/**
 * How the station opens devices: the workflow verifies CSRs itself (pki
 * readCsr: signature, key policy; CN = device ID), so the device client's own
 * CSR check is switched off rather than done twice.
 */
export const STATION_DEVICE_OPTIONS = { verifyCsr: false } as const;

export interface StationSession {
  authority: Authority;
  issuer: PreparedIssuer;
  ledger: Ledger;
  recorder: LedgerRecorder;
  /** What provisionDevice needs besides the device and the operator. */
  workflow: { issuer: PreparedIssuer; recorder: LedgerRecorder };
  ledgerDir: string;
  /** Lock the CA key and close the ledger. Idempotent. */
  close(): void;
}

/** A ledger station ID from the host name: lower-case letters, digits and dashes. */
export function defaultStationId(): string {
  return hostname().toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48) || 'station';
}

export async function openStationSession(opts: { home: string; passphrase: string; stationId?: string }): Promise<StationSession> {
  const authority = Authority.open({ home: opts.home });
  authority.assertActive();
  await authority.unlock(opts.passphrase);
  let ledger: Ledger | undefined;
  try {
    const issuer = prepareIssuer(authority.issuer());
    const ledgerDir = join(opts.home, 'ledger');
    const opened = openStationLedger({ dir: ledgerDir, stationId: opts.stationId ?? defaultStationId() });
    ledger = opened.ledger;
    const open = opened.recorder.unreconciled();
    if (open.length > 0) {
      throw new CustodianError('LEDGER_UNRECONCILED_INTENT', `${open.length} signing intent(s) from an interrupted run must be reconciled before provisioning`, {
        intents: open.map((u) => u.index),
        hint: 'custodian ledger reconcile',
      });
    }
    let closed = false;
    return {
      authority,
      issuer,
      ledger: opened.ledger,
      recorder: opened.recorder,
      workflow: { issuer, recorder: opened.recorder },
      ledgerDir,
      close() {
        if (closed) return;
        closed = true;
        authority.lock();
        opened.ledger.close();
      },
    };
  } catch (e) {
    authority.lock();
    ledger?.close();
    throw e;
  }
}
