/** The waitress both framings share: queueing, register-before-write, timeouts, write failures, close. */
import { describe, expect, it } from 'vitest';
import { Waitress } from '../../electron/core/device/waitress';
import { CustodianError } from '../../electron/core/errors';

const err = (code: string) => () => new CustodianError(code, code);

describe('Waitress', () => {
  it('runs one request at a time, in order, even when one fails', async () => {
    const w = new Waitress<string>();
    const log: string[] = [];
    const job = (name: string, fail = false) => w.enqueue(async () => {
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, 5));
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    });
    const results = await Promise.allSettled([job('a'), job('b', true), job('c')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('registers the waiter before writing: a reply during the write settles the request', async () => {
    const w = new Waitress<{ id: number }>();
    const p = w.wait<string>({ id: 7 }, {
      timeoutMs: 1000, timeoutError: err('T'), writeError: err('W'),
      write: async () => {
        expect(w.current).toEqual({ id: 7 });
        w.resolve('reply');
      },
    });
    await expect(p).resolves.toBe('reply');
    expect(w.current).toBeNull();
  });

  it('times out with the named error after its bookkeeping, and a reply after that is ignored', async () => {
    const w = new Waitress<number>();
    const seen: string[] = [];
    const p = w.wait<string>(1, { timeoutMs: 10, onTimeout: () => seen.push('timeout'), timeoutError: err('DEVICE_TIMEOUT'), writeError: err('W'), write: async () => undefined });
    await expect(p).rejects.toMatchObject({ code: 'DEVICE_TIMEOUT' });
    expect(seen).toEqual(['timeout']);
    expect(w.current).toBeNull();
    expect(() => w.resolve('late')).not.toThrow();
  });

  it('a failed write fails the request with the write error', async () => {
    const w = new Waitress<number>();
    const p = w.wait(1, { timeoutMs: 1000, timeoutError: err('T'), writeError: err('DEVICE_DISCONNECTED'), write: () => Promise.reject(new Error('EIO')) });
    await expect(p).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
  });

  it('close fails the request in flight and every later one with the same error', async () => {
    const w = new Waitress<number>();
    const p = w.wait(1, { timeoutMs: 1000, timeoutError: err('T'), writeError: err('W'), write: async () => undefined });
    const gone = new CustodianError('DEVICE_DISCONNECTED', 'closed');
    w.close(gone);
    await expect(p).rejects.toBe(gone);
    await expect(w.wait(2, { timeoutMs: 1000, timeoutError: err('T'), writeError: err('W'), write: async () => undefined })).rejects.toBe(gone);
    expect(w.closed).toBe(gone);
  });
});
