/**
 * `window.custodian` as the preload (electron/preload/index.ts) and the test
 * bridge client expose it. Included by tsconfig.web.json so the renderer sees
 * the API's types but nothing from Node or electron.
 */
import type { CustodianApi } from '../shared/api';

declare global {
  interface Window {
    readonly custodian: CustodianApi;
  }
}

export {};
