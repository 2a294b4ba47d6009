/**
 * One `ipcMain.handle` channel per station API method (names from
 * electron/shared/channels.ts). Each handler checks the sender, then hands
 * the unknown argument to the dispatcher, which validates it; handlers never
 * throw (a refused or failed call resolves to `{ok:false, error}`).
 * Events are pushed with `webContents.send` on named channels.
 */
import type { IpcMain, WebContents } from 'electron';
import { ApiCodes, EVENT_NAMES, METHOD_NAMES, describeError, eventChannel, methodChannel, type ApiResult } from '../shared/api';
import { dispatch, type DispatchLogger, type StationApiImpl } from '../core/service/dispatch';
import type { StationService } from '../core/service/station-service';
import type { SenderCheck } from './sender.main';

export function registerIpc(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, api: StationApiImpl, isTrustedSender: SenderCheck, log?: DispatchLogger): () => void {
  for (const method of METHOD_NAMES) {
    ipcMain.handle(methodChannel(method), async (event, arg: unknown): Promise<ApiResult<unknown>> => {
      if (!isTrustedSender(event)) {
        log?.({ method, code: ApiCodes.FORBIDDEN_SENDER });
        return { ok: false, error: { code: ApiCodes.FORBIDDEN_SENDER, message: describeError(ApiCodes.FORBIDDEN_SENDER), details: {} } };
      }
      return log ? dispatch(api, method, arg, { log }) : dispatch(api, method, arg);
    });
  }
  return () => {
    for (const method of METHOD_NAMES) ipcMain.removeHandler(methodChannel(method));
  };
}

/** Forward every service event to the window (payloads were schema-checked by the service). */
export function forwardEvents(service: Pick<StationService, 'on'>, getContents: () => WebContents | null): () => void {
  const offs = EVENT_NAMES.map((event) =>
    service.on(event, (payload) => {
      const contents = getContents();
      if (contents && !contents.isDestroyed()) contents.send(eventChannel(event), payload);
    }),
  );
  return () => offs.forEach((off) => off());
}
