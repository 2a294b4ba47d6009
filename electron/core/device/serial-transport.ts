/**
 * Transport over the `serialport` package: a USB CDC/UART device or a pty path.
 * Also port listing with VID/PID for the operator filter (`--vid 303a --pid 1001`).
 */
import { SerialPort } from 'serialport';
import { CustodianError } from '../errors';
import { TransportEvents, type Transport } from './transport';

export interface SerialTransportOptions {
  /** Line rate; ignored by ptys. Default 115200. */
  baudRate?: number;
}

export class SerialPortTransport implements Transport {
  private readonly events = new TransportEvents();
  private constructor(
    private readonly port: SerialPort,
    readonly description: string,
  ) {
    port.on('data', (chunk: Buffer) => this.events.emitData(new Uint8Array(chunk)));
    port.on('close', (err?: Error | null) => this.events.emitClose(err ?? undefined));
    port.on('error', (err: Error) => this.events.emitClose(err));
  }

  static open(path: string, opts: SerialTransportOptions = {}): Promise<SerialPortTransport> {
    const baudRate = opts.baudRate ?? 115200;
    if (!Number.isInteger(baudRate) || baudRate <= 0) throw new RangeError(`baudRate must be a positive integer, got ${baudRate}`);
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate, autoOpen: false, hupcl: false });
      port.open((err) => {
        if (err) {
          reject(new CustodianError('DEVICE_OPEN_FAILED', `cannot open ${path}: ${err.message}`, { path }, { cause: err }));
          return;
        }
        resolve(new SerialPortTransport(port, path));
      });
    });
  }

  get isOpen(): boolean {
    return this.port.isOpen;
  }

  write(data: Uint8Array): Promise<void> {
    if (!this.port.isOpen) {
      return Promise.reject(new CustodianError('DEVICE_DISCONNECTED', `${this.description} is closed`, { path: this.description }));
    }
    return new Promise((resolve, reject) => {
      this.port.write(Buffer.from(data), (err) => {
        if (err) reject(new CustodianError('DEVICE_DISCONNECTED', `write to ${this.description} failed: ${err.message}`, {}, { cause: err }));
        else resolve();
      });
    });
  }

  onData(l: (chunk: Uint8Array) => void): () => void {
    return this.events.onData(l);
  }
  onClose(l: (error?: Error) => void): () => void {
    return this.events.onClose(l);
  }

  close(): Promise<void> {
    if (!this.port.isOpen) {
      this.events.emitClose();
      return Promise.resolve();
    }
    return new Promise((resolve) => this.port.close(() => resolve()));
  }
}

export interface SerialPortDescriptor {
  path: string;
  /** Lowercase hex, 4 digits, when the OS reports it (USB devices). */
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  manufacturer?: string;
}

export interface PortFilter {
  vid?: string;
  pid?: string;
}

const normHex = (v: string | undefined): string | undefined =>
  v === undefined ? undefined : v.toLowerCase().replace(/^0x/, '').padStart(4, '0');

/** Parse `--vid`/`--pid` values ("303a", "0x303A"); throws DEVICE_BAD_ARGUMENT on junk. */
export function parsePortFilter(vid?: string, pid?: string): PortFilter {
  const check = (name: string, v: string | undefined): string | undefined => {
    if (v === undefined) return undefined;
    if (!/^(0x)?[0-9a-f]{1,4}$/i.test(v)) throw new CustodianError('DEVICE_BAD_ARGUMENT', `--${name} must be 1-4 hex digits, got "${v}"`);
    return normHex(v);
  };
  const f: PortFilter = {};
  const v = check('vid', vid);
  const p = check('pid', pid);
  if (v !== undefined) f.vid = v;
  if (p !== undefined) f.pid = p;
  return f;
}

export function matchesFilter(port: SerialPortDescriptor, filter: PortFilter): boolean {
  if (filter.vid !== undefined && normHex(port.vendorId) !== filter.vid) return false;
  if (filter.pid !== undefined && normHex(port.productId) !== filter.pid) return false;
  return true;
}

export type PortLister = () => Promise<SerialPortDescriptor[]>;

export const systemPortLister: PortLister = async () => {
  const ports = await SerialPort.list();
  return ports.map((p) => {
    const d: SerialPortDescriptor = { path: p.path };
    if (p.vendorId) d.vendorId = normHex(p.vendorId)!;
    if (p.productId) d.productId = normHex(p.productId)!;
    if (p.serialNumber) d.serialNumber = p.serialNumber;
    if (p.manufacturer) d.manufacturer = p.manufacturer;
    return d;
  });
};

/** Ports matching the operator filter (all ports when the filter is empty). */
export async function listSerialPorts(filter: PortFilter = {}, lister: PortLister = systemPortLister): Promise<SerialPortDescriptor[]> {
  return (await lister()).filter((p) => matchesFilter(p, filter));
}
