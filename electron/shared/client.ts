/**
 * Builds `window.custodian` from the method and event lists: one named
 * function per method (`custodian.authority.unlock`) and one named subscribe
 * function per event (`custodian.station.onProgress`). The preload (IPC) and
 * the test bridge client (HTTP + SSE) both use it, so the two transports
 * expose exactly the same shape. The transport stays private to the caller;
 * only the named functions are exposed.
 *
 * Loaded by the preload and the browser: no Node or electron imports here.
 */
import { EVENT_NAMES, METHOD_NAMES, eventProperty, methodProperty, type EventName, type MethodName } from './channels';
import type { CustodianApi } from './api';
import type { ApiResult } from './errors';

export interface ApiTransport {
  call(method: MethodName, arg: unknown): Promise<ApiResult<unknown>>;
  subscribe(event: EventName, listener: (payload: unknown) => void): () => void;
}

export function createCustodianApi(transport: ApiTransport): CustodianApi {
  const areas: Record<string, Record<string, unknown>> = {};
  for (const method of METHOD_NAMES) {
    const [area, fn] = methodProperty(method);
    (areas[area] ??= {})[fn] = (arg?: unknown) => transport.call(method, arg);
  }
  for (const event of EVENT_NAMES) {
    const [area, fn] = eventProperty(event);
    (areas[area] ??= {})[fn] = (listener: unknown) => {
      if (typeof listener !== 'function') throw new TypeError(`${fn} needs a listener function`);
      return transport.subscribe(event, (payload) => (listener as (p: unknown) => void)(payload));
    };
  }
  for (const area of Object.values(areas)) Object.freeze(area);
  return Object.freeze(areas) as unknown as CustodianApi;
}

/** The property paths of `window.custodian`, e.g. `authority.unlock`, `station.onProgress` (sorted). */
export function apiPropertyPaths(): string[] {
  return [
    ...METHOD_NAMES.map((m) => methodProperty(m).join('.')),
    ...EVENT_NAMES.map((e) => eventProperty(e).join('.')),
  ].sort();
}
