/**
 * Boundary guard (also run as a test).
 * Processes: electron/core must run under plain Node, so it never imports
 * `electron`; the renderer reaches the core only through the station API, so it
 * never imports Node built-ins or native modules.
 * Core layers (CORE_LAYERS): each folder of electron/core may import only the
 * folders listed for it, so a wrong import fails `npm test`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const IMPORT_RE = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;

const NODE_BUILTINS = new Set([
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises',
  'http', 'http2', 'https', 'module', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream',
  'timers', 'tls', 'tty', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
]);
const NATIVE_OR_MAIN_ONLY = ['serialport', '@serialport/', 'pkcs11js', 'electron', 'tsx'];

/**
 * Which other electron/core folders each core folder may import (files at the
 * core's top level, errors.ts, pid-lock.ts, bounded-read.ts and input-codes.ts,
 * and electron/shared are open to all). A folder not listed here may import
 * any core folder but `service`, `line`, and neither cli nor main. `device/client` is the device
 * capability interface the workflow is written against; every other device
 * module is an implementation.
 */
export const CORE_LAYERS: Readonly<Record<string, readonly string[]>> = {
  pki: [],
  vault: [],
  // PKCS#11 tokens: owns the native module (pkcs11js); knows keys and signatures, not certificates or the authority.
  token: ['pki'],
  // The workflow refuses outside a work order's bounds with the work orders' own codes.
  station: ['pki', 'device/client', 'workorder/codes'],
  device: ['pki'],
  // The ledger implements the workflow's recorder and the authority's journal: those contracts only.
  ledger: ['pki', 'station/recorder', 'station/proofs', 'authority/journal', 'authority/events'],
  authority: ['pki', 'vault', 'token'],
  simulator: ['pki', 'device'],
  hub: ['pki'],
  // Certificate lifecycle: revocation, CRLs, renewal; reads the ledger, signs CRLs with the authority's issuer.
  lifecycle: ['pki', 'ledger', 'authority', 'station'],
  // Work orders: signed bounds on a station's signing; checks them against a root and CA chain it is handed, never the authority itself.
  workorder: ['pki', 'vault'],
  line: ['pki', 'vault', 'token', 'station', 'device', 'ledger', 'authority', 'simulator', 'hub', 'lifecycle', 'workorder'],
  service: ['pki', 'vault', 'token', 'station', 'device', 'ledger', 'authority', 'simulator', 'hub', 'line', 'lifecycle', 'workorder'],
};

/** The core folder (and, for device, the module) a path inside electron/core names, or null at the top level. */
function coreTarget(coreDir: string, file: string): { folder: string; module: string } | null {
  const rel = relative(coreDir, file);
  if (rel.startsWith('..')) return null;
  const parts = rel.split(sep);
  if (parts.length < 2) return null;
  return { folder: parts[0]!, module: `${parts[0]}/${parts[1]!.replace(/\.(ts|js)$/, '')}` };
}

function layerAllows(from: string, to: { folder: string; module: string }): boolean {
  if (from === to.folder) return true;
  const allowed = CORE_LAYERS[from];
  if (!allowed) return to.folder !== 'service' && to.folder !== 'line';
  return allowed.includes(to.folder) || allowed.includes(to.module);
}

export interface BoundaryViolation { file: string; specifier: string; rule: string }

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (/\.(ts|tsx|vue|js|mjs)$/.test(name)) yield p;
  }
}

function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3] ?? m[4];
    if (spec) out.push(spec);
  }
  return out;
}

export function findBoundaryViolations(root = ROOT): BoundaryViolation[] {
  const found: BoundaryViolation[] = [];
  const check = (dir: string, rule: string, bad: (spec: string) => boolean) => {
    let files: string[];
    try { files = [...walk(join(root, dir))]; } catch { return; }
    for (const file of files) {
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        if (bad(spec)) found.push({ file: relative(root, file), specifier: spec, rule });
      }
    }
  };
  check('electron/core', 'electron/core must not import electron', (s) => s === 'electron' || s.startsWith('electron/'));
  check('electron/shared', 'electron/shared is loaded by the renderer: no electron or Node imports',
    (s) => s === 'electron' || s.startsWith('node:') || NODE_BUILTINS.has(s));
  check('renderer', 'renderer must not import Node built-ins or native modules',
    (s) => s.startsWith('node:') || NODE_BUILTINS.has(s) || NATIVE_OR_MAIN_ONLY.some((p) => s === p || s.startsWith(p))
      || /(^|\/)electron\/(core|main|cli)(\/|$)/.test(s));
  const coreDir = join(root, 'electron/core');
  let coreFiles: string[] = [];
  try { coreFiles = [...walk(coreDir)]; } catch { /* no core in this tree */ }
  for (const file of coreFiles) {
    const from = coreTarget(coreDir, file);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      const top = relative(join(root, 'electron'), target).split(sep)[0];
      if (top === 'cli' || top === 'main' || top === 'preload') {
        found.push({ file: relative(root, file), specifier: spec, rule: 'electron/core must not import the CLI or the Electron shell' });
        continue;
      }
      if (!from) continue;
      const to = coreTarget(coreDir, target);
      if (to && !layerAllows(from.folder, to)) {
        found.push({ file: relative(root, file), specifier: spec, rule: `electron/core/${from.folder} may import only ${(CORE_LAYERS[from.folder] ?? ['any core folder but service and line']).join(', ') || 'no other core folder'}` });
      }
    }
  }
  return found;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const v = findBoundaryViolations();
  for (const x of v) console.error(`${x.file}: imports '${x.specifier}' (${x.rule})`);
  if (v.length) process.exit(1);
  console.log('process boundaries: ok');
}
