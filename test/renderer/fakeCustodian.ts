/**
 * A fake `window.custodian` built per test from the contract's own method and
 * event lists (no module-global state): each test says how the methods it
 * cares about answer, and every call is recorded.
 */
import { EVENT_NAMES, METHOD_NAMES, eventProperty, methodProperty } from '../../electron/shared/channels';
import type { EventName, MethodName } from '../../electron/shared/channels';
import type { CustodianApi, EventPayload, MethodInput, MethodOutput } from '../../electron/shared/api';
import type { ApiError } from '../../electron/shared/errors';
import { afterEach, beforeEach } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';

export class Refuse {
  constructor(readonly error: ApiError) {}
}
/** Make a handler answer `{ ok: false, error }`. */
export function refuse(code: string, message = `refused: ${code}`): never {
  throw new Refuse({ code, message, details: {} });
}

export type Handlers = {
  [M in MethodName]?: (arg: MethodInput<M>) => MethodOutput<M> | Promise<MethodOutput<M>>;
};

export interface Fake {
  api: CustodianApi;
  calls: { method: MethodName; arg: unknown }[];
  callsTo(method: MethodName): unknown[];
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  listeners(event: EventName): number;
}

export function makeFake(handlers: Handlers): Fake {
  const calls: Fake['calls'] = [];
  const subs = new Map<EventName, Set<(p: unknown) => void>>();
  const api: Record<string, Record<string, unknown>> = {};
  for (const m of METHOD_NAMES) {
    const [area, fn] = methodProperty(m);
    (api[area] ??= {})[fn] = async (arg: unknown) => {
      calls.push({ method: m, arg });
      const h = handlers[m] as ((a: unknown) => unknown) | undefined;
      if (!h) return { ok: false, error: { code: 'API_NOT_AVAILABLE', message: `${m} not faked`, details: {} } };
      try {
        return { ok: true, value: await h(arg) };
      } catch (e) {
        if (e instanceof Refuse) return { ok: false, error: e.error };
        throw e;
      }
    };
  }
  for (const e of EVENT_NAMES) {
    const [area, fn] = eventProperty(e);
    (api[area] ??= {})[fn] = (listener: (p: unknown) => void) => {
      const set = subs.get(e) ?? new Set();
      subs.set(e, set);
      set.add(listener);
      return () => set.delete(listener);
    };
  }
  return {
    api: api as unknown as CustodianApi,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method).map((c) => c.arg),
    emit: (event, payload) => subs.get(event)?.forEach((l) => l(payload)),
    listeners: (event) => subs.get(event)?.size ?? 0,
  };
}

/** Install as window.custodian for this test; returns the uninstaller. */
export function install(fake: Fake): () => void {
  Object.defineProperty(globalThis, 'custodian', { value: fake.api, configurable: true, writable: true });
  return () => {
    delete (globalThis as { custodian?: unknown }).custodian;
  };
}

/**
 * For a file of view tests: a fresh Pinia before each test, and after it the
 * view unmounted, the fake removed and the page emptied. `show` installs the
 * test's fake, then mounts its view.
 */
export function viewHarness(): { show<W extends VueWrapper>(fake: Fake, mountView: () => W): W } {
  let uninstall: () => void = () => {};
  let w: VueWrapper | undefined;
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => {
    w?.unmount();
    w = undefined;
    uninstall();
    uninstall = () => {};
    document.body.innerHTML = '';
  });
  return {
    show(fake, mountView) {
      uninstall = install(fake);
      const mounted = mountView();
      w = mounted;
      return mounted;
    },
  };
}

export const FP = (c: string) => c.repeat(64).slice(0, 64);
export const NOW = '2026-11-23T08:00:00.000Z';

/** A port's driver fields as station.listPorts gives them for a port nobody chose a driver for. */
export const AUTO_DRIVER = { driver: 'auto', detectedDriver: null, driverRemembered: false } as const;
/** What station.provision says about a Custodian-protocol device's run: its driver and the proofs it gave. */
export const CUSTODIAN_PROOFS: { driver: 'custodian'; finalProof: 'challenge'; proofs: ('csr-signature' | 'read-back' | 'final-challenge')[] } = {
  driver: 'custodian', finalProof: 'challenge', proofs: ['csr-signature', 'read-back', 'final-challenge'],
};
