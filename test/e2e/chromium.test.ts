/**
 * The Chromium gate (chromium.ts): with Chromium the browser tests run;
 * without it they skip outside CI, saying why, and fail under CI.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { chromiumGate, DEFAULT_CHROMIUM, isCi } from './chromium';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const E2E_FILES = ['ui.test.ts', 'ledger-scale.test.ts', 'core-flows.test.ts'].map((f) => join('test', 'e2e', f));

const nothing = (): boolean => false;
const only = (path: string) => (p: string): boolean => p === path;

describe('chromiumGate', () => {
  it('runs with the Chromium it finds, in CI or not', () => {
    expect(chromiumGate({}, only(DEFAULT_CHROMIUM))).toEqual({ run: true, path: DEFAULT_CHROMIUM });
    expect(chromiumGate({ CI: 'true' }, only(DEFAULT_CHROMIUM))).toEqual({ run: true, path: DEFAULT_CHROMIUM });
    expect(chromiumGate({ CI: 'true', CUSTODIAN_CHROMIUM: '/opt/chromium/chrome' }, only('/opt/chromium/chrome'))).toEqual({ run: true, path: '/opt/chromium/chrome' });
  });

  it('fails under CI when Chromium is missing, naming where it looked', () => {
    for (const CI of ['true', '1', 'yes', 'TRUE']) {
      const gate = chromiumGate({ CI }, nothing);
      expect(gate, CI).toMatchObject({ run: false, fail: true });
      expect(!gate.run && gate.reason).toContain(DEFAULT_CHROMIUM);
    }
    // the override is where it looks, and not finding it there fails too
    expect(chromiumGate({ CI: 'true', CUSTODIAN_CHROMIUM: '/opt/none' }, only(DEFAULT_CHROMIUM))).toMatchObject({ run: false, fail: true, reason: expect.stringContaining('/opt/none') });
  });

  it('skips outside CI when Chromium is missing, saying why', () => {
    for (const env of [{}, { CI: '' }, { CI: 'false' }, { CI: '0' }]) {
      expect(chromiumGate(env, nothing), JSON.stringify(env)).toMatchObject({ run: false, fail: false, reason: expect.stringContaining(`no Chromium at ${DEFAULT_CHROMIUM}`) });
    }
    expect(isCi({ CI: 'false' })).toBe(false);
    expect(isCi({ CI: 'true' })).toBe(true);
  });
});

/** `vitest run` on the e2e files in a child process, with this environment on top of ours (minus the parent run's VITEST_*). */
function runE2e(extra: Record<string, string | undefined>): Promise<{ code: number | null; out: string }> {
  const env: Record<string, string | undefined> = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')));
  Object.assign(env, extra);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const child = spawn(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...E2E_FILES], { cwd: ROOT, env });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out: stripVTControlCharacters(out) }));
  });
}

describe('the e2e files without Chromium', () => {
  it('fail under CI=true and skip, saying why, outside CI', async () => {
    const missing = '/nonexistent/chromium';
    const [ci, local] = await Promise.all([
      runE2e({ CI: 'true', CUSTODIAN_CHROMIUM: missing }),
      runE2e({ CI: undefined, CUSTODIAN_CHROMIUM: missing }),
    ]);
    expect(ci.code, ci.out).toBe(1);
    expect(ci.out).toContain(`no Chromium at ${missing}, and under CI the Chromium tests must run`);
    expect(ci.out).toMatch(new RegExp(`Test Files\\s+${E2E_FILES.length} failed \\(${E2E_FILES.length}\\)`)); // every file
    expect(ci.out).toMatch(/tests: 0 passed, [1-9]\d* failed, 0 skipped/); // nothing skipped in CI
    expect(local.code, local.out).toBe(0);
    expect(local.out).toMatch(new RegExp(`Test Files\\s+${E2E_FILES.length} skipped \\(${E2E_FILES.length}\\)`));
    expect(local.out).toMatch(/tests: 0 passed, 0 failed, [1-9]\d* skipped/);
    expect(local.out).toContain(`skipped: no Chromium at ${missing}`);
  }, 120_000);
});
