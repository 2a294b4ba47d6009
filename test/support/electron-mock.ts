/**
 * A minimal stand-in for the `electron` module, enough to run the main-process
 * shell under Node (the Electron binary is not available in CI). Each test
 * file calls `vi.mock('electron', () => createElectronMock())` via vi.hoisted.
 */
import { vi } from 'vitest';

type Handler = (...args: unknown[]) => unknown;

export class FakeEmitter {
  readonly handlers = new Map<string, Handler[]>();
  on = vi.fn((event: string, fn: Handler) => {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), fn]);
    return this;
  });
  once = this.on;
  emit(event: string, ...args: unknown[]): unknown[] {
    return (this.handlers.get(event) ?? []).map((fn) => fn(...args));
  }
}

export class FakeWebContents extends FakeEmitter {
  mainFrame = { url: 'app://custodian/index.html', name: 'main' };
  windowOpenHandler: Handler | null = null;
  setWindowOpenHandler = vi.fn((fn: Handler) => { this.windowOpenHandler = fn; });
  send = vi.fn();
  isDestroyed = vi.fn(() => false);
}

export function createElectronMock() {
  const windows: FakeBrowserWindow[] = [];
  class FakeBrowserWindow extends FakeEmitter {
    readonly webContents = new FakeWebContents();
    constructor(readonly options: Record<string, unknown>) {
      super();
      windows.push(this);
    }
    loadURL = vi.fn(async (_url: string) => undefined);
    show = vi.fn();
    focus = vi.fn();
    restore = vi.fn();
    isMinimized = vi.fn(() => false);
    isDestroyed = vi.fn(() => false);
  }
  const handles = new Map<string, Handler>();
  const ipcMain = {
    handle: vi.fn((channel: string, fn: Handler) => { handles.set(channel, fn); }),
    removeHandler: vi.fn((channel: string) => { handles.delete(channel); }),
  };
  const sessionState: { permissionRequest?: Handler; permissionCheck?: Handler; deviceCheck?: Handler; headers?: Handler } = {};
  const session = {
    defaultSession: {
      setPermissionRequestHandler: vi.fn((fn: Handler) => { sessionState.permissionRequest = fn; }),
      setPermissionCheckHandler: vi.fn((fn: Handler) => { sessionState.permissionCheck = fn; }),
      setDevicePermissionHandler: vi.fn((fn: Handler) => { sessionState.deviceCheck = fn; }),
      webRequest: { onHeadersReceived: vi.fn((fn: Handler) => { sessionState.headers = fn; }) },
    },
  };
  const protocol = { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() };
  const exposed = new Map<string, unknown>();
  const exposeCalls: string[] = [];
  const ipcRendererListeners = new Map<string, Set<Handler>>();
  const ipcRenderer = {
    invoke: vi.fn(async (_channel: string, _arg: unknown) => ({ ok: true, value: null })),
    on: vi.fn((channel: string, fn: Handler) => {
      if (!ipcRendererListeners.has(channel)) ipcRendererListeners.set(channel, new Set());
      ipcRendererListeners.get(channel)!.add(fn);
    }),
    removeListener: vi.fn((channel: string, fn: Handler) => { ipcRendererListeners.get(channel)?.delete(fn); }),
    send: vi.fn(),
  };
  return {
    BrowserWindow: FakeBrowserWindow,
    ipcMain,
    session,
    protocol,
    net: { fetch: vi.fn() },
    dialog: { showOpenDialog: vi.fn(), showSaveDialog: vi.fn() },
    Notification: Object.assign(vi.fn(), { isSupported: () => false }),
    contextBridge: { exposeInMainWorld: vi.fn((key: string, api: unknown) => { exposeCalls.push(key); exposed.set(key, api); }) },
    ipcRenderer,
    app: {},
    // test handles
    __test: { windows, handles, sessionState, exposed, exposeCalls, ipcRendererListeners },
  };
}

export type ElectronMock = ReturnType<typeof createElectronMock>;

export function createFakeApp(lock = true) {
  const app = new FakeEmitter() as FakeEmitter & Record<string, unknown>;
  let ready!: () => void;
  const readyPromise = new Promise<void>((r) => { ready = r; });
  Object.assign(app, {
    requestSingleInstanceLock: vi.fn(() => lock),
    quit: vi.fn(),
    whenReady: vi.fn(() => readyPromise),
    isPackaged: true,
    getVersion: () => '0.1.0-test',
    ready,
  });
  return app as unknown as FakeEmitter & {
    requestSingleInstanceLock: ReturnType<typeof vi.fn>;
    quit: ReturnType<typeof vi.fn>;
    whenReady: ReturnType<typeof vi.fn>;
    ready: () => void;
  };
}

/** Every property path whose value is a function, e.g. `authority.unlock`. */
export function functionPaths(obj: unknown, prefix = ''): string[] {
  if (typeof obj === 'function') return [prefix];
  if (!obj || typeof obj !== 'object') return [];
  return Object.keys(obj).flatMap((k) => functionPaths((obj as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k)).sort();
}
