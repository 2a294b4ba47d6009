/**
 * The CRL of a CA whose key is in a PKCS#11 token (SoftHSM2) is signed on
 * the token through the same SigningKey path as its certificates: a
 * Company-X root on a token revokes the Factory-Y CA it signed, and OpenSSL
 * accepts the CRL and rejects Factory-Y by it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openssl } from '../support/openssl';
import { HAVE_SOFTHSM, startSoftHsm, type SoftHsm } from '../token/softhsm';
import { runBin, type CliRun } from '../cli/helpers';

const W = mkdtempSync(join(tmpdir(), 'crl-token-'));
const f = (name: string) => join(W, name);
writeFileSync(f('pin-x'), '110011\n', { mode: 0o600 });
let hsm: SoftHsm;
let ySerial = '';

const cli = (s: 'x' | 'y', args: string[]): Promise<CliRun> =>
  runBin(['--home', f(`home-${s}`), ...args], { cwd: W, env: { SOFTHSM2_CONF: hsm.conf, CUSTODIAN_PASSPHRASE: 'factory-y passphrase', CUSTODIAN_OPERATOR: 'alice' } });
function ok(r: CliRun): CliRun {
  expect(r.status, r.stderr + r.stdout).toBe(0);
  return r;
}

describe.skipIf(!HAVE_SOFTHSM)('CRL signed by a token-held CA key (SoftHSM2)', () => {
  beforeAll(async () => {
    hsm = startSoftHsm();
    hsm.initToken('company-x', '110011');
    ok(await cli('x', ['authority', 'init-root', '--cn', 'Company-X', '--path-len', '2', '--days', '3650', '--token', hsm.uri('company-x', 'company-x-ca'), '--pin-file', 'pin-x']));
    ok(await cli('x', ['authority', 'export-chain', '--out', 'root.pem']));
    ok(await cli('y', ['authority', 'request', '--cn', 'Factory-Y', '--root', 'root.pem', '--work-factor', '17', '--out', 'y.csr']));
    ySerial = (JSON.parse(ok(await cli('x', ['authority', 'sign-subordinate', 'y.csr', '--path-len', '1', '--days', '1825', '--out', 'y.bundle.pem', '--pin-file', 'pin-x', '--json'])).stdout) as { serialHex: string }).serialHex;
    writeFileSync(f('y.pem'), (await import('node:fs')).readFileSync(f('y.bundle.pem'), 'utf8').split(/(?<=-----END CERTIFICATE-----\n)/)[0]!);
  }, 120_000);

  it('revokes the subordinate CA (checkpoint signed on the token) and signs the CRL there; openssl accepts the CRL and rejects Factory-Y', async () => {
    const r = JSON.parse(ok(await cli('x', ['revoke', ySerial, '--reason', 'affiliationChanged', '--pin-file', 'pin-x', '--json'])).stdout) as { checkpointed: boolean; revoked: { subject: string }[] };
    expect(r).toMatchObject({ checkpointed: true, revoked: [{ subject: 'ca' }] });
    ok(await cli('x', ['crl', '--out', 'x.crl.pem', '--pin-file', 'pin-x']));
    const v = openssl(['crl', '-in', f('x.crl.pem'), '-CAfile', f('root.pem'), '-noout', '-verify']);
    expect(v.stdout + v.stderr).toContain('verify OK');
    expect(openssl(['crl', '-in', f('x.crl.pem'), '-noout', '-text']).stdout).toContain('Affiliation Changed');
    const y = openssl(['verify', '-crl_check', '-CAfile', f('root.pem'), '-CRLfile', f('x.crl.pem'), f('y.pem')]);
    expect(y.code).not.toBe(0);
    expect(y.stdout + y.stderr).toContain('certificate revoked');
    expect(openssl(['verify', '-CAfile', f('root.pem'), f('y.pem')]).code).toBe(0);
  }, 60_000);
});
