/**
 * The real electron-vite build (into a temp folder): the sandboxed preload is
 * one CommonJS file that requires nothing but `electron`, and the main bundle
 * evaluates under Node with `electron` stubbed, taking the single-instance
 * lock and registering the app:// scheme before anything else.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let out: string;

beforeAll(async () => {
  // Inside the repo so the main bundle resolves its external dependencies from node_modules.
  mkdirSync(join(ROOT, 'node_modules', '.tmp'), { recursive: true });
  out = mkdtempSync(join(ROOT, 'node_modules', '.tmp', 'custodian-build-'));
  const { build } = await import('electron-vite');
  process.env.CUSTODIAN_OUT_DIR = out;
  try {
    await build({ configFile: join(ROOT, 'electron.vite.config.ts'), root: ROOT, logLevel: 'silent' });
  } finally {
    delete process.env.CUSTODIAN_OUT_DIR;
  }
}, 180_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('electron-vite build', () => {
  it('emits the preload as a single CommonJS file requiring only electron', () => {
    const preload = readFileSync(join(out, 'preload', 'index.cjs'), 'utf8');
    const requires = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(requires).toEqual(['electron']);
    expect(preload).not.toMatch(/^\s*import\s|^\s*export\s/m);
    expect(preload).toContain('exposeInMainWorld');
    expect(preload).toContain('"authority.unlock"');
    expect(preload).not.toMatch(/ipcRenderer\.send\b|sendSync/);
  });

  it('loads the main bundle under Node with electron stubbed', () => {
    const stubDir = mkdtempSync(join(tmpdir(), 'custodian-stub-'));
    try {
      const stub = join(stubDir, 'electron.mjs');
      writeFileSync(stub, `
        const calls = []; const noop = () => {};
        export const app = { requestSingleInstanceLock: () => { calls.push('lock'); return true; }, enableSandbox: () => calls.push('sandbox'), quit: () => calls.push('quit'),
          on: (e) => calls.push('on:' + e), isPackaged: true, getVersion: () => '0.0.0', whenReady: () => new Promise(() => {}) };
        export const BrowserWindow = class {}; export const ipcMain = { handle: noop, removeHandler: noop }; export const session = {};
        export const protocol = { registerSchemesAsPrivileged: (s) => calls.push('scheme:' + s.map((x) => x.scheme + (x.privileges.secure ? '+secure' : ''))), handle: noop };
        export const net = {}; export const dialog = {}; export const Notification = class {};
        process.on('exit', () => process.stdout.write(JSON.stringify(calls)));`);
      writeFileSync(join(stubDir, 'hooks.mjs'), `export async function resolve(s, c, next) { return s === 'electron' ? { url: ${JSON.stringify(pathToFileURL(stub).href)}, shortCircuit: true } : next(s, c); }`);
      writeFileSync(join(stubDir, 'register.mjs'), `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(join(stubDir, 'hooks.mjs')).href)});`);
      const stdout = execFileSync(process.execPath, ['--import', pathToFileURL(join(stubDir, 'register.mjs')).href, '-e',
        `import(${JSON.stringify(pathToFileURL(join(out, 'main', 'index.js')).href)}).then(() => setTimeout(() => process.exit(0), 100))`], {
        cwd: ROOT, env: { ...process.env, CUSTODIAN_HOME: join(stubDir, 'home') }, encoding: 'utf8', timeout: 30_000,
      });
      const calls = JSON.parse(stdout) as string[];
      expect(calls[0]).toBe('lock');
      expect(calls).toContain('sandbox');
      expect(calls).toContain('scheme:app+secure');
      expect(calls).toEqual(expect.arrayContaining(['on:web-contents-created', 'on:before-quit', 'on:second-instance']));
      expect(calls).not.toContain('quit');
    } finally {
      rmSync(stubDir, { recursive: true, force: true });
    }
  });

  it('builds the renderer entry from renderer/index.html', () => {
    expect(readFileSync(join(out, 'renderer', 'index.html'), 'utf8')).toMatch(/<script type="module" crossorigin src="\.?\/assets\/index-[\w-]+\.js">/);
  });
});
