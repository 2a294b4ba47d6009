/**
 * Security lint for the Electron app with @doyensec/electronegativity.
 *
 *   npx tsx scripts/electronegativity.ts            (exit 1 on unjustified findings)
 *
 * Scans electron/ and renderer/ (TypeScript, Vue-built HTML, package.json
 * for the Electron version). Any finding rated MEDIUM or higher fails the run
 * unless electronegativity-justifications.json names its check id and file
 * with a reason; a justification that no longer matches anything also fails,
 * so the file cannot rot.
 *
 * Offline by design (CI has no general internet):
 *  - electronegativity fetches UI translations from a public bucket on every
 *    run (no flag to turn it off); we hand it a stub HTTP client that fails
 *    at once, and it falls back to its bundled English strings;
 *  - AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK downloads Electron's release list
 *    to compare versions; it is excluded (`excludeFromScan`), as the CLI's
 *    `-x AvailableSecurityFixesGlobalCheck` would. Electron updates are
 *    tracked through package.json like any other dependency.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCAN_DIRS = ['electron', 'renderer'];
export const EXCLUDED_CHECKS = ['AvailableSecurityFixesGlobalCheck'];
const FAIL_AT = 2; // electronegativity severity values: 0 informational, 1 low, 2 medium, 3 high

export interface Finding { id: string; file: string; line: number; severity: string; severityValue: number; confidence: string; description: string }
export interface Justification { id: string; file: string; reason: string }

interface RawIssue {
  id: string; file: string; location: { line: number; column: number };
  severity: { name: string; value: number }; confidence: { name: string }; description: string;
}

type Runner = (options: Record<string, unknown>) => Promise<{ issues: RawIssue[]; errors: { file: string; message: string; tolerable?: boolean }[] }>;

/** Requests electronegativity tried to make (all refused by the stub). */
export const blockedRequests: string[] = [];

function loadRunner(): Runner {
  const req = createRequire(join(ROOT, 'package.json'));
  const runnerPath = req.resolve('@doyensec/electronegativity/dist/runner.js');
  const enReq = createRequire(runnerPath);
  // Stub the HTTP client electronegativity uses (i18n download): no network, immediate fallback.
  for (const from of [runnerPath, enReq.resolve('./locales/i18n.js')]) {
    const gotPath = createRequire(from).resolve('got');
    const offline = Object.assign((url: unknown) => {
      blockedRequests.push(String(url));
      return Promise.reject(new Error('network disabled for electronegativity'));
    }, { default: undefined as unknown });
    offline.default = offline;
    req.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: offline } as unknown as NodeJS.Module;
  }
  const mod = req(runnerPath) as { default?: Runner } & Runner;
  return mod.default ?? mod;
}

/**
 * One scan over a staged copy of electron/ and renderer/ (plus package.json for
 * the Electron version): global checks such as LIMIT_NAVIGATION must see the
 * main process and the renderer together, and tests/mocks must not be scanned.
 */
export async function scan(dirs: readonly string[] = SCAN_DIRS, root = ROOT): Promise<{ findings: Finding[]; parseErrors: string[] }> {
  const stage = mkdtempSync(join(tmpdir(), 'custodian-electronegativity-'));
  try {
    for (const dir of dirs) cpSync(join(root, dir), join(stage, dir), { recursive: true, filter: (src) => !src.includes(`${sep}node_modules`) });
    cpSync(join(ROOT, 'package.json'), join(stage, 'package.json'));
    return await scanDir(stage);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

async function scanDir(stage: string): Promise<{ findings: Finding[]; parseErrors: string[] }> {
  const run = loadRunner();
  const log = console.log;
  console.log = () => undefined; // "Could not retrieve updated translations…"
  let result: Awaited<ReturnType<Runner>>;
  try {
    result = await run({
      input: stage,
      isRelative: false,
      isVerbose: false,
      excludeFromScan: EXCLUDED_CHECKS,
      customScan: [],
      parserPlugins: [],
      electronVersionOverride: electronVersion(),
    });
  } finally {
    console.log = log;
  }
  const findings = result.issues.map((i) => ({
    id: i.id,
    file: i.file === 'N/A' ? 'N/A' : relative(stage, i.file).split(sep).join('/'),
    line: i.location?.line ?? 0,
    severity: i.severity.name,
    severityValue: i.severity.value,
    confidence: i.confidence.name,
    description: i.description,
  }));
  const parseErrors = result.errors.filter((e) => !e.tolerable).map((e) => `${relative(stage, e.file)}: ${e.message}`);
  return { findings, parseErrors };
}

function electronVersion(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export function loadJustifications(file = join(ROOT, 'electronegativity-justifications.json')): Justification[] {
  const data = JSON.parse(readFileSync(file, 'utf8')) as { justifications?: Justification[] };
  const list = data.justifications ?? [];
  for (const j of list) {
    if (!j.id || !j.file || !j.reason || j.reason.trim().length < 20) throw new Error(`justification needs id, file and a real reason: ${JSON.stringify(j)}`);
  }
  return list;
}

export function judge(findings: Finding[], justifications: Justification[]): { failing: Finding[]; justified: Finding[]; stale: Justification[] } {
  const serious = findings.filter((f) => f.severityValue >= FAIL_AT);
  const matches = (j: Justification, f: Finding) => j.id === f.id && j.file === f.file;
  return {
    failing: serious.filter((f) => !justifications.some((j) => matches(j, f))),
    justified: serious.filter((f) => justifications.some((j) => matches(j, f))),
    stale: justifications.filter((j) => !findings.some((f) => matches(j, f))),
  };
}

export async function main(): Promise<number> {
  const { findings: all, parseErrors } = await scan();
  const { failing, justified, stale } = judge(all, loadJustifications());
  const line = (f: Finding) => `  ${f.severity.padEnd(6)} ${f.id}  ${f.file}:${f.line}  (${f.confidence})`;
  console.log(`electronegativity: ${all.length} finding(s) in ${SCAN_DIRS.join(', ')}; ${justified.length} justified, ${failing.length} failing (threshold MEDIUM)`);
  for (const f of all.filter((x) => x.severityValue < FAIL_AT)) console.log(`${line(f)}  [below threshold]`);
  for (const f of justified) console.log(`${line(f)}  [justified]`);
  for (const f of failing) console.log(`${line(f)}  [FAIL] ${f.description}`);
  for (const j of stale) console.log(`  stale justification (matches nothing): ${j.id} ${j.file}`);
  for (const e of parseErrors) console.log(`  could not parse: ${e}`);
  return failing.length > 0 || stale.length > 0 || parseErrors.length > 0 ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then((code) => process.exit(code), (e: unknown) => {
    console.error(e);
    process.exit(2);
  });
}
