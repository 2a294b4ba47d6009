/**
 * The station API contract: ONE method table. Each method has a stable name
 * (`area.verb`), a zod schema for its argument and one for its result.
 *
 * The renderer calls `window.custodian.<area>.<verb>(arg)` and gets an
 * `ApiResult` (`{ok:true,value}` or `{ok:false,error:{code,message,details}}`);
 * it subscribes with `window.custodian.<area>.on<Event>(listener)`, which
 * returns an unsubscribe function.
 *
 * Secrets rule: the CA private key and the passphrase never appear in any
 * result schema. Result schemas strip unknown fields; PEM fields accept
 * certificates/requests only; the dispatcher rejects any result that still
 * mentions a private key.
 */
import type { z } from 'zod';
import { appMethods } from './api/app';
import { authorityMethods } from './api/authority';
import { stationMethods } from './api/station';
import { lineMethods } from './api/line';
import { ledgerMethods } from './api/ledger';
import { settingsMethods } from './api/settings';
import { simulatorMethods } from './api/simulator';
import { filesMethods } from './api/files';
import { workOrderMethods } from './api/work-orders';
import { EVENTS } from './events';
import type { EventName, MethodName } from './channels';
import type { ApiResult } from './errors';

export const METHODS = {
  ...appMethods,
  ...authorityMethods,
  ...stationMethods,
  ...lineMethods,
  ...ledgerMethods,
  ...settingsMethods,
  ...simulatorMethods,
  ...filesMethods,
  ...workOrderMethods,
} as const;
export { EVENTS };

export type MethodTable = typeof METHODS;
export type MethodInput<M extends MethodName> = z.input<MethodTable[M]['input']>;
/** The argument after parsing (defaults applied): what the service receives. */
export type MethodArg<M extends MethodName> = z.output<MethodTable[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<MethodTable[M]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof EVENTS)[E]>;

// Compile-time check: channels.ts lists exactly the methods and events defined here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const methodsMatch: Same<keyof MethodTable, MethodName> = true;
const eventsMatch: Same<keyof typeof EVENTS, EventName> = true;
void methodsMatch;
void eventsMatch;

export type MethodFn<M extends MethodName> = undefined extends MethodInput<M>
  ? (arg?: MethodInput<M>) => Promise<ApiResult<MethodOutput<M>>>
  : (arg: MethodInput<M>) => Promise<ApiResult<MethodOutput<M>>>;
export type Unsubscribe = () => void;
export type SubscribeFn<E extends EventName> = (listener: (payload: EventPayload<E>) => void) => Unsubscribe;

type AreaOf<N extends string> = N extends `${infer A}.${string}` ? A : never;
export type ApiArea = AreaOf<MethodName>;

/** The type of `window.custodian`, identical on Electron IPC and the test bridge. */
export type CustodianApi = {
  readonly [A in ApiArea]: {
    readonly [N in MethodName as N extends `${A}.${infer F}` ? F : never]: MethodFn<N>;
  } & {
    readonly [E in EventName as E extends `${A}.${infer F}` ? `on${Capitalize<F>}` : never]: SubscribeFn<E>;
  };
};

export * from './channels';
export * from './errors';
