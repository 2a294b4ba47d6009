/**
 * A minimal stand-in for the `electron` module, enough to run the main-process
 * shell under Node (the Electron binary is not available in CI). Each test
 * file calls `vi.mock('electron', () => createElectronMock())` via vi.hoisted.
 */
import { vi, type Mock } from 'vitest';

type AnyFn = (...args: any[]) => any;
/** vi.fn with a nameable type (declaration emit in the composite tsconfig). */
const fn = <T extends AnyFn = AnyFn>(impl?: T): Mock<T> => (impl ? vi.fn(impl) : vi.fn()) as unknown as Mock<T>;

type Handler = (...args: unknown[]) => unknown;

export class FakeEmitter {
  readonly handlers = new Map<string, Handler[]>();
  on = fn((event: string, fn: Handler) => {
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
  setWindowOpenHandler = fn((fn: Handler) => { this.windowOpenHandler = fn; });
  send = fn();
  isDestroyed = fn(() => false);
}

export function createElectronMock() {
  const windows: FakeBrowserWindow[] = [];
  class FakeBrowserWindow extends FakeEmitter {
    readonly webContents = new FakeWebContents();
    constructor(readonly options: Record<string, unknown>) {
      super();
      windows.push(this);
    }
    loadURL = fn(async (_url: string) => undefined);
    show = fn();
    focus = fn();
    restore = fn();
    isMinimized = fn(() => false);
    isDestroyed = fn(() => false);
  }
  const handles = new Map<string, Handler>();
  const ipcMain = {
    handle: fn((channel: string, fn: Handler) => { handles.set(channel, fn); }),
    removeHandler: fn((channel: string) => { handles.delete(channel); }),
  };
  const sessionState: { permissionRequest?: Handler; permissionCheck?: Handler; deviceCheck?: Handler; headers?: Handler } = {};
  const session = {
    defaultSession: {
      setPermissionRequestHandler: fn((fn: Handler) => { sessionState.permissionRequest = fn; }),
      setPermissionCheckHandler: fn((fn: Handler) => { sessionState.permissionCheck = fn; }),
      setDevicePermissionHandler: fn((fn: Handler) => { sessionState.deviceCheck = fn; }),
      webRequest: { onHeadersReceived: fn((fn: Handler) => { sessionState.headers = fn; }) },
    },
  };
  const protocol = { registerSchemesAsPrivileged: fn(), handle: fn() };
  const exposed = new Map<string, unknown>();
  const exposeCalls: string[] = [];
  const ipcRendererListeners = new Map<string, Set<Handler>>();
  const ipcRenderer = {
    invoke: fn(async (_channel: string, _arg: unknown) => ({ ok: true, value: null })),
    on: fn((channel: string, fn: Handler) => {
      if (!ipcRendererListeners.has(channel)) ipcRendererListeners.set(channel, new Set());
      ipcRendererListeners.get(channel)!.add(fn);
    }),
    removeListener: fn((channel: string, fn: Handler) => { ipcRendererListeners.get(channel)?.delete(fn); }),
    send: fn(),
  };
  return {
    BrowserWindow: FakeBrowserWindow,
    ipcMain,
    session,
    protocol,
    net: { fetch: fn() },
    dialog: { showOpenDialog: fn(), showSaveDialog: fn() },
    Notification: Object.assign(fn(), { isSupported: (): boolean => false }),
    contextBridge: { exposeInMainWorld: fn((key: string, api: unknown) => { exposeCalls.push(key); exposed.set(key, api); }) },
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
    requestSingleInstanceLock: fn(() => lock),
    enableSandbox: fn(),
    quit: fn(),
    whenReady: fn(() => readyPromise),
    isPackaged: true,
    getVersion: () => '0.1.0-test',
    ready,
  });
  return app as unknown as FakeEmitter & {
    requestSingleInstanceLock: ReturnType<typeof vi.fn>;
    enableSandbox: ReturnType<typeof vi.fn>;
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
