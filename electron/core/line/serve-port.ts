/**
 * Serve device after device on one port: `custodian provision --watch`, and
 * the app's auto mode, which runs this loop on every port it sees attached
 * (electron/core/service/station-service.ts). The port is opened once and stays open, as
 * a line's USB-serial fixture stays plugged while devices are swapped behind
 * it: each device gets its own session on it (its driver's greeting, then IDENTIFY), is handed to
 * `handle`, and then the loop waits until that device has gone away or a
 * different device (another hardware serial) answers, and repeats. The port is
 * reopened only if it goes away itself (adapter unplugged, pty gone). Stops
 * cleanly when `signal` aborts: a device being provisioned finishes its
 * current step and the run ends with WORKFLOW_CANCELLED (safe to retry).
 */
import type { DeviceClient, DeviceIdentity } from '../device/client';
import type { AttachOptions, DeviceDriver } from '../device/driver';
import { SerialPortTransport } from '../device/serial-transport';
import { leaseTransport, type Transport } from '../device/transport';
import { isCustodianError } from '../errors';
import { stationDrivers } from './station-drivers';
import { abortableSleep } from '../abortable-sleep';

export interface ServeOptions {
  path: string;
  /** The driver that serves the port (default: the Custodian protocol's). */
  driver?: DeviceDriver;
  /** Line rate; default the driver's. */
  baud?: number;
  identityKeys?: AttachOptions['identityKeys'];
  signal: AbortSignal;
  /**
   * Provision one device. Must not close it (serveDevices does). `identity` is
   * its answer to the detection IDENTIFY in this session (pass it on as
   * ProvisionOptions.identity rather than asking again).
   */
  handle: (device: DeviceClient, identity: DeviceIdentity) => Promise<void>;
  /** Called when the loop starts waiting: for the first/next device, or for the last one to be removed. */
  onWaiting?: (what: 'device' | 'removal') => void;
  /** Stop after this many devices (default: until aborted). */
  maxDevices?: number;
  pollMs?: number;
  /** Opens the port (injected for tests). */
  openPort?: (path: string, baud: number, rtscts: boolean) => Promise<Transport>;
}

/** Returns how many devices were handed to `handle`. */
export async function serveDevices(opts: ServeOptions): Promise<number> {
  const pollMs = opts.pollMs ?? 300;
  const driver = opts.driver ?? stationDrivers().custodian;
  const baud = opts.baud ?? driver.serial.baud;
  const openPort = opts.openPort ?? ((p: string, rate: number, rtscts: boolean) => SerialPortTransport.open(p, { baudRate: rate, rtscts }));
  const attach: AttachOptions = { baud, ...(opts.identityKeys ? { identityKeys: opts.identityKeys } : {}) };
  let port: Transport | null = null;
  let served = 0;
  let last: string | null = null; // hardware serial of the device handled last, while it is still attached
  let announced: 'device' | 'removal' | null = null;
  const announce = (what: 'device' | 'removal'): void => {
    if (announced !== what) opts.onWaiting?.(what);
    announced = what;
  };
  try {
    while (!opts.signal.aborted && (opts.maxDevices === undefined || served < opts.maxDevices)) {
      announce(last === null ? 'device' : 'removal');
      let device: DeviceClient | null = null;
      try {
        if (!port?.isOpen) {
          const old = port;
          port = null;
          await old?.close().catch(() => undefined);
          port = await openPort(opts.path, baud, driver.serial.rtscts);
        }
        device = await driver.attach(leaseTransport(port), attach);
        const id = await device.identify();
        if (last !== null && id.hardwareSerial === last) {
          await device.close();
          await abortableSleep(pollMs, opts.signal);
          continue;
        }
        announced = null;
        last = id.hardwareSerial;
        served++;
        await opts.handle(device, id);
      } catch (e) {
        if (!isCustodianError(e)) throw e;
        // Nothing answering (or it went away mid-greeting): the previous device is gone.
        if (device === null) last = null;
        await abortableSleep(pollMs, opts.signal);
      } finally {
        await device?.close().catch(() => undefined);
      }
    }
  } finally {
    await port?.close().catch(() => undefined);
  }
  return served;
}
