/**
 * The work-order requirement travels in the CA certificate: Company-X signs
 * Factory-Y with `authority sign-subordinate --require-work-orders`, which
 * puts the certificate policy 2.25.…0015.2.1 in Factory-Y's certificate
 * (OpenSSL reads it); Factory-Y's own sub-CA inherits it without the flag;
 * a CA signed without it carries none.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Oid } from '../../electron/core/pki/index';
import { runInProcess, type CliRun } from './helpers';

const W = mkdtempSync(join(tmpdir(), 'require-wo-cli-'));
const f = (name: string) => join(W, name);
for (const s of ['x', 'y', 'z', 'q']) writeFileSync(f(`pass-${s}`), `${s} passphrase\n`, { mode: 0o600 });
const WF = ['--work-factor', '17'];

function cli(station: string, args: string[], passphrase = true): Promise<CliRun> {
  return runInProcess(['--home', f(`home-${station}`), ...args, ...(passphrase ? ['--passphrase-file', f(`pass-${station}`)] : [])], { cwd: W });
}
function ok(r: CliRun): CliRun {
  expect(r.status, r.stderr + r.stdout).toBe(0);
  return r;
}
const policiesOf = (pem: string): string => execFileSync('openssl', ['x509', '-in', pem, '-noout', '-text'], { cwd: W, encoding: 'utf8' });

beforeAll(async () => {
  ok(await cli('x', ['authority', 'init-root', '--cn', 'Company-X', '--days', '3650', ...WF]));
  ok(await cli('x', ['authority', 'export-chain', '--out', 'x-root.pem'], false));
}, 60_000);

describe('authority sign-subordinate --require-work-orders', () => {
  it('states the requirement as a certificate policy, inherited down the chain; a CA signed without it has none', async () => {
    ok(await cli('y', ['authority', 'request', '--cn', 'Factory-Y', '--root', 'x-root.pem', ...WF, '--out', 'y.csr']));
    const signed = JSON.parse(ok(await cli('x', ['authority', 'sign-subordinate', 'y.csr', '--path-len', '1', '--days', '1825', '--require-work-orders', '--out', 'y.bundle.pem', '--json'])).stdout) as { requireWorkOrders: boolean };
    expect(signed.requireWorkOrders).toBe(true);
    expect(policiesOf('y.bundle.pem')).toMatch(new RegExp(`X509v3 Certificate Policies: *\\n *Policy: ${Oid.workOrdersRequired.replace(/\./g, '\\.')}`));
    ok(await cli('y', ['authority', 'import', 'y.bundle.pem'], false));

    ok(await cli('z', ['authority', 'request', '--cn', 'Technician-Z', '--root', 'x-root.pem', ...WF, '--out', 'z.csr']));
    const inherited = JSON.parse(ok(await cli('y', ['authority', 'sign-subordinate', 'z.csr', '--path-len', '0', '--days', '365', '--out', 'z.bundle.pem', '--json'])).stdout) as { requireWorkOrders: boolean };
    expect(inherited.requireWorkOrders).toBe(true);
    expect(policiesOf('z.bundle.pem')).toContain(`Policy: ${Oid.workOrdersRequired}`);

    ok(await cli('q', ['authority', 'request', '--cn', 'Factory-Q', '--root', 'x-root.pem', ...WF, '--out', 'q.csr']));
    const plain = JSON.parse(ok(await cli('x', ['authority', 'sign-subordinate', 'q.csr', '--path-len', '0', '--days', '365', '--out', 'q.bundle.pem', '--json'])).stdout) as { requireWorkOrders: boolean };
    expect(plain.requireWorkOrders).toBe(false);
    expect(policiesOf('q.bundle.pem')).not.toContain('Certificate Policies');
    // The chain with the policy still verifies for OpenSSL as a device CA.
    execFileSync('openssl', ['verify', '-CAfile', 'x-root.pem', '-untrusted', 'y.bundle.pem', 'z.bundle.pem'], { cwd: W });
  }, 120_000);
});
