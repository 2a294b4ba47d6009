/**
 * App lifecycle: single instance, hardened session and window, one IPC
 * channel per method, event forwarding, CA locked on quit (also on SIGTERM
 * and SIGINT).
 */
import { BrowserWindow, ipcMain, session, type App } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDefaultStationService, defaultStationHome } from '../core/service/compose';
import type { StationService } from '../core/service/station-service';
import type { DispatchLogger } from '../core/service/dispatch';
import { registerAppScheme, serveRenderer } from './protocol.main';
import { forwardEvents, registerIpc } from './ipc.main';
import { electronFilePicker, notify } from './platform.main';
import { makeSenderCheck } from './sender.main';
import { APP_ENTRY, APP_ORIGIN, contentSecurityPolicy, hardenSession, hardenWebContents } from './security.main';

const here = fileURLToPath(new URL('.', import.meta.url));

export interface MainOptions {
  /** electron-vite dev server URL (dev only). */
  devUrl?: string | undefined;
  preloadPath?: string;
  rendererRoot?: string;
  /** For tests: supply the service instead of building the real one. */
  service?: StationService;
  /** Where refused and failed calls are reported (method and code only, never arguments). */
  log?: DispatchLogger;
  /** Where SIGTERM and SIGINT arrive (default: this process). */
  signals?: Pick<NodeJS.EventEmitter, 'on'>;
}

export function createMainWindow(preloadPath: string): BrowserWindow {
  return new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: 'Custodian',
    backgroundColor: '#111418',
    // Written out literally (not built by a helper) so reviewers and electronegativity see every value.
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // middle-click must not open links in new windows
      disableBlinkFeatures: 'Auxclick',
    },
  });
}

/** Returns false when another instance already runs (this one quits). */
export function bootstrap(electronApp: App, opts: MainOptions = {}): boolean {
  if (!electronApp.requestSingleInstanceLock()) {
    electronApp.quit();
    return false;
  }
  const devUrl = opts.devUrl ?? (electronApp.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL);
  const origin = devUrl ? new URL(devUrl).origin : APP_ORIGIN;
  const csp = contentSecurityPolicy(!!devUrl, devUrl ? origin : undefined);
  const preloadPath = opts.preloadPath ?? join(here, '../preload/index.cjs');
  const rendererRoot = opts.rendererRoot ?? join(here, '../renderer');

  // Every renderer this app ever creates is sandboxed, whatever its webPreferences say.
  electronApp.enableSandbox();
  if (!devUrl) registerAppScheme();

  let win: BrowserWindow | null = null;
  const contents = () => (win && !win.isDestroyed() ? win.webContents : null);

  const service = opts.service ?? createDefaultStationService({
    home: defaultStationHome(),
    platform: { files: electronFilePicker(() => win), notify, version: electronApp.getVersion(), platform: process.platform },
    verifyLedgerOnStart: true,
  });

  electronApp.on('web-contents-created', (_e, wc) => hardenWebContents(wc, origin));
  electronApp.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  let quitting = false;
  electronApp.on('before-quit', (event) => {
    if (quitting) return;
    event.preventDefault();
    quitting = true;
    void service.shutdown().finally(() => electronApp.quit());
  });
  electronApp.on('window-all-closed', () => electronApp.quit());
  // A signal quits like the menu does: before-quit shuts the service down (the device in flight ends, the ledger closes).
  for (const sig of ['SIGTERM', 'SIGINT'] as const) (opts.signals ?? process).on(sig, () => electronApp.quit());

  void electronApp.whenReady().then(async () => {
    hardenSession(session.defaultSession, csp);
    if (!devUrl) serveRenderer(rendererRoot, csp);
    registerIpc(ipcMain, service.api, makeSenderCheck(contents, origin), opts.log ?? (({ method, code }) => {
      console.warn(`[station api] ${method} → ${code}`);
    }));
    forwardEvents(service, contents);
    await service.start();
    win = createMainWindow(preloadPath);
    win.once('ready-to-show', () => win?.show());
    win.on('closed', () => {
      win = null;
    });
    await win.loadURL(devUrl ?? APP_ENTRY);
  });
  return true;
}
