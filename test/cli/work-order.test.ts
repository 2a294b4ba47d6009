/**
 * Work orders through the CLI: Company-X issues a work-order signer, creates
 * and signs an order for Factory-Y; openssl verifies it; Factory-Y imports,
 * lists and shows it, and refuses a changed copy and an order for another
 * station. Separate --home directories exchange only files.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runInProcess, type CliRun } from './helpers';

const W = mkdtempSync(join(tmpdir(), 'work-order-cli-'));
const f = (name: string) => join(W, name);
writeFileSync(f('pass-x'), 'company-x passphrase\n', { mode: 0o600 });
writeFileSync(f('pass-y'), 'factory-y passphrase\n', { mode: 0o600 });
const WF = ['--work-factor', '17'];

function cli(station: 'x' | 'y', args: string[], passphrase = true): Promise<CliRun> {
  return runInProcess(['--home', f(`home-${station}`), ...args, ...(passphrase ? ['--passphrase-file', f(`pass-${station}`)] : [])], { cwd: W });
}
function ok(r: CliRun): CliRun {
  expect(r.status, r.stderr + r.stdout).toBe(0);
  return r;
}
function errorOf(r: CliRun): { code: string; message: string } {
  return (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;
}

let yFingerprint = '';

beforeAll(async () => {
  ok(await cli('x', ['authority', 'init-root', '--cn', 'Company-X', '--days', '3650', ...WF]));
  ok(await cli('x', ['authority', 'export-chain', '--out', 'x-root.pem'], false));
  ok(await cli('y', ['authority', 'request', '--cn', 'Factory-Y', '--root', 'x-root.pem', ...WF, '--out', 'y.csr']));
  ok(await cli('x', ['authority', 'sign-subordinate', 'y.csr', '--path-len', '1', '--days', '1825', '--out', 'y.bundle.pem']));
  ok(await cli('y', ['authority', 'import', 'y.bundle.pem'], false));
  yFingerprint = (JSON.parse(ok(await cli('y', ['authority', 'show', '--json'], false)).stdout) as { certificateFingerprint?: string; fingerprint?: string; chain?: { fingerprintSha256: string }[] }).chain![0]!.fingerprintSha256;
  ok(await cli('x', ['authority', 'work-order-signer', '--cn', 'Company-X work orders', '--days', '200', ...WF, '--out', 'signer']));
}, 120_000);

describe('custodian work-order', () => {
  it('create → sign → openssl cms -verify → import → list / show', async () => {
    ok(await cli('x', ['work-order', 'create', '--id', 'WO-1', '--issuer', 'Company-X', '--for-ca', yFingerprint, '--prefix', 'acme-', '--from', '1', '--to', '500', '--width', '6', '--quota', '500', '--leaf-days', '365', '--days', '30', '--out', 'wo-1.json'], false));
    const signed = JSON.parse(ok(await cli('x', ['work-order', 'sign', 'wo-1.json', '--signer', 'signer', '--out', 'wo-1.cms', '--json'])).stdout) as { signer: string };
    expect(signed.signer).toBe('CN=Company-X work orders');
    const content = execFileSync('openssl', ['cms', '-verify', '-inform', 'DER', '-in', 'wo-1.cms', '-CAfile', 'x-root.pem', '-purpose', 'any'], { cwd: W, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(JSON.parse(content)).toMatchObject({ id: 'WO-1', quota: 500 });
    const imported = JSON.parse(ok(await cli('y', ['work-order', 'import', 'wo-1.cms', '--json'], false)).stdout) as { id: string; alreadyImported: boolean; matched: { by: string } };
    expect(imported).toMatchObject({ id: 'WO-1', alreadyImported: false, matched: { by: 'ca-fingerprint' } });
    expect(new Uint8Array(readFileSync(join(f('home-y'), 'work-orders', 'WO-1.cms')))).toEqual(new Uint8Array(readFileSync(f('wo-1.cms'))));
    const listed = ok(await cli('y', ['work-order', 'list'], false)).stdout;
    expect(listed).toMatch(/WO-1 .*quota 500 \(500 left\) +range acme-000001…acme-000500 \(500 IDs\)/);
    const shown = ok(await cli('y', ['work-order', 'show', 'WO-1'], false)).stdout;
    expect(shown).toContain('leaf ≤ 365 days; keys P-256');
  });

  it('refuses a changed copy (WORK_ORDER_SIGNATURE_INVALID, exit 4) and an order for another station (WORK_ORDER_WRONG_STATION)', async () => {
    const cms = readFileSync(f('wo-1.cms'));
    const at = cms.indexOf('"quota": 500');
    cms[at + 10] = '9'.charCodeAt(0);
    writeFileSync(f('wo-1.changed.cms'), cms);
    const r = await cli('y', ['work-order', 'import', 'wo-1.changed.cms', '--json'], false);
    expect(r.status).toBe(4);
    expect(errorOf(r).code).toBe('WORK_ORDER_SIGNATURE_INVALID');

    ok(await cli('x', ['work-order', 'create', '--id', 'WO-2', '--for-station', 'factory-q', '--device', 'dev-1', '--quota', '1', '--leaf-days', '30', '--out', 'wo-2.json'], false));
    ok(await cli('x', ['work-order', 'sign', 'wo-2.json', '--signer', 'signer', '--out', 'wo-2.cms']));
    const other = await cli('y', ['work-order', 'import', 'wo-2.cms', '--station-id', 'factory-y', '--json'], false);
    expect(errorOf(other).code).toBe('WORK_ORDER_WRONG_STATION');
    const here = ok(await cli('y', ['work-order', 'import', 'wo-2.cms', '--station-id', 'factory-q', '--json'], false));
    expect(JSON.parse(here.stdout)).toMatchObject({ id: 'WO-2', matched: { by: 'station-id', value: 'factory-q' } });
  });

  it("refuses an order whose leaf lifetime outlasts the station's CA (WORK_ORDER_EXCEEDS_CA)", async () => {
    ok(await cli('x', ['work-order', 'create', '--id', 'WO-3', '--for-ca', yFingerprint, '--imei', '352656100000007', '--quota', '1', '--leaf-days', '3000', '--out', 'wo-3.json'], false));
    ok(await cli('x', ['work-order', 'sign', 'wo-3.json', '--signer', 'signer', '--out', 'wo-3.cms']));
    expect(errorOf(await cli('y', ['work-order', 'import', 'wo-3.cms', '--json'], false)).code).toBe('WORK_ORDER_EXCEEDS_CA');
  });

  it('usage errors exit 2 with CLI_USAGE; an unknown ID is WORK_ORDER_NOT_FOUND', async () => {
    const noList = await cli('x', ['work-order', 'create', '--id', 'WO-4', '--for-ca', yFingerprint, '--quota', '1', '--leaf-days', '30', '--out', 'wo-4.json', '--json'], false);
    expect([noList.status, errorOf(noList).code]).toEqual([2, 'CLI_USAGE']);
    const two = await cli('x', ['work-order', 'create', '--id', 'WO-4', '--for-ca', yFingerprint, '--device', 'a', '--imei', '352656100000007', '--quota', '1', '--leaf-days', '30', '--out', 'wo-4.json', '--json'], false);
    expect([two.status, errorOf(two).code]).toEqual([2, 'CLI_USAGE']);
    const noSigner = await cli('x', ['work-order', 'sign', 'wo-1.json', '--out', 'x.cms', '--json'], false);
    expect([noSigner.status, errorOf(noSigner).code]).toEqual([2, 'CLI_USAGE']);
    const noFile = await cli('y', ['work-order', 'import', '--json'], false);
    expect([noFile.status, errorOf(noFile).code]).toEqual([2, 'CLI_USAGE']);
    const badId = await cli('x', ['work-order', 'create', '--id', '../x', '--for-ca', yFingerprint, '--device', 'a', '--quota', '1', '--leaf-days', '30', '--out', 'wo-5.json', '--json'], false);
    expect([badId.status, errorOf(badId).code]).toEqual([3, 'WORK_ORDER_MALFORMED']);
    const missing = await cli('y', ['work-order', 'show', 'WO-404', '--json'], false);
    expect([missing.status, errorOf(missing).code]).toEqual([4, 'WORK_ORDER_NOT_FOUND']);
  });

  it('signing with a certificate that is not a work-order signer is refused before the passphrase is asked', async () => {
    ok(await cli('x', ['authority', 'export-chain', '--out', 'not-a-signer/signer.pem'], false));
    const r = await cli('x', ['work-order', 'sign', 'wo-1.json', '--signer', 'not-a-signer', '--out', 'bad.cms', '--json'], false);
    expect(errorOf(r).code).toBe('WORK_ORDER_SIGNER_NOT_AUTHORIZED');
  });
});
