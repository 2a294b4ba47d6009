/**
 * Opening the device behind a port, the one way for the CLI and the app:
 * a port and a driver (named, or `auto` to probe) give a DeviceClient. An
 * in-process simulated device stands behind a port when the port is one
 * (`sim:<id>` in the app); otherwise the serial port is opened with the
 * driver's settings, retrying for a few seconds since a device that was just
 * plugged in (or a fresh pty) may miss the first greeting.
 */
import type { DeviceClient } from '../device/client';
import { DeviceErrorCodes } from '../device/codes';
import type { InProcessEndpoint } from '../device/connect';
import type { AttachOptions, DeviceDriver } from '../device/driver';
import { SerialPortTransport } from '../device/serial-transport';
import type { Transport } from '../device/transport';
import { CustodianError, isCustodianError } from '../errors';
import { DRIVER_NAMES, type DriverChoice } from '../../shared/drivers';
import { probeDriver, stationDrivers, type StationDrivers } from './station-drivers';

export { STATION_DEVICE_OPTIONS } from './station-drivers';

/** How long opening a serial port keeps retrying. */
export const CONNECT_TIMEOUT_MS = 4000;
const RETRY_MS = 250;

export interface OpenDeviceOptions {
  /** Default `custodian`. */
  driver?: DriverChoice;
  drivers?: StationDrivers;
  /** Line rate; default the driver's. */
  baud?: number;
  /** The in-process device behind a port, if the port is one. */
  inProcess?: (port: string) => (InProcessEndpoint & { driver?: string }) | null | undefined;
  timeoutMs?: number;
  signal?: AbortSignal;
  identityKeys?: AttachOptions['identityKeys'];
}

export interface OpenedDevice {
  device: DeviceClient;
  driver: DeviceDriver;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The device behind `port`, and the driver that reached it. */
export async function openDeviceWithDriver(port: string, opts: OpenDeviceOptions = {}): Promise<OpenedDevice> {
  const drivers = opts.drivers ?? stationDrivers();
  const choice = opts.driver ?? 'custodian';
  const attach: AttachOptions = { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.identityKeys ? { identityKeys: opts.identityKeys } : {}) };
  const endpoint = opts.inProcess?.(port);
  if (endpoint) {
    const name = choice === 'auto' ? (endpoint.driver ?? 'custodian') : choice;
    const driver = drivers[name as keyof StationDrivers];
    if (!driver) throw new CustodianError(DeviceErrorCodes.DEVICE_DRIVER_UNKNOWN, `unknown device driver ${JSON.stringify(name)}`, { driver: name });
    const baud = opts.baud ?? endpoint.baud;
    return { device: await driver.attach(endpoint.connect(), { ...attach, ...(baud !== undefined ? { baud } : {}) }), driver };
  }
  const deadline = Date.now() + (opts.timeoutMs ?? CONNECT_TIMEOUT_MS);
  for (;;) {
    try {
      return await openOnce(port, choice, drivers, attach, opts.baud);
    } catch (e) {
      if (!isCustodianError(e) || Date.now() + RETRY_MS > deadline || opts.signal?.aborted) throw e;
    }
    await sleep(RETRY_MS);
  }
}

async function openOnce(port: string, choice: DriverChoice, drivers: StationDrivers, attach: AttachOptions, baud: number | undefined): Promise<OpenedDevice> {
  let name = choice;
  if (choice === 'auto') {
    const t = await SerialPortTransport.open(port, { baudRate: baud ?? 115_200 });
    try {
      const found = await probeDriver(drivers, t, attach.signal ? { signal: attach.signal } : {});
      if (!found) {
        throw new CustodianError(DeviceErrorCodes.DEVICE_DRIVER_NOT_DETECTED, `no device on ${port} answered as any known kind (${DRIVER_NAMES.join(', ')})`, { path: port, tried: DRIVER_NAMES });
      }
      name = found;
    } finally {
      await t.close().catch(() => undefined);
    }
  }
  const driver = drivers[name as keyof StationDrivers];
  const rate = baud ?? driver.serial.baud;
  const transport: Transport = await SerialPortTransport.open(port, { baudRate: rate, rtscts: driver.serial.rtscts });
  return { device: await driver.attach(transport, { ...attach, baud: rate }), driver };
}

export async function openDevice(port: string, opts: OpenDeviceOptions = {}): Promise<DeviceClient> {
  return (await openDeviceWithDriver(port, opts)).device;
}
