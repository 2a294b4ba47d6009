/**
 * `custodian ledger seal-key` on an existing station: the plain ledger.key
 * gives way to a key sealed under the authority's passphrase, recorded as a
 * key-rotation the old key vouches for. Later ceremonies unlock it with the
 * authority, cover what was written while it was locked, and the exported
 * ledger audits clean across the rotation.
 */
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENTRIES_FILE, KEY_FILE, Ledger, SEALED_KEY_FILE, openStationLedger, type LedgerRecord } from '../../electron/core/ledger/index';
import { runInProcess, type CliRun } from './helpers';

const W = mkdtempSync(join(tmpdir(), 'ledger-seal-key-'));
const home = join(W, 'x');
const ledgerDir = join(home, 'ledger');
const ENV = { CUSTODIAN_PASSPHRASE: 'company-x passphrase', CUSTODIAN_OPERATOR: 'alice' };

function cli(args: string[], env: NodeJS.ProcessEnv = ENV): Promise<CliRun> {
  return runInProcess(['--home', home, ...args], { cwd: W, env });
}
function ok(r: CliRun): CliRun {
  expect(r.status, r.stderr + r.stdout).toBe(0);
  return r;
}
const records = (): LedgerRecord[] => readFileSync(join(ledgerDir, ENTRIES_FILE), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LedgerRecord);

beforeAll(async () => {
  // A station from before sealed keys: its ledger (with a plain key) predates the authority.
  openStationLedger({ dir: ledgerDir, stationId: 'x' }).ledger.close();
  ok(await cli(['authority', 'init-root', '--cn', 'Company-X', '--org', 'Company X', '--path-len', '2', '--days', '3650', '--work-factor', '17']));
  ok(await cli(['authority', 'export-chain', '--out', 'root.pem']));
}, 120_000);

describe('a new station', () => {
  it('creates its ledger with the checkpoint key sealed under the new passphrase: no plain key file, ever', async () => {
    const fresh = join(W, 'fresh');
    const run = (args: string[]) => runInProcess(['--home', fresh, ...args], { cwd: W, env: ENV });
    ok(await run(['authority', 'init-root', '--cn', 'Company-N', '--path-len', '1', '--days', '3650', '--work-factor', '17']));
    const dir = join(fresh, 'ledger');
    expect(existsSync(join(dir, KEY_FILE))).toBe(false);
    expect(statSync(join(dir, SEALED_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(ok(await run(['ledger', 'status'])).stdout).toContain('sealed by the vault');
    const l = Ledger.open({ dir, readOnly: true });
    expect(l.vkeys).toHaveLength(1);
    expect(l.uncovered).toBe(0);
    l.close();
    ok(await run(['authority', 'verification-cert', 'A1B2C3D4E5', '--out', 'fresh-verify']));
    ok(await run(['authority', 'export-chain', '--out', 'fresh-root.pem']));
    ok(await run(['ledger', 'export', join(W, 'fresh-bundle')]));
    const a = await runInProcess(['audit', join(W, 'fresh-bundle'), '--root', join(W, 'fresh-root.pem'), '--json'], { cwd: W });
    expect(a.status, a.stdout).toBe(0);
  });
});

describe('custodian ledger seal-key', () => {
  it('a station that has not migrated says its key is unsealed and names the command', async () => {
    const r = ok(await cli(['ledger', 'status']));
    expect(r.stdout).toContain('UNSEALED');
    expect(r.stdout).toContain('custodian ledger seal-key');
    expect((JSON.parse(ok(await cli(['ledger', 'status', '--json'])).stdout) as { key: string }).key).toBe('plain');
  });

  it('refuses a wrong passphrase and changes nothing', async () => {
    const before = records().length;
    const r = await cli(['ledger', 'seal-key', '--work-factor', '17'], { ...ENV, CUSTODIAN_PASSPHRASE: 'not the passphrase' });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('VAULT_WRONG_PASSPHRASE');
    expect(existsSync(join(ledgerDir, KEY_FILE))).toBe(true);
    expect(existsSync(join(ledgerDir, SEALED_KEY_FILE))).toBe(false);
    expect(records().length).toBe(before);
  });

  it('seals the key, records the rotation and removes the plain key file', async () => {
    const vkeyBefore = readFileSync(join(ledgerDir, 'ledger.vkey'), 'utf8').trim();
    const r = JSON.parse(ok(await cli(['ledger', 'seal-key', '--work-factor', '17', '--json'])).stdout) as { index: number; previous: string; vkey: string; key: string };
    expect(r).toMatchObject({ previous: vkeyBefore, key: 'sealed' });
    expect(existsSync(join(ledgerDir, KEY_FILE))).toBe(false);
    expect(statSync(join(ledgerDir, SEALED_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(ledgerDir, SEALED_KEY_FILE), 'utf8')).toMatch(/^age-encryption\.org\/v1\n/);
    const rot = records()[r.index]!;
    expect(rot).toMatchObject({ t: 'key-rotation', vkey: r.vkey, previous: vkeyBefore, location: 'sealed', operator: 'alice' });
    expect(ok(await cli(['ledger', 'status'])).stdout).toContain('sealed by the vault');
    const again = await cli(['ledger', 'seal-key', '--work-factor', '17']);
    expect(again.stdout + again.stderr).toContain('LEDGER_EXISTS');
  });

  it('entries written while the key is locked are covered once a ceremony unlocks it; export and audit are clean', async () => {
    // A wrong passphrase is recorded while the checkpoint key is locked ...
    const bad = await cli(['authority', 'verification-cert', 'A1B2C3D4E5', '--out', 'bad'], { ...ENV, CUSTODIAN_PASSPHRASE: 'not the passphrase' });
    expect(bad.status).not.toBe(0);
    expect(records().at(-1)).toMatchObject({ t: 'authority-unlock-failed' });
    const locked = Ledger.open({ dir: ledgerDir, readOnly: true });
    expect(locked.uncovered).toBeGreaterThan(0);
    locked.close();
    // ... and covered by the next unlock.
    ok(await cli(['authority', 'verification-cert', 'A1B2C3D4E5', '--out', 'verify']));
    const after = Ledger.open({ dir: ledgerDir, readOnly: true });
    expect(after.uncovered).toBe(0);
    expect(after.vkeys).toHaveLength(2);
    after.close();
    ok(await cli(['ledger', 'export', join(W, 'bundle')]));
    const a = await runInProcess(['audit', join(W, 'bundle'), '--root', join(W, 'root.pem'), '--json'], { cwd: W });
    expect(a.status, a.stdout).toBe(0);
    expect((JSON.parse(a.stdout) as { findings: unknown[] }).findings).toEqual([]);
  });
});
