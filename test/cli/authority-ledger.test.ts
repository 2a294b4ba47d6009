/**
 * The authority's ceremonies through the CLI leave their records in the
 * station ledger (<home>/ledger): the root's creation, key loads, operator
 * sessions, and each CA signing as an intent written before the key signs
 * plus the certificate after. The exported ledger audits clean against the
 * root, with the sub-CA and verification certificates accounted for; a
 * signing whose intent cannot be written produces no certificate.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditFindings, Ledger, LedgerRecorder, ENTRIES_FILE, type LedgerRecord } from '../../electron/core/ledger/index';
import { runInProcess, type CliRun } from './helpers';

const W = mkdtempSync(join(tmpdir(), 'authority-ledger-'));
const f = (name: string) => join(W, name);
const ENV = { CUSTODIAN_PASSPHRASE: 'company-x passphrase', CUSTODIAN_OPERATOR: 'alice' };

function cli(home: string, args: string[]): Promise<CliRun> {
  return runInProcess(['--home', f(home), ...args], { cwd: W, env: ENV });
}
function ok(r: CliRun): CliRun {
  expect(r.status, r.stderr + r.stdout).toBe(0);
  return r;
}
function records(home: string): LedgerRecord[] {
  return readFileSync(join(f(home), 'ledger', ENTRIES_FILE), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LedgerRecord);
}
const shape = (rs: LedgerRecord[]) => rs.map((r) => (r.t === 'session' ? `session:${r.action}` : r.t === 'intent' ? `intent:${r.profile}` : r.t));

interface AuditStation { issued: number; subordinates: number; verificationCerts: number; unreconciled: number }
interface AuditOut { ok: boolean; stations: AuditStation[]; findings: { kind: string; index?: number }[] }
async function audit(bundle: string, rootPem: string): Promise<{ status: number; report: AuditOut }> {
  const r = await runInProcess(['audit', bundle, '--root', rootPem, '--json'], { cwd: W });
  const j = JSON.parse(r.stdout) as { error?: { details: { report: AuditOut } } } & AuditOut;
  return { status: r.status, report: j.error ? j.error.details.report : j };
}

let subBundle: CliRun;
let verification: CliRun;

beforeAll(async () => {
  ok(await cli('x', ['authority', 'init-root', '--cn', 'Company-X', '--org', 'Company X', '--path-len', '2', '--days', '3650', '--work-factor', '17']));
  ok(await cli('x', ['authority', 'export-chain', '--out', 'root.pem']));
  ok(await runInProcess(['--home', f('y'), 'authority', 'request', '--cn', 'Factory-Y', '--org', 'Factory Y', '--work-factor', '17', '--out', 'y.csr'],
    { cwd: W, env: { ...ENV, CUSTODIAN_PASSPHRASE: 'factory-y passphrase' } }));
  subBundle = ok(await cli('x', ['authority', 'sign-subordinate', 'y.csr', '--path-len', '1', '--days', '1825', '--out', 'y.bundle.pem', '--json']));
  verification = ok(await cli('x', ['authority', 'verification-cert', 'A1B2C3D4E5', '--out', 'verify', '--operator', 'bob', '--json']));
}, 120_000);

describe('authority ceremonies → station ledger', () => {
  it('init-root, sign-subordinate and verification-cert leave their records, intents before certificates', () => {
    const rs = records('x');
    expect(shape(rs)).toEqual([
      'genesis', 'authority-import', 'session:lock',
      'authority-key-load', 'session:unlock', 'intent:intermediateCa', 'done', 'session:lock',
      'authority-key-load', 'session:unlock', 'intent:hubVerification', 'done', 'session:lock',
    ]);
    const root = rs[1] as Extract<LedgerRecord, { t: 'authority-import' }>;
    expect(root).toMatchObject({ role: 'root', source: 'init-root', operator: 'alice' });
    expect(root.subject).toContain('Company-X');

    const sub = JSON.parse(subBundle.stdout) as { serialHex: string; fingerprint: string; csrSha256: string; notAfter: string };
    const subIntent = rs[5] as Extract<LedgerRecord, { t: 'intent' }>;
    expect(subIntent).toMatchObject({
      deviceId: `subordinate-ca:${sub.serialHex}`, serialHex: sub.serialHex, csrSha256: sub.csrSha256, profile: 'intermediateCa',
      issuerFingerprint: root.fingerprint, notAfter: sub.notAfter, operator: 'alice',
    });
    const subDone = rs[6] as Extract<LedgerRecord, { t: 'done' }>;
    expect(subDone).toMatchObject({ intent: 5, serialHex: sub.serialHex, certSha256: sub.fingerprint });
    expect(Buffer.from(subDone.cert, 'base64').toString('base64')).toBe(subDone.cert);
    expect(existsSync(f(`x/authority/issued/${sub.serialHex}.pem`))).toBe(true);

    const v = JSON.parse(verification.stdout) as { serialHex: string; fingerprint: string };
    expect(rs[10]).toMatchObject({ t: 'intent', deviceId: `hub-verification:${v.serialHex}`, subject: 'CN=A1B2C3D4E5', profile: 'hubVerification', operator: 'bob' });
    const vDone = rs[11] as Extract<LedgerRecord, { t: 'done' }>;
    expect(vDone).toMatchObject({ intent: 10, serialHex: v.serialHex, certSha256: v.fingerprint });
    expect(Buffer.from(vDone.cert, 'base64').equals(readFileSync(f('verify.cer')))).toBe(true);
  });

  it('the requesting station records its own ceremony too (created on first use)', () => {
    expect(shape(records('y'))).toEqual(['genesis', 'session:lock']);
  });

  it('`ledger export` + `audit --root` accounts for and chain-checks the sub-CA and verification certificates', async () => {
    ok(await cli('x', ['ledger', 'export', f('bundle-x')]));
    const good = await audit(f('bundle-x'), f('root.pem'));
    expect(good.status, JSON.stringify(good.report.findings)).toBe(0);
    expect(good.report.ok).toBe(true);
    expect(good.report.stations[0]).toMatchObject({ issued: 0, subordinates: 1, verificationCerts: 1, unreconciled: 0 });

    // Against another brand's root, both certificates fail their chain check.
    ok(await runInProcess(['--home', f('other'), 'authority', 'init-root', '--cn', 'Other', '--work-factor', '17'], { cwd: W, env: ENV }));
    ok(await runInProcess(['--home', f('other'), 'authority', 'export-chain', '--out', 'other-root.pem'], { cwd: W }));
    const foreign = await audit(f('bundle-x'), f('other-root.pem'));
    expect(foreign.status).not.toBe(0);
    const chainFindings = foreign.report.findings.filter((x) => x.kind === AuditFindings.CHAIN_INVALID).map((x) => x.index);
    expect(chainFindings).toEqual(expect.arrayContaining([6, 11]));
  });

  it('the audit flags a certificate that contradicts its profile (a sub-CA intent closed by a non-CA certificate)', async () => {
    const rs = readFileSync(f('bundle-x/entries.jsonl'), 'utf8');
    expect(rs).toContain('"profile":"intermediateCa"');
    // Re-label the verification intent as a sub-CA intent: the audit must notice the certificate is no CA.
    const copy = f('bundle-profile');
    ok(await cli('x', ['ledger', 'export', copy]));
    const lines = readFileSync(join(copy, 'entries.jsonl'), 'utf8').replace('"profile":"hubVerification"', '"profile":"intermediateCa"');
    writeFileSync(join(copy, 'entries.jsonl'), lines);
    const r = await audit(copy, f('root.pem'));
    expect(r.report.findings.some((x) => x.kind === AuditFindings.INTENT_MISMATCH && x.index === 11)).toBe(true);
  });

  it('a signing whose intent cannot be written produces no certificate (fail closed)', async () => {
    // An intent left open by an interrupted run blocks new intents until reconciled.
    const ledger = Ledger.open({ dir: f('x/ledger') });
    try {
      const rec = new LedgerRecorder(ledger);
      await rec.recordIntent({
        deviceId: 'dev-interrupted', subject: 'CN=dev-interrupted', serialHex: '4a', spkiSha256: 'a'.repeat(64),
        issuerFingerprint: 'b'.repeat(64), profile: 'deviceLeaf', notBefore: new Date().toISOString(), notAfter: new Date().toISOString(), operator: 'alice',
      });
    } finally {
      ledger.close();
    }
    const before = records('x').length;
    const issuedBefore = readdirSync(f('x/authority/issued')).length;

    const sub = await cli('x', ['authority', 'sign-subordinate', 'y.csr', '--path-len', '0', '--days', '30', '--out', 'refused.bundle.pem', '--json']);
    expect(sub.status).toBe(7); // ledger / audit
    expect(sub.stdout).toContain('AUTHORITY_JOURNAL_FAILED');
    expect(existsSync(f('refused.bundle.pem'))).toBe(false);
    expect(readdirSync(f('x/authority/issued')).length).toBe(issuedBefore);

    const v = await cli('x', ['authority', 'verification-cert', 'FFEEDD', '--out', 'refused-verify', '--json']);
    expect(v.status).not.toBe(0);
    expect(v.stdout).toContain('AUTHORITY_JOURNAL_FAILED');
    expect(existsSync(f('refused-verify.pem')) || existsSync(f('refused-verify.cer'))).toBe(false);

    // Only the key loads and sessions were recorded: no new intent, no certificate.
    const added = records('x').slice(before);
    expect(added.filter((r) => r.t === 'intent' || r.t === 'done')).toEqual([]);
  });
});
