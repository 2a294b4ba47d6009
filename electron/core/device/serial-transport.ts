/**
 * Transport over the `serialport` package: a USB CDC/UART device or a pty path.
 * Also port listing with VID/PID for the operator filter (`--vid 303a --pid 1001`).
 */
import { readSync, writeSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { CustodianError } from '../errors';
import { sysfsPortList } from './sysfs-ports';
import { TransportEvents, type Transport } from './transport';

export interface SerialTransportOptions {
  /** Line rate; ignored by ptys. Default 115200. */
  baudRate?: number;
  /** RTS/CTS hardware flow control (the nRF91's UART). Default off. */
  rtscts?: boolean;
}

/** What a unix serialport binding exposes: the open descriptor and a readiness poller on it. */
interface PolledBinding {
  fd: number | null;
  poller: {
    /** Arm the descriptor for one event of the given kind (uv_poll; one-shot). */
    poll(events: number): void;
    on(event: 'readable', cb: (err: Error | null) => void): unknown;
    once(event: 'writable', cb: (err: Error | null) => void): unknown;
    removeListener(event: 'readable' | 'writable', cb: (err: Error | null) => void): unknown;
  };
}

/** @serialport/bindings-cpp's poller event flag for readability. */
const UV_READABLE = 1;

const isPolledBinding = (b: unknown): b is PolledBinding => {
  const x = b as Partial<PolledBinding> | null | undefined;
  return typeof x?.fd === 'number' && typeof x.poller?.poll === 'function' && typeof x.poller.on === 'function'
    && typeof x.poller.once === 'function' && typeof x.poller.removeListener === 'function';
};

const errnoOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | null)?.code;
const WOULD_BLOCK = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);
/** Largest read per readiness event; a frame is at most 4108 bytes. */
const READ_BUFFER = 4096;

/**
 * A serial port (or pty). serialport opens, configures (termios, exclusive
 * lock) and closes it. On unix, bytes move by readiness instead of through
 * serialport's stream: the binding's poller (uv_poll on the descriptor) says
 * when the port is readable, and one non-blocking read(2) takes what arrived;
 * a write is one non-blocking write(2), waiting for writability only when the
 * kernel buffer is full. serialport's own read loop issues every read on the
 * libuv thread pool and gets EAGAIN (an exception) after each chunk, which
 * costs the station about a quarter of its CPU per device on a line
 * (measured with the provisioning bench: ~1.3 ms of ~5 ms).
 * Elsewhere (Windows) the stream is used as is.
 */
export class SerialPortTransport implements Transport {
  private readonly events = new TransportEvents();
  private readonly polled: PolledBinding | null;
  private readonly readBuf = Buffer.allocUnsafe(READ_BUFFER);
  /** The persistent 'readable' listener (unix); null once the port is shut. */
  private onReadable: ((err: Error | null) => void) | null = null;
  private writes: Promise<void> = Promise.resolve();
  private shutting = false;

  private constructor(
    private readonly port: SerialPort,
    readonly description: string,
  ) {
    port.on('close', (err?: Error | null) => this.events.emitClose(err ?? undefined));
    port.on('error', (err: Error) => this.events.emitClose(err));
    this.polled = isPolledBinding(port.port) ? port.port : null;
    const poller = this.polled?.poller;
    if (poller) {
      this.onReadable = (err) => this.readable(err);
      poller.on('readable', this.onReadable);
      poller.poll(UV_READABLE);
    } else port.on('data', (chunk: Buffer) => this.events.emitData(new Uint8Array(chunk)));
  }

  static open(path: string, opts: SerialTransportOptions = {}): Promise<SerialPortTransport> {
    const baudRate = opts.baudRate ?? 115200;
    if (!Number.isInteger(baudRate) || baudRate <= 0) throw new RangeError(`baudRate must be a positive integer, got ${baudRate}`);
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate, autoOpen: false, hupcl: false, rtscts: opts.rtscts ?? false });
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
    return this.port.isOpen && !this.shutting;
  }

  /** The port is readable: drain what arrived with non-blocking reads, then re-arm the poller. */
  private readable(err: Error | null): void {
    if (this.shutting) return;
    if (err) return this.lost(err);
    const b = this.polled!;
    for (;;) {
      const fd = b.fd;
      if (fd === null) return;
      let n: number;
      try {
        n = readSync(fd, this.readBuf, 0, READ_BUFFER, null);
      } catch (e) {
        if (WOULD_BLOCK.has(errnoOf(e) ?? '')) break;
        return this.lost(e as Error);
      }
      if (n === 0) return this.lost(new Error('end of file on the port (hang-up)'));
      this.events.emitData(new Uint8Array(this.readBuf.subarray(0, n)));
      if (this.shutting) return;
      if (n < READ_BUFFER) break;
    }
    if (b.fd !== null) b.poller.poll(UV_READABLE);
  }

  /** The line went away under us (cable pull, pty hang-up): close the port as serialport would. */
  private lost(err: Error): void {
    if (this.shutting) return;
    this.shutting = true;
    this.detachReader();
    const disconnect = new CustodianError('DEVICE_DISCONNECTED', `${this.description} went away: ${err.message}`, { path: this.description }, { cause: err });
    this.events.emitClose(disconnect);
    if (this.port.isOpen) this.port.close(() => undefined);
  }

  private detachReader(): void {
    if (!this.onReadable) return;
    this.polled?.poller.removeListener('readable', this.onReadable);
    this.onReadable = null;
  }

  write(data: Uint8Array): Promise<void> {
    if (!this.isOpen) {
      return Promise.reject(new CustodianError('DEVICE_DISCONNECTED', `${this.description} is closed`, { path: this.description }));
    }
    if (!this.polled) {
      return new Promise((resolve, reject) => {
        this.port.write(Buffer.from(data), (err) => {
          if (err) reject(new CustodianError('DEVICE_DISCONNECTED', `write to ${this.description} failed: ${err.message}`, {}, { cause: err }));
          else resolve();
        });
      });
    }
    // Writes stay in order: each starts after the previous one is fully handed to the kernel.
    const p = this.writes.then(() => this.writePolled(data));
    this.writes = p.catch(() => undefined);
    return p;
  }

  private writePolled(data: Uint8Array): Promise<void> {
    const b = this.polled!;
    const failed = (e: unknown): CustodianError =>
      e instanceof CustodianError ? e : new CustodianError('DEVICE_DISCONNECTED', `write to ${this.description} failed: ${(e as Error).message}`, {}, { cause: e });
    let off = 0;
    return new Promise<void>((resolve, reject) => {
      const attempt = (err: Error | null): void => {
        if (err) return reject(failed(err));
        for (;;) {
          if (this.shutting || b.fd === null) return reject(failed(new Error('port closed')));
          try {
            off += writeSync(b.fd, data, off, data.length - off);
          } catch (e) {
            if (WOULD_BLOCK.has(errnoOf(e) ?? '')) {
              b.poller.once('writable', attempt); // kernel buffer full: wait until it drains
              return;
            }
            this.lost(e as Error);
            return reject(failed(e));
          }
          if (off >= data.length) return resolve();
        }
      };
      attempt(null);
    });
  }

  onData(l: (chunk: Uint8Array) => void): () => void {
    return this.events.onData(l);
  }
  onClose(l: (error?: Error) => void): () => void {
    return this.events.onClose(l);
  }

  close(): Promise<void> {
    this.shutting = true;
    this.detachReader();
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
  let ports: Awaited<ReturnType<typeof SerialPort.list>>;
  try {
    ports = await SerialPort.list();
  } catch (e) {
    // Without udev, serialport's list fails (it spawns `udevadm`): Linux then reads sysfs itself.
    if (process.platform === 'linux') return sysfsPortList();
    throw e;
  }
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
