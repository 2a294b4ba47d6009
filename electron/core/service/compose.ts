/**
 * Builds the station service with every core module that is wired into this
 * build. Shared by the Electron main process and the HTTP test bridge.
 *
 * INTEGRATION STATUS (areas not listed here answer API_NOT_AVAILABLE):
 *   devices   → serialport's SerialPort.list (electron/core/device's lister when it exports one)
 *   authority → NOT WIRED: waiting for electron/core/authority (Authority: unlock/lock/ceremonies)
 *   workflow  → NOT WIRED: waiting for electron/core/station (provisioning workflow)
 *   ledger    → NOT WIRED: see ledger-port.ts when present
 *   simulator → NOT WIRED: waiting for electron/core/simulator
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createStationService, type PlatformServices, type StationService, type StationServiceDeps } from './station-service';
import type { DevicePort } from './ports';

/** Same rule as the CLI: $CUSTODIAN_HOME, else ~/.custodian. */
export function defaultStationHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.CUSTODIAN_HOME && env.CUSTODIAN_HOME !== '' ? env.CUSTODIAN_HOME : join(homedir(), '.custodian');
}

export const serialPortDevices: DevicePort = {
  async listPorts() {
    const { SerialPort } = await import('serialport');
    return (await SerialPort.list()).map((p) => ({
      path: p.path, vendorId: p.vendorId, productId: p.productId, manufacturer: p.manufacturer, serialNumber: p.serialNumber,
    }));
  },
};

export function createDefaultStationService(opts: { home: string; platform: PlatformServices } & Partial<StationServiceDeps>): StationService {
  return createStationService({ devices: serialPortDevices, ...opts });
}
