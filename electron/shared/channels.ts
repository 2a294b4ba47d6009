/**
 * The single list of station API names (Mattermost-style: one module owns
 * every channel). zod-free so the sandboxed preload can import it cheaply.
 * `api.ts` checks at compile time that these lists match the schema tables,
 * and the preload and the test bridge are generated from them.
 */

export const METHOD_NAMES = [
  'app.status',
  'authority.status',
  'authority.unlock',
  'authority.lock',
  'authority.chain',
  'authority.initRoot',
  'authority.createRequest',
  'authority.signSubordinate',
  'authority.importBundle',
  'authority.verificationCert',
  'authority.exportChain',
  'authority.createDemoAuthority',
  'station.status',
  'station.listPorts',
  'station.provision',
  'station.setAutoMode',
  'station.setPortDriver',
  'station.resetCounters',
  'station.resume',
  'station.line',
  'station.setHeadAuto',
  'ledger.page',
  'ledger.search',
  'ledger.entry',
  'ledger.exportAuditBundle',
  'ledger.exportProof',
  'ledger.verify',
  'ledger.revoke',
  'settings.get',
  'settings.update',
  'simulator.status',
  'simulator.start',
  'simulator.stop',
  'files.open',
  'files.save',
  'files.pickDirectory',
  'workOrders.list',
  'workOrders.import',
] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

export const EVENT_NAMES = [
  'station.progress',
  'station.device',
  'station.counters',
  'station.halted',
  'station.head',
  'authority.lockState',
  'ledger.appended',
  'ledger.verification',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** IPC channel for a method (ipcMain.handle / ipcRenderer.invoke). */
export const methodChannel = (m: MethodName): string => `custodian:${m}`;
/** IPC channel for an event (webContents.send / ipcRenderer.on). */
export const eventChannel = (e: EventName): string => `custodian:event:${e}`;

/** `authority.unlock` → ['authority', 'unlock']: window.custodian.authority.unlock */
export function methodProperty(m: MethodName): [area: string, fn: string] {
  const dot = m.indexOf('.');
  return [m.slice(0, dot), m.slice(dot + 1)];
}

/** `station.progress` → ['station', 'onProgress']: window.custodian.station.onProgress */
export function eventProperty(e: EventName): [area: string, fn: string] {
  const dot = e.indexOf('.');
  const name = e.slice(dot + 1);
  return [e.slice(0, dot), `on${name.charAt(0).toUpperCase()}${name.slice(1)}`];
}

const METHOD_SET: ReadonlySet<string> = new Set(METHOD_NAMES);
export function isMethodName(s: unknown): s is MethodName {
  return typeof s === 'string' && METHOD_SET.has(s);
}
const EVENT_SET: ReadonlySet<string> = new Set(EVENT_NAMES);
export function isEventName(s: unknown): s is EventName {
  return typeof s === 'string' && EVENT_SET.has(s);
}
