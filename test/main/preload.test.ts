import { describe, expect, it, vi } from 'vitest';
import { EVENT_NAMES, METHOD_NAMES, eventChannel, methodChannel, type CustodianApi } from '../../electron/shared/api';
import { apiPropertyPaths } from '../../electron/shared/client';
import { functionPaths, type ElectronMock } from '../support/electron-mock';

const electron = vi.hoisted(() => ({ mock: null as unknown as ElectronMock }));
vi.mock('electron', async () => {
  const { createElectronMock } = await import('../support/electron-mock');
  electron.mock = createElectronMock();
  return electron.mock;
});

await import('../../electron/preload/index');

describe('preload (electron mocked)', () => {
  const t = () => electron.mock.__test;
  const api = () => t().exposed.get('custodian') as CustodianApi;

  it('exposes only window.custodian, with one named function per method and per event', () => {
    expect(t().exposeCalls).toEqual(['custodian']);
    expect(functionPaths(api())).toEqual(apiPropertyPaths());
    expect(functionPaths(api())).toHaveLength(METHOD_NAMES.length + EVENT_NAMES.length);
    const flat = JSON.stringify(functionPaths(api()));
    expect(flat).not.toMatch(/invoke|ipcRenderer|"send"|\.send"/);
    expect(Object.isFrozen(api())).toBe(true);
  });

  it('each method function invokes only its own channel with the argument', async () => {
    const invoke = electron.mock.ipcRenderer.invoke;
    invoke.mockClear();
    await api().authority.unlock({ passphrase: 'pw' });
    await api().ledger.page({ start: 0, count: 5 });
    await api().app.status();
    expect(invoke.mock.calls).toEqual([
      [methodChannel('authority.unlock'), { passphrase: 'pw' }],
      [methodChannel('ledger.page'), { start: 0, count: 5 }],
      [methodChannel('app.status'), undefined],
    ]);
  });

  it('subscriptions deliver the payload only (never the IPC event) and can be removed', () => {
    const listener = vi.fn();
    const off = api().station.onProgress(listener);
    const channel = eventChannel('station.progress');
    const handlers = [...(t().ipcRendererListeners.get(channel) ?? [])];
    expect(handlers).toHaveLength(1);
    const ipcEvent = { sender: { send: () => 0 }, ports: [] };
    handlers[0]!(ipcEvent, { runId: 'r' });
    expect(listener).toHaveBeenCalledWith({ runId: 'r' });
    expect(listener.mock.calls[0]).toHaveLength(1);
    off();
    expect(t().ipcRendererListeners.get(channel)?.size).toBe(0);
    expect(() => (api().station.onProgress as (l: unknown) => void)('not a function')).toThrow(TypeError);
  });
});
