/**
 * End-to-end harness: the real renderer, built with the app's own renderer
 * config, served by the HTTP test bridge together with a station service, and
 * driven in Debian's Chromium through playwright-core.
 *
 *   const station = await startStation();          // bridge + service in a temp home
 *   const browser = await launchBrowser();
 *   const page = await openApp(browser, station.url, { theme: 'dark', route: '/ledger' });
 *   await shoot(page, 'ledger', 'dark');           // <SCREENSHOTS>/ledger-dark.png
 *
 * Each test file builds the renderer once into its own temp folder, so files
 * running in parallel never share an output directory.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, type InlineConfig } from 'vite';
import { ScriptedFilePicker, startBridge } from '../../electron/core/service/bridge';
import { createDefaultStationService, type DefaultServiceOptions } from '../../electron/core/service/compose';
import type { StationService } from '../../electron/core/service/station-service';
import type { AppStatus } from '../../electron/shared/api/app';
import { chromiumGate, chromiumPath } from './chromium';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/**
 * docs/screenshots when UPDATE_SCREENSHOTS=1 (to refresh the committed set),
 * otherwise test-results/screenshots, so an ordinary test run leaves the
 * working tree clean.
 */
export const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1'
  ? join(ROOT, 'docs', 'screenshots')
  : join(ROOT, 'test-results', 'screenshots');
export const CHROMIUM = chromiumPath();
export const VIEWPORT = { width: 1280, height: 800 } as const;
export type Theme = 'light' | 'dark';

let built: Promise<string> | undefined;

/** Build renderer/ with electron.vite.config.ts's renderer section into a fresh temp folder (once per process). */
export function buildRenderer(): Promise<string> {
  built ??= (async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'custodian-renderer-'));
    const config = (await import('../../electron.vite.config')).default as unknown as { renderer: InlineConfig };
    await build({
      ...config.renderer,
      configFile: false,
      logLevel: 'error',
      build: { ...config.renderer.build, outDir, emptyOutDir: true },
    });
    if (!existsSync(join(outDir, 'index.html'))) throw new Error('renderer build produced no index.html');
    return outDir;
  })();
  return built;
}

export interface Station {
  url: string;
  service: StationService;
  /** Queue what each file dialog "chooses": queueOpen/queueSave/queueDirectory(path | null). */
  files: ScriptedFilePicker;
  home: string;
  /** A scratch folder for files the test picks or exports. */
  scratch: string;
  status(): Promise<AppStatus>;
  close(): Promise<void>;
}

/**
 * A station service (every core module the default composition wires, plus
 * `deps` overrides) in a temp home, behind the HTTP test bridge.
 */
export async function startStation(
  deps: Omit<Partial<DefaultServiceOptions>, 'home' | 'platform'> = {}, prepare?: (home: string) => Promise<void>,
): Promise<Station> {
  const rendererDir = await buildRenderer();
  const dir = await mkdtemp(join(tmpdir(), 'custodian-e2e-'));
  const home = join(dir, 'home');
  const scratch = join(dir, 'files');
  await mkdir(scratch, { recursive: true });
  // The home as another tool left it (a CA imported with the CLI) before the service opens it.
  await prepare?.(home);
  const files = new ScriptedFilePicker();
  const service = createDefaultStationService({
    home,
    platform: { files, version: '0.1.0-e2e', platform: 'linux' },
    watchIntervalMs: 250,
    ...deps,
  });
  await service.start();
  const bridge = await startBridge({ service, rendererDir });
  return {
    url: bridge.url,
    service,
    files,
    home,
    scratch,
    async status() {
      const r = await service.api['app.status'](undefined);
      return r;
    },
    async close() {
      await bridge.close();
      await service.shutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** A fresh 1280×800 context in the given colour scheme, opened at `route` (hash routing). */
export async function openApp(browser: Browser, url: string, opts: { theme?: Theme; route?: string } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT, colorScheme: opts.theme ?? 'light', reducedMotion: 'reduce' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => {
    // Failed loads are reported with their URL below.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  (page as Page & { problems?: string[] }).problems = problems;
  await page.goto(`${url}/#${opts.route ?? '/'}`);
  await page.waitForSelector('header.bar');
  return page;
}

/** Uncaught errors and console errors the page reported (CSP violations included). */
export function problemsOf(page: Page): string[] {
  return (page as Page & { problems?: string[] }).problems ?? [];
}

/** Save <view>-<theme>.png in SCREENSHOTS (docs/screenshots with UPDATE_SCREENSHOTS=1). */
export async function shoot(page: Page, view: string, theme: Theme): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${view}-${theme}.png`);
  await page.screenshot({ path });
  return path;
}

export interface LedgerTiming {
  /** From navigating to the Ledger view until its first rows are on screen. */
  firstRowsMs: number;
  /** From jumping the scrollbar to the end until the last entry is on screen. */
  scrollToEndMs: number;
  /** Ledger index of the last row visible after the jump. */
  lastIndexShown: number;
  /** Rows in the DOM after the jump (should be about one screenful). */
  rowsInDom: number;
}

/**
 * Measure the Ledger view in the browser (performance.now in the page):
 * time to first rows, and time for a scroll to the end to show the last
 * entry. Bench code can call this with any page opened by openApp.
 */
export async function measureLedger(page: Page, expectedLastIndex: number): Promise<LedgerTiming> {
  await page.evaluate('location.hash = "#/station"');
  await page.waitForSelector('[data-testid="provision"]');
  return page.evaluate(`(${MEASURE_IN_PAGE})(${JSON.stringify(expectedLastIndex)})`) as Promise<LedgerTiming>;
}

/**
 * The in-page half of measureLedger, as plain JavaScript source: a function
 * passed to page.evaluate would be rewritten by the TS loader (esbuild adds
 * helpers such as __name that do not exist in the page).
 */
const MEASURE_IN_PAGE = `async (last) => {
  const until = (test, what) => new Promise((resolve, reject) => {
    const deadline = performance.now() + 15000;
    const tick = () => {
      if (test()) resolve();
      else if (performance.now() > deadline) reject(new Error('timed out waiting for ' + what));
      else requestAnimationFrame(tick);
    };
    tick();
  });
  const t0 = performance.now();
  location.hash = '#/ledger';
  await until(() => document.querySelector('[data-entry="0"]') !== null, 'the first row');
  const firstRowsMs = performance.now() - t0;

  const list = document.querySelector('[data-testid="vlist"]');
  if (!list) throw new Error('no ledger list');
  const t1 = performance.now();
  list.scrollTop = list.scrollHeight;
  await until(() => document.querySelector('[data-entry="' + last + '"]') !== null, 'the last entry');
  const scrollToEndMs = performance.now() - t1;

  const box = list.getBoundingClientRect();
  const visible = [...list.querySelectorAll('[data-entry]')].filter((el) => {
    const r = el.getBoundingClientRect();
    return r.bottom > box.top && r.top < box.bottom;
  });
  const lastIndexShown = Math.max(...visible.map((el) => Number(el.getAttribute('data-entry'))));
  return { firstRowsMs, scrollToEndMs, lastIndexShown, rowsInDom: list.querySelectorAll('.vrow').length };
}`;

/**
 * True when Chromium is installed (for the bench). The e2e files gate on
 * describeChromium (chromium.ts), which under CI fails instead of skipping.
 */
export const hasChromium = chromiumGate().run;
