import { EventEmitter } from 'node:events';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiCodes, METHOD_NAMES, methodChannel, type ApiResult } from '../../electron/shared/api';
import type { StationApiImpl } from '../../electron/core/service/dispatch';
import type { StationService } from '../../electron/core/service/station-service';
import { SAMPLE_RESULTS, validArg } from '../support/api-samples';
import { createFakeApp, FakeWebContents, type ElectronMock } from '../support/electron-mock';

const electron = vi.hoisted(() => ({ mock: null as unknown as ElectronMock }));
vi.mock('electron', async () => {
  const { createElectronMock } = await import('../support/electron-mock');
  electron.mock = createElectronMock();
  return electron.mock;
});

const { bootstrap } = await import('../../electron/main/app.main');
const { APP_ENTRY } = await import('../../electron/main/security.main');
const { resolveAppPath } = await import('../../electron/main/protocol.main');

function fakeService() {
  const api = Object.fromEntries(METHOD_NAMES.map((m) => [m, vi.fn(async () => SAMPLE_RESULTS[m])])) as unknown as StationApiImpl & Record<string, ReturnType<typeof vi.fn>>;
  const service = { api, on: vi.fn(() => () => undefined), start: vi.fn(async () => undefined), shutdown: vi.fn(async () => undefined) };
  return service as typeof service & StationService;
}

const logged: { method: string; code: string }[] = [];
async function boot() {
  logged.length = 0;
  const t = electron.mock.__test;
  t.windows.length = 0;
  t.handles.clear();
  const app = createFakeApp(true);
  const service = fakeService();
  const signals = new EventEmitter();
  expect(bootstrap(app as never, { service, signals, preloadPath: '/opt/custodian/preload/index.cjs', rendererRoot: '/opt/custodian/renderer', log: (e) => logged.push(e) })).toBe(true);
  app.ready();
  await vi.waitFor(() => expect(t.windows[0]?.loadURL).toHaveBeenCalled());
  const win = t.windows[0]!;
  const invoke = (method: string, arg: unknown, event: unknown = { sender: win.webContents, senderFrame: win.webContents.mainFrame }) =>
    t.handles.get(methodChannel(method as never))!(event, arg) as Promise<ApiResult<unknown>>;
  return { app, service, win, invoke, t, signals };
}

describe('main process shell (electron mocked)', () => {
  beforeEach(() => vi.clearAllMocks());

  it('creates the window isolated, sandboxed, without Node, with web security and no webview', async () => {
    const { win } = await boot();
    expect(win.options.webPreferences).toMatchObject({
      preload: '/opt/custodian/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(win.loadURL).toHaveBeenCalledWith(APP_ENTRY);
  });

  it('enables the sandbox for every renderer, before the app is ready', async () => {
    const { app } = await boot();
    expect(app.enableSandbox).toHaveBeenCalledTimes(1);
    expect(app.enableSandbox.mock.invocationCallOrder[0]!).toBeLessThan(app.whenReady.mock.invocationCallOrder[0]!);
  });

  it('requests the single-instance lock and quits without a window when another instance runs', async () => {
    const ok = await boot();
    expect(ok.app.requestSingleInstanceLock).toHaveBeenCalled();

    const t = electron.mock.__test;
    t.windows.length = 0;
    t.handles.clear();
    const second = createFakeApp(false);
    expect(bootstrap(second as never, { service: fakeService() })).toBe(false);
    expect(second.quit).toHaveBeenCalled();
    second.ready();
    await new Promise((r) => setTimeout(r, 10));
    expect(t.windows).toHaveLength(0);
    expect(t.handles.size).toBe(0);
  });

  it('registers exactly one IPC channel per API method', async () => {
    const { t } = await boot();
    expect([...t.handles.keys()].sort()).toEqual(METHOD_NAMES.map(methodChannel).sort());
  });

  it('answers a call from the station window main frame', async () => {
    const { invoke, service } = await boot();
    const r = await invoke('authority.status', undefined);
    expect(r).toEqual({ ok: true, value: SAMPLE_RESULTS['authority.status'] });
    expect(service.api['authority.status']).toHaveBeenCalledTimes(1);
  });

  it('refuses calls from a sub-frame, another webContents, a foreign URL or a gone frame — the core is never reached', async () => {
    const { invoke, win, service } = await boot();
    const subFrame = { url: 'app://custodian/index.html', name: 'child' };
    const other = new FakeWebContents();
    const foreignMain = win.webContents.mainFrame;
    const cases = [
      { sender: win.webContents, senderFrame: subFrame },
      { sender: other, senderFrame: other.mainFrame },
      { sender: win.webContents, senderFrame: null },
    ];
    for (const event of cases) {
      const r = await invoke('authority.unlock', { passphrase: 'x' }, event);
      expect(r.ok || r.error.code).toBe(ApiCodes.FORBIDDEN_SENDER);
    }
    foreignMain.url = 'https://evil.example/index.html';
    const r = await invoke('authority.unlock', { passphrase: 'x' });
    expect(r.ok || r.error.code).toBe(ApiCodes.FORBIDDEN_SENDER);
    foreignMain.url = 'app://custodian/index.html';
    expect(service.api['authority.unlock']).not.toHaveBeenCalled();
    expect(logged).toEqual(Array(4).fill({ method: 'authority.unlock', code: ApiCodes.FORBIDDEN_SENDER }));
  });

  it('returns a schema error for an invalid argument and never reaches the core', async () => {
    const { invoke, service } = await boot();
    for (const m of METHOD_NAMES) {
      const r = await invoke(m, { definitely: 'not valid', passphrase: 42 });
      expect(r.ok || r.error.code, m).toBe(ApiCodes.INVALID_ARGUMENT);
    }
    for (const m of METHOD_NAMES) expect(service.api[m], m).not.toHaveBeenCalled();
    const good = await invoke('ledger.page', validArg('ledger.page'));
    expect(good.ok).toBe(true);
  });

  it('blocks navigation away from the app, new windows and webviews', async () => {
    const { app } = await boot();
    const wc = new FakeWebContents();
    app.emit('web-contents-created', {}, wc);
    const nav = (url: string) => {
      const ev = { preventDefault: vi.fn() };
      wc.emit('will-navigate', ev, url);
      return ev.preventDefault.mock.calls.length > 0;
    };
    expect(nav('https://evil.example/')).toBe(true);
    expect(nav('file:///etc/passwd')).toBe(true);
    expect(nav('app://other/index.html')).toBe(true);
    expect(nav('app://custodian/index.html#/ledger')).toBe(false);
    const redirect = { preventDefault: vi.fn() };
    wc.emit('will-redirect', redirect, 'https://evil.example/');
    expect(redirect.preventDefault).toHaveBeenCalled();
    expect(wc.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(wc.windowOpenHandler?.({ url: 'app://custodian/index.html' })).toEqual({ action: 'deny' });
    const webview = { preventDefault: vi.fn() };
    wc.emit('will-attach-webview', webview, {}, {});
    expect(webview.preventDefault).toHaveBeenCalled();
  });

  it('denies every permission request and check, and sends a strict CSP header', async () => {
    const { t } = await boot();
    const cb = vi.fn();
    t.sessionState.permissionRequest!({}, 'media', cb);
    t.sessionState.permissionRequest!({}, 'notifications', cb);
    expect(cb.mock.calls).toEqual([[false], [false]]);
    expect(t.sessionState.permissionCheck!({}, 'serial')).toBe(false);
    expect(t.sessionState.deviceCheck!({})).toBe(false);
    const headers = vi.fn();
    t.sessionState.headers!({ responseHeaders: { 'X-A': ['1'] } }, headers);
    const csp = headers.mock.calls[0]![0].responseHeaders['Content-Security-Policy'][0] as string;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-eval|unsafe-inline/);
  });

  it('locks the CA (service shutdown) before quitting', async () => {
    const { app, service } = await boot();
    const ev = { preventDefault: vi.fn() };
    app.emit('before-quit', ev);
    expect(ev.preventDefault).toHaveBeenCalled();
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalled());
    expect(service.shutdown).toHaveBeenCalledTimes(1);
    expect(service.shutdown.mock.invocationCallOrder[0]!).toBeLessThan(app.quit.mock.invocationCallOrder[0]!);
    app.emit('before-quit', { preventDefault: vi.fn() }); // second pass lets the quit through
    expect(service.shutdown).toHaveBeenCalledTimes(1);
  });

  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`quits on ${sig} the way the menu does: the service shuts down (device in flight, ledger closed) before the app exits`, async () => {
      const { app, service, signals } = await boot();
      expect(app.quit).not.toHaveBeenCalled();
      signals.emit(sig);
      expect(app.quit).toHaveBeenCalledTimes(1);
      // Electron answers app.quit() with before-quit: the shell holds the quit until the service has shut down.
      const ev = { preventDefault: vi.fn() };
      app.emit('before-quit', ev);
      expect(ev.preventDefault).toHaveBeenCalled();
      await vi.waitFor(() => expect(app.quit).toHaveBeenCalledTimes(2));
      expect(service.shutdown).toHaveBeenCalledTimes(1);
    });
  }

  it('serves only files inside the renderer folder', () => {
    expect(resolveAppPath('/r', '/index.html')).toBe('/r/index.html');
    expect(resolveAppPath('/r', '/')).toBe('/r/index.html');
    expect(resolveAppPath('/r', '/../etc/passwd')).toBeNull();
    expect(resolveAppPath('/r', '/%2e%2e/etc/passwd')).toBeNull();
    expect(resolveAppPath('/r', '/assets/%E0%A4%A')).toBeNull();
  });
});
