/**
 * A byte pipe to a device. The protocol client is written against this, so a
 * real port, a pty and an in-process pipe are interchangeable (and tests inject
 * their own). Listeners are per-instance; no module-global state.
 */
export interface Transport {
  /** Human-readable endpoint (port path or "in-process"). */
  readonly description: string;
  readonly isOpen: boolean;
  /** Resolves when the bytes were handed to the OS/peer. Rejects DEVICE_DISCONNECTED if closed. */
  write(data: Uint8Array): Promise<void>;
  /** Subscribe to received bytes; returns an unsubscribe function. */
  onData(listener: (chunk: Uint8Array) => void): () => void;
  /** Fired once when the link goes away (local close, peer close, port error). */
  onClose(listener: (error?: Error) => void): () => void;
  close(): Promise<void>;
}

import { CustodianError } from '../errors';

/** Small listener helper shared by transport implementations. */
export class TransportEvents {
  private data = new Set<(chunk: Uint8Array) => void>();
  private closed = new Set<(error?: Error) => void>();
  private fired = false;
  onData(l: (chunk: Uint8Array) => void): () => void {
    this.data.add(l);
    return () => this.data.delete(l);
  }
  onClose(l: (error?: Error) => void): () => void {
    this.closed.add(l);
    return () => this.closed.delete(l);
  }
  emitData(chunk: Uint8Array): void {
    for (const l of [...this.data]) l(chunk);
  }
  emitClose(error?: Error): void {
    if (this.fired) return;
    this.fired = true;
    for (const l of [...this.closed]) l(error);
    this.data.clear();
    this.closed.clear();
  }
}

class PipeEnd implements Transport {
  readonly events = new TransportEvents();
  peer!: PipeEnd;
  open = true;
  constructor(readonly description: string) {}
  get isOpen(): boolean {
    return this.open;
  }
  write(data: Uint8Array): Promise<void> {
    if (!this.open) {
      return Promise.reject(new CustodianError('DEVICE_DISCONNECTED', `${this.description} is closed`));
    }
    const copy = Uint8Array.from(data);
    const peer = this.peer;
    // Deliver asynchronously, like a real port: the writer's code after write() runs first.
    setImmediate(() => {
      if (peer.open) peer.events.emitData(copy);
    });
    return Promise.resolve();
  }
  onData(l: (chunk: Uint8Array) => void): () => void {
    return this.events.onData(l);
  }
  onClose(l: (error?: Error) => void): () => void {
    return this.events.onClose(l);
  }
  close(): Promise<void> {
    this.shut();
    this.peer.shut();
    return Promise.resolve();
  }
  shut(): void {
    if (!this.open) return;
    this.open = false;
    // Let in-flight deliveries land first, as a kernel buffer would.
    setImmediate(() => this.events.emitClose());
  }
}

/** Two connected in-process endpoints: bytes written to one arrive (asynchronously) at the other. */
export function createPipePair(names: [string, string] = ['station', 'device']): [Transport, Transport] {
  const a = new PipeEnd(`in-process:${names[0]}`);
  const b = new PipeEnd(`in-process:${names[1]}`);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/**
 * A view of an open port for one device session. Closing it detaches only the
 * session's listeners and leaves the port open, so the next device behind the
 * same adapter (a line swapping devices behind one USB-serial fixture) gets a
 * fresh session — HELLO, identity, request IDs — without reopening the port.
 * It reports closed when the port itself goes away.
 */
export function leaseTransport(port: Transport): Transport {
  const detach: Array<() => void> = [];
  let open = true;
  return {
    description: port.description,
    get isOpen(): boolean {
      return open && port.isOpen;
    },
    write(data: Uint8Array): Promise<void> {
      if (!open) return Promise.reject(new CustodianError('DEVICE_DISCONNECTED', `${port.description}: session closed`));
      return port.write(data);
    },
    onData(listener: (chunk: Uint8Array) => void): () => void {
      const off = port.onData(listener);
      detach.push(off);
      return off;
    },
    onClose(listener: (error?: Error) => void): () => void {
      const off = port.onClose(listener);
      detach.push(off);
      return off;
    },
    async close(): Promise<void> {
      open = false;
      for (const off of detach.splice(0)) off();
    },
  };
}
