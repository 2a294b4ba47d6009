/**
 * Process-boundary guard (also run as a test): electron/core must run under
 * plain Node, so it never imports `electron`; the renderer reaches the core only
 * through the station API, so it never imports Node built-ins or native modules.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const IMPORT_RE = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;

const NODE_BUILTINS = new Set([
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises',
  'http', 'http2', 'https', 'module', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream',
  'timers', 'tls', 'tty', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
]);
const NATIVE_OR_MAIN_ONLY = ['serialport', '@serialport/', 'electron', 'tsx'];

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
  return found;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const v = findBoundaryViolations();
  for (const x of v) console.error(`${x.file}: imports '${x.specifier}' (${x.rule})`);
  if (v.length) process.exit(1);
  console.log('process boundaries: ok');
}
