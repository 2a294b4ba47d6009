/**
 * Opening the device behind a port, the same way for the CLI and the app: an
 * in-process simulated device when the port is one (`sim:<id>` in the app),
 * else the serial port, retrying HELLO for a few seconds since a device that
 * was just plugged in (or a fresh pty) may miss the first one.
 */
import { connectInProcess, waitForDevice, type DeviceClientOptions, type InProcessEndpoint, type ProtocolDeviceClient } from '../device/index';

/**
 * How the station opens devices: the workflow verifies CSRs and keys itself
 * (pki readCsr and the device key policy: signature, key; CN = device ID;
 * docs/device-protocol.md §4.4 lists what it reports), so the device client's
 * own CSR and key checks are switched off rather than done twice under other codes.
 */
export const STATION_DEVICE_OPTIONS = { verifyCsr: false, verifyKeys: false } as const;

/** How long opening a serial port keeps retrying HELLO. */
export const CONNECT_TIMEOUT_MS = 4000;

export interface OpenDeviceOptions {
  baud?: number;
  /** The in-process device behind a port, if the port is one. */
  inProcess?: (port: string) => InProcessEndpoint | null | undefined;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export function openDevice(port: string, opts: OpenDeviceOptions = {}): Promise<ProtocolDeviceClient> {
  const client: DeviceClientOptions = { ...STATION_DEVICE_OPTIONS, ...(opts.baud !== undefined ? { baud: opts.baud } : {}) };
  const endpoint = opts.inProcess?.(port);
  if (endpoint) return connectInProcess(endpoint, client);
  return waitForDevice({
    ...client,
    path: port,
    timeoutMs: opts.timeoutMs ?? CONNECT_TIMEOUT_MS,
    pollMs: 250,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}
