import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CustodianError } from '../../electron/core/errors';
import { exitStatusFor, ExitStatus } from '../../electron/cli/exit-codes';
import { registry } from '../../electron/cli/commands/index';
import { reqInt } from '../../electron/cli/args';
import type { CliCommand, RegistryEntry } from '../../electron/cli/types';
import { runBin, runInProcess } from './helpers';

const seen: { home?: string; passphrase?: string; n?: number; positionals?: readonly string[] } = {};
const echo: CliCommand = {
  name: 'echo',
  summary: 'test command',
  usage: '<word> --n N',
  positionals: { min: 1, max: 1 },
  options: { n: { type: 'string', valueName: 'N', description: 'a number' }, secret: { type: 'boolean', description: 'ask for a passphrase' } },
  async run(ctx) {
    seen.home = ctx.home;
    seen.n = reqInt(ctx, 'n', { min: 1 });
    seen.positionals = ctx.positionals;
    if (ctx.values.secret) seen.passphrase = await ctx.passphrase({ purpose: 'test' });
    return { data: { word: ctx.positionals[0], n: seen.n }, human: `word=${ctx.positionals[0]}` };
  },
};
const fail: CliCommand = {
  name: 'fail',
  summary: 'always fails',
  options: { kind: { type: 'string', description: 'custodian | bug' } },
  async run(ctx) {
    if (ctx.values.kind === 'bug') throw new TypeError('boom');
    throw new CustodianError('LEDGER_BROKEN', 'the ledger is broken', { entry: 7 });
  },
};
const testRegistry: RegistryEntry[] = [{ kind: 'group', name: 'grp', summary: 'a group', commands: [echo] }, fail];

describe('CLI framework', () => {
  it('dispatches group subcommands, parses options anywhere and resolves --home', async () => {
    const r = await runInProcess(['--home', 'st', 'grp', 'echo', '--n', '3', 'hello'], { registry: testRegistry, cwd: '/tmp' });
    expect(r).toMatchObject({ status: 0, stdout: 'word=hello\n', stderr: '' });
    expect(seen).toMatchObject({ home: '/tmp/st', n: 3, positionals: ['hello'] });
    const env = await runInProcess(['grp', 'echo', 'x', '--n', '1'], { registry: testRegistry, env: { CUSTODIAN_HOME: '/srv/station' } });
    expect(env.status).toBe(0);
    expect(seen.home).toBe('/srv/station');
  });

  it('--json prints exactly one JSON document on stdout', async () => {
    const r = await runInProcess(['grp', 'echo', 'hi', '--n', '2', '--json'], { registry: testRegistry });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ word: 'hi', n: 2 });
  });

  it('usage errors exit 2, as {error:{code,message,details}} with --json or error[CODE] + hint on stderr', async () => {
    const human = await runInProcess(['grp', 'echo', 'hi', '--n', 'two'], { registry: testRegistry });
    expect(human.status).toBe(2);
    expect(human.stdout).toBe('');
    expect(human.stderr).toMatch(/^error\[CLI_USAGE\]: --n must be an integer/);
    expect(human.stderr).toMatch(/hint: /);
    const json = await runInProcess(['nope', '--json'], { registry: testRegistry });
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'CLI_USAGE', message: 'unknown command "nope"', details: { command: 'nope', known: ['grp', 'fail'] } } });
    expect((await runInProcess(['grp', 'echo', 'a', 'b', '--n', '1'], { registry: testRegistry })).status).toBe(2);
    expect((await runInProcess(['grp', 'echo', 'a', '--n', '1', '--bogus'], { registry: testRegistry })).status).toBe(2);
  });

  it('maps error families to stable exit statuses and never prints a stack for a CustodianError', async () => {
    const r = await runInProcess(['fail'], { registry: testRegistry });
    expect(r.status).toBe(7);
    expect(r.stderr).toBe('error[LEDGER_BROKEN]: the ledger is broken\n  hint: the ledger is append-only: run `custodian audit` to inspect it\n');
    const bug = await runInProcess(['fail', '--kind', 'bug', '--json'], { registry: testRegistry });
    expect(bug.status).toBe(1);
    expect(JSON.parse(bug.stdout).error.code).toBe('UNEXPECTED');
    expect(bug.stdout + bug.stderr).not.toMatch(/\n\s+at /);
    expect([
      'CLI_USAGE', 'CSR_MALFORMED', 'KEY_MALFORMED', 'CHAIN_EXPIRED', 'AUTHORITY_KEY_MISMATCH', 'VAULT_WRONG_PASSPHRASE',
      'AUTHORITY_NOT_CONFIGURED', 'DEVICE_TIMEOUT', 'FRAME_CRC', 'LEDGER_X', 'AUDIT_X', 'WHAT_IS_THIS', 'CLI_ABORTED',
    ].map(exitStatusFor)).toEqual([2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 1, 130]);
    expect(ExitStatus.VAULT).toBe(5);
  });

  it('takes the passphrase from --passphrase-file, then CUSTODIAN_PASSPHRASE, never from argv', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    writeFileSync(join(dir, 'pp'), 'from the file\n');
    await runInProcess(['grp', 'echo', 'x', '--n', '1', '--secret', '--passphrase-file', join(dir, 'pp')], { registry: testRegistry, env: { CUSTODIAN_PASSPHRASE: 'from env' } });
    expect(seen.passphrase).toBe('from the file');
    await runInProcess(['grp', 'echo', 'x', '--n', '1', '--secret'], { registry: testRegistry, env: { CUSTODIAN_PASSPHRASE: 'from env' } });
    expect(seen.passphrase).toBe('from env');
    const none = await runInProcess(['grp', 'echo', 'x', '--n', '1', '--secret', '--json'], { registry: testRegistry });
    expect(none.status).toBe(2);
    expect(JSON.parse(none.stdout).error.code).toBe('CLI_PASSPHRASE_REQUIRED');
    const argv = await runInProcess(['grp', 'echo', 'x', '--n', '1', '--passphrase=hunter22', '--json'], { registry: testRegistry });
    expect(argv.status).toBe(2);
    expect(JSON.parse(argv.stdout).error.code).toBe('CLI_PASSPHRASE_ON_ARGV');
    expect(argv.stdout).not.toContain('hunter22');
  });

  it('the real entry point lists the registered commands and exits 0 on --help', async () => {
    const r = await runBin(['--help']);
    expect(r.status).toBe(0);
    for (const e of registry) expect(r.stdout).toContain(e.name);
    const sub = await runBin(['authority', 'sign-subordinate', '--help']);
    expect(sub.status).toBe(0);
    expect(sub.stdout).toMatch(/--path-len N/);
    const bad = await runBin(['authority', 'frobnicate', '--json']);
    expect(bad.status).toBe(2);
    expect(JSON.parse(bad.stdout).error.code).toBe('CLI_USAGE');
  });
});
