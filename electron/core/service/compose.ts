/**
 * Builds the station service with the real core modules. Shared by the
 * Electron main process and the HTTP test bridge.
 *
 *   devices   → electron/core/device systemPortLister (serialport, VID/PID normalised)
 *   authority → electron/core/authority Authority (vault-sealed CA key, ceremonies), journalled into the ledger
 *   settings  → each change recorded as a ledger `config` record
 *   ledger    → electron/core/ledger (one writable ledger per run, shared with the recorder)
 *   workflow  → electron/core/line station sessions (issuer from the unlocked authority, policy from settings)
 *   simulator → electron/core/simulator, in-process devices on `sim:<id>` ports
 *
 * Every area is wired; `need()` in ports.ts still answers API_NOT_AVAILABLE
 * for any port a caller (e.g. a test) leaves out.
 */
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Authority } from '../authority/index';
import { systemPortLister } from '../device/index';
import { LedgerAuthorityJournal } from '../ledger/index';
import { createStationService, type PlatformServices, type StationService, type StationServiceDeps } from './station-service';
import type { DevicePort } from './ports';
import { authorityAdapter } from './adapters/authority';
import { ledgerKeyFollows } from './ledger-key-follows';
import { ledgerAdapter } from './adapters/ledger';
import { stationLedger, type StationLedgerOptions } from '../line/station-ledger';
import { simulatorAdapter } from './adapters/simulator';
import { workOrdersAdapter } from './adapters/work-orders';
import { workflowAdapter } from './adapters/workflow';

/** Same rule as the CLI: $CUSTODIAN_HOME, else ~/.custodian. */
export function defaultStationHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.CUSTODIAN_HOME && env.CUSTODIAN_HOME !== '' ? env.CUSTODIAN_HOME : join(homedir(), '.custodian');
}

export const serialPortDevices: DevicePort = { listPorts: () => systemPortLister() };

export interface DefaultServiceOptions extends Partial<StationServiceDeps> {
  home: string;
  platform: PlatformServices;
  /** Simulated devices add wire time like a real UART (default true; tests turn it off). */
  simulatorWireTime?: boolean;
  /** How the station ledger writes (a full disk in tests). */
  ledgerFiles?: Omit<StationLedgerOptions, 'stationId'>;
}

/**
 * Who the station's ledger records as the operator of UI ceremonies, unlocks
 * and settings changes: $CUSTODIAN_OPERATOR, else the desktop login name.
 */
export function stationOperator(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.CUSTODIAN_OPERATOR?.trim();
  if (fromEnv) return fromEnv.slice(0, 64);
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

export function createDefaultStationService(opts: DefaultServiceOptions): StationService {
  const ledgerFiles = stationLedger(opts.home, opts.ledgerFiles ?? {});
  const operator = stationOperator();
  // The authority journals into the station ledger (opened on first use, held for the run):
  // imports, key loads, unlock/lock sessions, and every sub-CA / verification signing (fail closed).
  const journal = new LedgerAuthorityJournal(() => ledgerFiles.writable().recorder, { operator: () => operator });
  const auth = ledgerKeyFollows(authorityAdapter(opts.home, (listener) => Authority.open({ home: opts.home, journal, listener })), ledgerFiles, operator);
  const simulator = simulatorAdapter(opts.home, { emulateWireTime: opts.simulatorWireTime ?? true });
  const { simulatorWireTime: _ignored, ledgerFiles: _files, ...deps } = opts;
  return createStationService({
    devices: serialPortDevices,
    authority: auth,
    ledger: ledgerAdapter(ledgerFiles, auth.authority),
    workflow: workflowAdapter({ authority: auth.authority, ledger: ledgerFiles, simulator, home: opts.home }),
    workOrders: workOrdersAdapter({ home: opts.home, authority: auth.authority, ledger: ledgerFiles }),
    simulator,
    recordConfigChange: async ({ key, value, previous }) => {
      await ledgerFiles.writable().recorder.recordConfigChange({ key, value, ...(previous !== undefined ? { previous } : {}), operator });
    },
    dispose: () => ledgerFiles.close(),
    ...deps,
  });
}
