/**
 * Builds the station service with the real core modules. Shared by the
 * Electron main process and the HTTP test bridge.
 *
 *   devices   → electron/core/device systemPortLister (serialport, VID/PID normalised)
 *   authority → electron/core/authority Authority (vault-sealed CA key, ceremonies)
 *   ledger    → electron/core/ledger (one writable ledger per run, shared with the recorder)
 *   workflow  → electron/core/station provisionDevice (issuer from the unlocked authority)
 *   simulator → electron/core/simulator, in-process devices on `sim:<id>` ports
 *
 * Every area is wired; `need()` in ports.ts still answers API_NOT_AVAILABLE
 * for any port a caller (e.g. a test) leaves out.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { systemPortLister } from '../device/index';
import { createStationService, type PlatformServices, type StationService, type StationServiceDeps } from './station-service';
import type { DevicePort } from './ports';
import { authorityAdapter } from './adapters/authority';
import { ledgerAdapter, stationLedger } from './adapters/ledger';
import { simulatorAdapter } from './adapters/simulator';
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
}

export function createDefaultStationService(opts: DefaultServiceOptions): StationService {
  const auth = authorityAdapter(opts.home);
  const ledgerFiles = stationLedger(opts.home);
  const simulator = simulatorAdapter(opts.home, { emulateWireTime: opts.simulatorWireTime ?? true });
  const { simulatorWireTime: _ignored, ...deps } = opts;
  return createStationService({
    devices: serialPortDevices,
    authority: auth,
    ledger: ledgerAdapter(ledgerFiles, auth.authority),
    workflow: workflowAdapter({ authority: auth.authority, ledger: ledgerFiles, simulator }),
    simulator,
    dispose: () => ledgerFiles.close(),
    ...deps,
  });
}
