/**
 * Request/response correlation over one link (zigbee-herdsman's waitress):
 * one request outstanding at a time, through a queue; its waiter registered
 * before the bytes are written, so a fast reply never beats it; a named
 * timeout per request; a closed link fails the request in flight and every
 * later one. Which reply belongs to the waiter is the framing's business:
 * Custodian frames match on request ID and type (frame-requests.ts), AT
 * lines end at the final result code (nrf91/at-client.ts).
 */
import type { CustodianError } from '../errors';

export interface WaitOptions {
  timeoutMs: number;
  /** Bookkeeping when the timer fires (late-reply tracking), before the request fails. */
  onTimeout?: () => void;
  timeoutError: () => CustodianError;
  /** Sends the request; a rejection fails it with `writeError`. */
  write: () => Promise<void>;
  writeError: (e: unknown) => CustodianError;
}

interface Pending<W> {
  waiter: W;
  timer: NodeJS.Timeout;
  resolve: (value: never) => void;
  reject: (e: Error) => void;
}

export class Waitress<W> {
  private tail: Promise<unknown> = Promise.resolve();
  private pending: Pending<W> | null = null;
  private closedError: CustodianError | null = null;

  /** The error every request fails with once the link closed, or null. */
  get closed(): CustodianError | null {
    return this.closedError;
  }

  /** The waiter of the request in flight, or null. */
  get current(): W | null {
    return this.pending?.waiter ?? null;
  }

  /** Runs `fn` once every request queued before it has settled. */
  enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.tail.then(fn, fn);
    this.tail = p.catch(() => undefined);
    return p;
  }

  /** Registers `waiter`, then writes; settled by resolve()/reject(), the timeout, a failed write or close(). */
  wait<T>(waiter: W, o: WaitOptions): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise<T>((resolve, reject) => {
      const p: Pending<W> = {
        waiter,
        resolve: resolve as (value: never) => void,
        reject,
        timer: setTimeout(() => {
          if (this.pending !== p) return;
          this.pending = null;
          o.onTimeout?.();
          reject(o.timeoutError());
        }, o.timeoutMs),
      };
      this.pending = p;
      o.write().catch((e: unknown) => {
        if (this.pending === p) this.reject(o.writeError(e));
      });
    });
  }

  /** The request in flight got its reply. */
  resolve(value: unknown): void {
    const p = this.take();
    p?.resolve(value as never);
  }

  /** The request in flight failed (an error reply, a damaged one). */
  reject(e: Error): void {
    this.take()?.reject(e);
  }

  /** The link closed: the request in flight and every later one fail with `error`. */
  close(error: CustodianError): void {
    if (this.closedError) return;
    this.closedError = error;
    this.reject(error);
  }

  private take(): Pending<W> | null {
    const p = this.pending;
    if (!p) return null;
    clearTimeout(p.timer);
    this.pending = null;
    return p;
  }
}
