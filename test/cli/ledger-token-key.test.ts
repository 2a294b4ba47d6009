/**
 * A station whose CA key is on a SoftHSM2 token (which offers CKM_EDDSA):
 * `custodian ledger seal-key` generates the checkpoint key on the same token
 * (sensitive, never extractable), later ceremonies sign checkpoints with it
 * once the PIN unlocks the authority, and the exported ledger audits clean.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENTRIES_FILE, KEY_FILE, Ledger, TOKEN_KEY_FILE, openStationLedger, type LedgerRecord } from '../../electron/core/ledger/index';
import { TOKEN_KEY_LABEL } from '../../electron/core/line/ledger-key';
import { HAVE_PKCS11_TOOL, HAVE_SOFTHSM, startSoftHsm, type SoftHsm } from '../token/softhsm';
import { runInProcess, type CliRun } from './helpers';

const W = mkdtempSync(join(tmpdir(), 'ledger-token-key-'));
const home = join(W, 'x');
const ledgerDir = join(home, 'ledger');
const PIN = '440044';
writeFileSync(join(W, 'pin'), `${PIN}\n`, { mode: 0o600 });
let hsm: SoftHsm;

const cli = (args: string[]): Promise<CliRun> => runInProcess(['--home', home, ...args], { cwd: W, env: { SOFTHSM2_CONF: hsm.conf, CUSTODIAN_OPERATOR: 'alice' } });
function ok(r: CliRun): CliRun {
  expect(r.status, r.stderr + r.stdout).toBe(0);
  return r;
}
const records = (): LedgerRecord[] => readFileSync(join(ledgerDir, ENTRIES_FILE), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LedgerRecord);

describe.skipIf(!HAVE_SOFTHSM)('the checkpoint key on the authority\'s token (SoftHSM2)', () => {
  beforeAll(async () => {
    hsm = startSoftHsm();
    hsm.initToken('company-x', PIN);
    hsm.initToken('company-n', PIN);
    // A station from before token-held checkpoint keys: its ledger (with a plain key) predates the authority.
    openStationLedger({ dir: ledgerDir, stationId: 'x' }).ledger.close();
    ok(await cli(['authority', 'init-root', '--cn', 'Company-X', '--path-len', '1', '--days', '3650', '--token', hsm.uri('company-x', 'company-x-ca'), '--pin-file', 'pin']));
    ok(await cli(['authority', 'export-chain', '--out', 'root.pem']));
  }, 120_000);

  it('a new station generates it on the token with the CA key: no plain key file', async () => {
    const fresh = join(W, 'fresh');
    ok(await runInProcess(['--home', fresh, 'authority', 'init-root', '--cn', 'Company-N', '--path-len', '1', '--days', '3650', '--token', hsm.uri('company-n', 'company-n-ca'), '--pin-file', 'pin'],
      { cwd: W, env: { SOFTHSM2_CONF: hsm.conf } }));
    expect(existsSync(join(fresh, 'ledger', KEY_FILE))).toBe(false);
    expect(readFileSync(join(fresh, 'ledger', TOKEN_KEY_FILE), 'utf8')).toContain('token=company-n');
    if (HAVE_PKCS11_TOOL) {
      const priv = hsm.listObjects('company-n', PIN).split(/\n(?=\S)/).find((b) => b.startsWith('Private Key Object') && b.includes(TOKEN_KEY_LABEL))!;
      expect(/Access:\s+(.*)/.exec(priv)![1]!.split(/,\s*/)).toEqual(expect.arrayContaining(['sensitive', 'never extractable']));
    }
  });

  it('seal-key generates it on the token, sensitive and never extractable, and rotates the ledger to it', async () => {
    const before = readFileSync(join(ledgerDir, 'ledger.vkey'), 'utf8').trim();
    const r = JSON.parse(ok(await cli(['ledger', 'seal-key', '--pin-file', 'pin', '--json'])).stdout) as { index: number; vkey: string; location: string; ref: string; key: string };
    expect(r).toMatchObject({ location: 'token', key: 'token' });
    expect(existsSync(join(ledgerDir, KEY_FILE))).toBe(false);
    expect(readFileSync(join(ledgerDir, TOKEN_KEY_FILE), 'utf8').trim()).toBe(r.ref);
    expect(records()[r.index]).toMatchObject({ t: 'key-rotation', previous: before, vkey: r.vkey, location: 'token', keyRef: r.ref });
    if (HAVE_PKCS11_TOOL) {
      const priv = hsm.listObjects('company-x', PIN).split(/\n(?=\S)/).find((b) => b.startsWith('Private Key Object') && b.includes(TOKEN_KEY_LABEL))!;
      expect(priv).toMatch(/EC_EDWARDS|EDDSA|Ed25519/i);
      expect(/Access:\s+(.*)/.exec(priv)![1]!.split(/,\s*/)).toEqual(expect.arrayContaining(['sensitive', 'never extractable']));
    }
    expect(ok(await cli(['ledger', 'status'])).stdout).toContain('on the authority\'s token');
  });

  it('a ceremony unlocked with the PIN signs checkpoints with the token key; export and audit are clean', async () => {
    ok(await cli(['authority', 'verification-cert', 'A1B2C3D4E5', '--out', 'verify', '--pin-file', 'pin']));
    const l = Ledger.open({ dir: ledgerDir, readOnly: true });
    expect(l.vkeys).toHaveLength(2);
    // The authority's lock record comes after the token logged out: it waits for the next unlock.
    expect(l.uncovered).toBeLessThanOrEqual(1);
    const covered = l.checkpoint.size;
    l.close();
    expect(records().slice(0, covered).some((r) => r.t === 'done')).toBe(true);
    ok(await cli(['ledger', 'export', join(W, 'bundle')]));
    const a = await runInProcess(['audit', join(W, 'bundle'), '--root', join(W, 'root.pem'), '--json'], { cwd: W });
    expect(a.status, a.stdout).toBe(0);
    expect((JSON.parse(a.stdout) as { findings: unknown[] }).findings).toEqual([]);
  });
});
