/**
 * Preload (sandboxed, emitted as CommonJS). Exposes `window.custodian` with one
 * named function per station API method and one named subscribe function per
 * event — never a generic invoke, never ipcRenderer itself. The IPC event
 * object is not passed to the page, only the payload.
 *
 * Secrets never cross this bridge: no result schema carries a key or a
 * passphrase (electron/shared/api.ts); the passphrase only goes in.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { eventChannel, methodChannel } from '../shared/channels';
import { createCustodianApi } from '../shared/client';
import type { ApiResult } from '../shared/errors';

const api = createCustodianApi({
  call: (method, arg) => ipcRenderer.invoke(methodChannel(method), arg) as Promise<ApiResult<unknown>>,
  subscribe: (event, listener) => {
    const channel = eventChannel(event);
    const handler = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, handler);
    return () => {
      ipcRenderer.removeListener(channel, handler);
    };
  },
});

contextBridge.exposeInMainWorld('custodian', api);
