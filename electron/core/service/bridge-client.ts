/**
 * The browser-side client of the HTTP test bridge, served at /bridge-client.js
 * (and injected into index.html by the bridge). It defines `window.custodian`
 * with the same named functions as the Electron preload: the property names
 * come from the same lists and naming rules (electron/shared/channels.ts), and
 * a test checks that both transports expose exactly the same paths.
 */
import { EVENT_NAMES, METHOD_NAMES, eventProperty, methodProperty } from '../../shared/channels';

export function bridgeClientScript(): string {
  const methods = METHOD_NAMES.map((m) => [m, ...methodProperty(m)]);
  const events = EVENT_NAMES.map((e) => [e, ...eventProperty(e)]);
  return `(() => {
  'use strict';
  const METHODS = ${JSON.stringify(methods)};
  const EVENTS = ${JSON.stringify(events)};
  const listeners = new Map();
  let source = null;
  function ensureSource() {
    if (source) return;
    source = new EventSource('/events');
    for (const [name] of EVENTS) {
      source.addEventListener(name, (e) => {
        let payload;
        try { payload = JSON.parse(e.data); } catch { return; }
        for (const l of listeners.get(name) || []) { try { l(payload); } catch (err) { console.error(err); } }
      });
    }
  }
  async function call(method, arg) {
    try {
      const res = await fetch('/api/' + method, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(arg === undefined ? {} : { arg }),
      });
      return await res.json();
    } catch (err) {
      return { ok: false, error: { code: 'INTERNAL', message: 'The station could not be reached.', details: {} } };
    }
  }
  const api = {};
  for (const [method, area, fn] of METHODS) {
    (api[area] = api[area] || {})[fn] = (arg) => call(method, arg);
  }
  for (const [event, area, fn] of EVENTS) {
    (api[area] = api[area] || {})[fn] = (listener) => {
      if (typeof listener !== 'function') throw new TypeError(fn + ' needs a listener function');
      ensureSource();
      if (!listeners.has(event)) listeners.set(event, new Set());
      const wrapped = (p) => listener(p);
      listeners.get(event).add(wrapped);
      return () => { listeners.get(event).delete(wrapped); };
    };
  }
  for (const area of Object.values(api)) Object.freeze(area);
  Object.defineProperty(window, 'custodian', { value: Object.freeze(api), writable: false, configurable: false, enumerable: true });
})();
`;
}
