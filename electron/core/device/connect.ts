/** Entry points: open a real/pty serial device, connect in-process, wait for a device (--watch). */
import { existsSync } from 'node:fs';
import { CustodianError, isCustodianError } from '../errors';
import { ProtocolDeviceClient, type DeviceClientOptions } from './protocol-client';
import { listSerialPorts, SerialPortTransport, systemPortLister, type PortFilter, type PortLister } from './serial-transport';
import type { Transport } from './transport';

export interface OpenSerialOptions extends DeviceClientOptions {}

/** Open a serial port (or pty path) at `baud` and say HELLO. Rejects DEVICE_OPEN_FAILED / DEVICE_TIMEOUT / …. */
export async function openSerialDevice(path: string, opts: OpenSerialOptions = {}): Promise<ProtocolDeviceClient> {
  const transport = await SerialPortTransport.open(path, { baudRate: opts.baud ?? 115200 });
  return ProtocolDeviceClient.start(transport, opts);
}

/** Anything that can hand out the station end of an in-process link (the simulator does). */
export interface InProcessEndpoint {
  connect(): Transport;
  /** Emulated line rate; used as the client's `baud` unless opts.baud is given. */
  readonly baud?: number;
}

export async function connectInProcess(endpoint: InProcessEndpoint, opts: DeviceClientOptions = {}): Promise<ProtocolDeviceClient> {
  const baud = opts.baud ?? endpoint.baud;
  return ProtocolDeviceClient.start(endpoint.connect(), baud !== undefined ? { ...opts, baud } : opts);
}

export interface WaitForDeviceOptions extends DeviceClientOptions {
  /** Reopen this path until it answers HELLO (pty or fixed port). */
  path?: string;
  /** Otherwise: poll the port list for a port matching this filter. */
  filter?: PortFilter;
  pollMs?: number;
  /** Give up with DEVICE_NOT_FOUND after this long (default: wait until aborted). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Injected for tests. */
  lister?: PortLister;
  open?: (path: string, opts: DeviceClientOptions) => Promise<ProtocolDeviceClient>;
  /** Called for every candidate that did not answer HELLO (for progress output). */
  onAttempt?: (path: string, error: unknown) => void;
}

const cancelled = (): CustodianError => new CustodianError('DEVICE_WATCH_CANCELLED', 'stopped waiting for a device');

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * "--watch": return the first device that answers HELLO. With `path`, reopen it
 * until it answers; otherwise poll the port list (filtered on VID/PID) and try each
 * candidate. Rejects DEVICE_NOT_FOUND at `timeoutMs`, DEVICE_WATCH_CANCELLED when `signal` aborts.
 */
export async function waitForDevice(opts: WaitForDeviceOptions): Promise<ProtocolDeviceClient> {
  const pollMs = opts.pollMs ?? 500;
  const lister = opts.lister ?? systemPortLister;
  const open = opts.open ?? openSerialDevice;
  const deadline = opts.timeoutMs !== undefined ? Date.now() + opts.timeoutMs : Infinity;
  for (;;) {
    if (opts.signal?.aborted) throw cancelled();
    // A fixed path is tried only while it exists (a pty link or /dev node vanishes on unplug).
    const candidates = opts.path
      ? existsSync(opts.path) || opts.open
        ? [opts.path]
        : []
      : (await listSerialPorts(opts.filter ?? {}, lister)).map((p) => p.path);
    for (const path of candidates) {
      if (opts.signal?.aborted) throw cancelled();
      try {
        return await open(path, opts);
      } catch (e) {
        opts.onAttempt?.(path, e);
        if (!isCustodianError(e)) throw e;
      }
    }
    if (Date.now() + pollMs > deadline) {
      throw new CustodianError('DEVICE_NOT_FOUND', 'no device answered HELLO before the deadline', {
        path: opts.path,
        filter: opts.filter,
      });
    }
    await sleep(pollMs, opts.signal);
  }
}
