/**
 * Passphrases through the CLI (docs/cli.md §Passphrases): a passphrase file
 * loses one final line ending and nothing else; a new passphrase that is
 * blank, has blanks at its ends or is too weak is refused before a key exists;
 * opening a key with a passphrase that differs by a trailing blank says so;
 * and each wrong passphrase is recorded in the station ledger.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Authority } from '../../electron/core/authority/index';
import { isCustodianError } from '../../electron/core/errors';
import { ENTRIES_FILE, type LedgerRecord } from '../../electron/core/ledger/index';
import { passphraseFromFile } from '../../electron/cli/passphrase';
import { runInProcess, type CliRun } from './helpers';

const W = mkdtempSync(join(tmpdir(), 'passphrase-file-'));
const f = (name: string) => join(W, name);
let files = 0;
/** A passphrase file holding exactly `content`. */
function ppFile(content: string | Buffer): string {
  const p = f(`pp-${files++}`);
  writeFileSync(p, content, { mode: 0o600 });
  return p;
}
const cli = (home: string, args: string[], pp: string) => runInProcess(['--home', f(home), ...args, '--passphrase-file', pp], { cwd: W, env: { CUSTODIAN_OPERATOR: 'ana' } });
const initRoot = (home: string, pp: string) => cli(home, ['authority', 'init-root', '--cn', 'Pass Root', '--days', '30', '--work-factor', '17'], pp);
const errorOf = (r: CliRun) => /^error\[([A-Z0-9_]+)\]: (.*)$/m.exec(r.stderr)?.slice(1) ?? [`exit ${r.status}`, r.stdout];

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isCustodianError(e)) return e.code;
    throw e;
  }
  return 'ok';
}

describe('reading a passphrase file', () => {
  it('strips one final \\n or \\r\\n and keeps everything else', () => {
    const p = (s: string | Uint8Array) => passphraseFromFile(typeof s === 'string' ? Buffer.from(s) : s, 'pp');
    expect(p('station passphrase 12\n')).toBe('station passphrase 12');
    expect(p('station passphrase 12\r\n')).toBe('station passphrase 12');
    expect(p('station passphrase 12')).toBe('station passphrase 12');
    expect(p('station passphrase 12  \n')).toBe('station passphrase 12  ');
    expect(p('\tstation passphrase 12\n')).toBe('\tstation passphrase 12');
    expect(p('\uFEFFstation passphrase 12\n')).toBe('\uFEFFstation passphrase 12');
  });

  it('refuses a second line, an empty file and bytes that are not UTF-8', () => {
    const p = (s: string | Uint8Array) => () => passphraseFromFile(typeof s === 'string' ? Buffer.from(s) : s, 'pp');
    expect(codeOf(p('station passphrase 12\n\n'))).toBe('CLI_PASSPHRASE_FILE_INVALID');
    expect(codeOf(p('first line\nsecond line\n'))).toBe('CLI_PASSPHRASE_FILE_INVALID');
    expect(codeOf(p('station passphrase 12\r'))).toBe('CLI_PASSPHRASE_FILE_INVALID');
    expect(codeOf(p(Buffer.from([0x70, 0x61, 0xff, 0x73])))).toBe('CLI_PASSPHRASE_FILE_INVALID');
    expect(codeOf(p('\n'))).toBe('CLI_PASSPHRASE_REQUIRED');
    expect(codeOf(p(''))).toBe('CLI_PASSPHRASE_REQUIRED');
  });
});

describe('new passphrases through the CLI', () => {
  it('eight spaces, a trailing space, a short or one-kind passphrase: VAULT_WEAK_PASSPHRASE (exit 5), no key, no ledger entry for a key', async () => {
    const cases = [
      ['        \n', 'blank'], ['Station passphrase 12 \n', 'begins or ends'], ['short 1\n', 'at least 12'],
      ['aaaaaaaaaaaaaaa1\n', '6 different'], ['stationpassphrase\n', 'mix two kinds'],
    ] as const;
    for (const [content, says] of cases) {
      const home = `weak-${files}`;
      const r = await initRoot(home, ppFile(content));
      expect(r.status, content).toBe(5);
      const [code, message] = errorOf(r);
      expect(code, content).toBe('VAULT_WEAK_PASSPHRASE');
      expect(message).toMatch(new RegExp(says === 'blank' ? 'empty or only spaces' : says));
      expect(Authority.open({ home: f(home) }).state).toBe('none');
      expect(existsSync(join(f(home), 'authority', 'ca-key.age'))).toBe(false);
    }
  }, 60_000);

  it('a key made from a file ending in \\r\\n opens from one ending in \\n; a trailing space is a wrong passphrase that says why', async () => {
    expect((await initRoot('good', ppFile('Station passphrase 12\r\n'))).status).toBe(0);
    const verify = (pp: string) => cli('good', ['authority', 'verification-cert', 'ABC123', '--out', f(`v-${files}`)], pp);
    expect((await verify(ppFile('Station passphrase 12\n'))).status).toBe(0);
    const wrong = await verify(ppFile('Station passphrase 12 \n'));
    expect(wrong.status).toBe(5);
    const [code, message] = errorOf(wrong);
    expect(code).toBe('VAULT_WRONG_PASSPHRASE');
    expect(message).toContain('begins or ends with a space or another blank, which counts as part of it');
    // The wrong passphrase is in the station's ledger, with who tried and the code.
    const records = readFileSync(join(f('good'), 'ledger', ENTRIES_FILE), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LedgerRecord);
    const failed = records.filter((r) => r.t === 'authority-unlock-failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ operator: 'ana', code: 'VAULT_WRONG_PASSPHRASE', attempt: 1, delayMs: 0 });
    expect(JSON.stringify(records)).not.toContain('Station passphrase');
    // The record is part of an audited history: the exported ledger audits clean.
    const home = ['--home', f('good')];
    expect((await runInProcess([...home, 'authority', 'export-chain', '--out', f('good-root.pem')], { cwd: W })).status).toBe(0);
    expect((await runInProcess([...home, 'ledger', 'export', f('good-bundle')], { cwd: W })).status).toBe(0);
    const audit = await runInProcess(['audit', f('good-bundle'), '--root', f('good-root.pem'), '--strict'], { cwd: W });
    expect(audit.status, audit.stderr + audit.stdout).toBe(0);
  }, 60_000);

  it('a wrong passphrase at `provision` is recorded too, with the --operator', async () => {
    expect((await initRoot('line', ppFile('Line passphrase 2026\n'))).status).toBe(0);
    const r = await cli('line', ['provision', '--port', f('no-such-port'), '--operator', 'omar'], ppFile('Line passphrase 2025\n'));
    expect(errorOf(r)[0]).toBe('VAULT_WRONG_PASSPHRASE');
    const records = readFileSync(join(f('line'), 'ledger', ENTRIES_FILE), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LedgerRecord);
    expect(records.filter((x) => x.t === 'authority-unlock-failed')).toEqual([expect.objectContaining({ operator: 'omar', code: 'VAULT_WRONG_PASSPHRASE', attempt: 1 })]);
  }, 60_000);
});
