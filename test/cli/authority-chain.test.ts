/**
 * The ceremony end to end through the real CLI: Company-X (root) → Factory-Y →
 * Technician-Z, three separate --home directories exchanging only files.
 * Then devices are signed by Technician-Z through the core issuance from
 * `openssl req -new` CSRs, and everything is checked with `openssl verify`.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Authority } from '../../electron/core/authority/index';
import { fromPem, issueCertificate, readCsr } from '../../electron/core/pki/index';
import { runBin, type CliRun } from './helpers';

const W = mkdtempSync(join(tmpdir(), 'ceremony-'));
const f = (name: string) => join(W, name);
const PASS = { x: 'company-x passphrase', y: 'factory-y passphrase', z: 'technician-z passphrase' };
for (const [k, v] of Object.entries(PASS)) writeFileSync(f(`pass-${k}`), `${v}\n`, { mode: 0o600 });

function cli(station: 'x' | 'y' | 'z', args: string[], passphrase = true): Promise<CliRun> {
  return runBin(['--home', f(`home-${station}`), ...args, ...(passphrase ? ['--passphrase-file', f(`pass-${station}`)] : [])], { cwd: W });
}
function ok(r: CliRun): CliRun {
  expect(r.status, r.stderr + r.stdout).toBe(0);
  return r;
}
function openssl(args: string[]): string {
  return execFileSync('openssl', args, { cwd: W, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
function opensslVerify(args: string[]): { ok: boolean; out: string } {
  try {
    return { ok: true, out: execFileSync('openssl', ['verify', ...args], { cwd: W, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

beforeAll(async () => {
  // Company-X: the brand root. Hands out companyx-root.pem.
  ok(await cli('x', ['authority', 'init-root', '--cn', 'Company-X', '--org', 'Company X', '--path-len', '2', '--days', '3650', '--work-factor', '17']));
  ok(await cli('x', ['authority', 'export-chain', '--out', 'companyx-root.pem'], false));
  // Factory-Y asks; Company-X signs; Factory-Y imports.
  // Factory-Y pins the Company-X root from the hand-over when it asks …
  ok(await cli('y', ['authority', 'request', '--cn', 'Factory-Y', '--org', 'Factory Y', '--root', 'companyx-root.pem', '--work-factor', '17', '--out', 'factory-y.csr']));
  ok(await cli('x', ['authority', 'sign-subordinate', 'factory-y.csr', '--path-len', '1', '--days', '1825', '--out', 'factory-y.bundle.pem']));
  ok(await cli('y', ['authority', 'import', 'factory-y.bundle.pem'], false));
  // Technician-Z asks; Factory-Y signs; Technician-Z imports.
  ok(await cli('z', ['authority', 'request', '--cn', 'Technician-Z', '--work-factor', '17', '--out', 'technician-z.csr']));
  ok(await cli('y', ['authority', 'sign-subordinate', 'technician-z.csr', '--path-len', '0', '--days', '365', '--out', 'technician-z.bundle.pem']));
  // … Technician-Z gives it at import.
  ok(await cli('z', ['authority', 'import', 'technician-z.bundle.pem', '--root', 'companyx-root.pem'], false));
  ok(await cli('z', ['authority', 'export-chain', '--out', 'technician-z.chain.pem'], false));
}, 120_000);

describe('Company-X → Factory-Y → Technician-Z through the CLI', () => {
  it('Technician-Z holds the full chain with the path length room shrinking at each level', async () => {
    const r = ok(await cli('z', ['authority', 'show', '--json'], false));
    const show = JSON.parse(r.stdout);
    expect(show).toMatchObject({ state: 'active', kind: 'subordinate', unlocked: false, keyFile: { format: 'age-v1-scrypt', logN: 17, mode: '0600' } });
    expect(show.chain.map((c: { subject: string; pathLenRoom: number; selfSigned: boolean }) => [c.subject, c.pathLenRoom, c.selfSigned])).toEqual([
      ['CN=Technician-Z', 0, false],
      ['O=Factory Y, CN=Factory-Y', 1, false],
      ['O=Company X, CN=Company-X', 2, true],
    ]);
    expect(show.chain[0].daysLeft).toBeGreaterThanOrEqual(364);
    const rootFp = openssl(['x509', '-in', 'companyx-root.pem', '-noout', '-fingerprint', '-sha256']).split('=')[1]!.replace(/:/g, '').trim().toLowerCase();
    expect(show.chain[2].fingerprintSha256).toBe(rootFp);
  });

  it('openssl verifies each station certificate against the Company-X root', () => {
    writeFileSync(f('tz.pem'), readFileSync(f('technician-z.bundle.pem'), 'utf8').split(/(?<=-----END CERTIFICATE-----\n)/)[0]!);
    const v = opensslVerify(['-x509_strict', '-CAfile', 'companyx-root.pem', '-untrusted', 'technician-z.bundle.pem', 'tz.pem']);
    expect(v.ok, v.out).toBe(true);
    expect(openssl(['x509', '-in', 'tz.pem', '-noout', '-ext', 'basicConstraints'])).toMatch(/critical\s+CA:TRUE, pathlen:0/);
  });

  for (const [label, genArgs] of [
    ['P-256', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
    ['RSA-2048', ['-newkey', 'rsa:2048']],
  ] as const) {
    it(`a device leaf for an openssl ${label} CSR, signed by Technician-Z, passes openssl verify -x509_strict`, async () => {
      const id = `device-${label.toLowerCase()}`;
      openssl(['req', '-new', ...genArgs, '-nodes', '-keyout', `${id}.key`, '-subj', `/CN=${id}/O=ignored`, '-out', `${id}.csr`]);
      const z = Authority.open({ home: f('home-z') });
      await z.unlock(PASS.z);
      const issuer = z.issuer();
      expect(issuer.privateKey.extractable).toBe(false);
      const csr = readCsr(readFileSync(f(`${id}.csr`)));
      const leaf = await issueCertificate({
        profile: 'deviceLeaf',
        commonName: csr.commonName!,
        subjectPublicKey: csr.publicKeySpki,
        issuer: { certificate: issuer.certificate, privateKey: issuer.privateKey },
        notBefore: new Date(),
        days: 365,
      });
      z.lock();
      expect(() => z.issuer()).toThrow(/locked/);
      writeFileSync(f(`${id}.pem`), leaf.pem);
      const v = opensslVerify(['-x509_strict', '-CAfile', 'companyx-root.pem', '-untrusted', 'technician-z.chain.pem', `${id}.pem`]);
      expect(v.ok, v.out).toBe(true);
      expect(openssl(['x509', '-in', `${id}.pem`, '-noout', '-subject'])).toMatch(new RegExp(`subject=CN = ${id}\\s*$`));
      // …and the leaf belongs to the key openssl made.
      const certPub = openssl(['x509', '-in', `${id}.pem`, '-noout', '-pubkey']);
      const keyPub = openssl(['pkey', '-in', `${id}.key`, '-pubout']);
      expect(certPub).toBe(keyPub);
    });
  }

  it('verification-cert writes .pem and .cer with CN = the code, verifying under the chain', async () => {
    const r = ok(await cli('z', ['authority', 'verification-cert', '8F3A9C21D0E4B7', '--out', 'verify-z', '--json']));
    const out = JSON.parse(r.stdout);
    expect(out.code).toBe('8F3A9C21D0E4B7');
    expect(existsSync(f('verify-z.pem')) && existsSync(f('verify-z.cer'))).toBe(true);
    expect(openssl(['x509', '-in', 'verify-z.pem', '-noout', '-subject'])).toBe('subject=CN = 8F3A9C21D0E4B7\n');
    const der = readFileSync(f('verify-z.cer'));
    expect(der[0]).toBe(0x30);
    expect(fromPem(readFileSync(f('verify-z.pem'), 'utf8'))[0]!.der).toEqual(new Uint8Array(der));
    const v = opensslVerify(['-x509_strict', '-CAfile', 'companyx-root.pem', '-untrusted', 'technician-z.chain.pem', 'verify-z.pem']);
    expect(v.ok, v.out).toBe(true);
    // Signed by Technician-Z's key specifically.
    expect(openssl(['x509', '-in', 'verify-z.pem', '-noout', '-issuer'])).toBe('issuer=CN = Technician-Z\n');
  });

  it('export-chain holds the public chain only, never a private key', async () => {
    const pem = readFileSync(f('technician-z.chain.pem'), 'utf8');
    expect(fromPem(pem).map((b) => b.label)).toEqual(['CERTIFICATE', 'CERTIFICATE', 'CERTIFICATE']);
    expect(pem).not.toMatch(/PRIVATE KEY|ENCRYPTED|age-encryption/);
    const r = ok(await cli('z', ['authority', 'export-chain', '--json'], false));
    const json = JSON.parse(r.stdout);
    expect(json.pem).toBe(pem);
    expect(r.stdout).not.toMatch(/PRIVATE KEY/);
    const one = ok(await cli('z', ['authority', 'export-chain', '--ca-only', '--json'], false));
    const single = JSON.parse(one.stdout);
    expect(fromPem(single.pem)).toHaveLength(1);
    expect(single.certificates).toEqual([json.certificates[0]]);
  });

  it('the handed-over files are only CSRs and certificates; the key files stay 0600 in each home', () => {
    for (const name of ['factory-y.csr', 'technician-z.csr']) expect(readFileSync(f(name), 'utf8')).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n[\s\S]*-----END CERTIFICATE REQUEST-----\n$/);
    for (const name of ['factory-y.bundle.pem', 'technician-z.bundle.pem', 'companyx-root.pem']) {
      expect(fromPem(readFileSync(f(name), 'utf8')).every((b) => b.label === 'CERTIFICATE')).toBe(true);
    }
    expect(fromPem(readFileSync(f('technician-z.bundle.pem'), 'utf8'))).toHaveLength(3);
    // The CSR SHA-256 both stations print is that of the DER, reproducible with openssl.
    const der = execFileSync('openssl', ['req', '-in', 'technician-z.csr', '-outform', 'DER'], { cwd: W });
    expect(readCsr(readFileSync(f('technician-z.csr'))).csrSha256).toBe(createHash('sha256').update(der).digest('hex'));
  });
});

describe('--json errors and exit statuses', () => {
  it('wrong passphrase → VAULT_WRONG_PASSPHRASE, exit 5, nothing written', async () => {
    writeFileSync(f('wrong'), 'not the passphrase\n');
    const r = await runBin(['--home', f('home-z'), 'authority', 'verification-cert', 'ABC', '--out', 'never', '--passphrase-file', f('wrong'), '--json'], { cwd: W });
    expect(r.status).toBe(5);
    const e = JSON.parse(r.stdout).error;
    expect(e.code).toBe('VAULT_WRONG_PASSPHRASE');
    expect(e.message).toMatch(/wrong passphrase/i);
    expect(existsSync(f('never.pem'))).toBe(false);
    const human = await runBin(['--home', f('home-z'), 'authority', 'verification-cert', 'ABC', '--out', 'never'], { cwd: W, env: { CUSTODIAN_PASSPHRASE: 'not the passphrase' } });
    expect(human.status).toBe(5);
    expect(human.stderr).toMatch(/^error\[VAULT_WRONG_PASSPHRASE\]: .*\n {2}hint: /);
    expect(human.stderr).not.toMatch(/\n\s+at /);
  });

  it('bad CSR file → CSR_* code, exit 3', async () => {
    writeFileSync(f('garbage.csr'), '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n');
    const r = await cli('y', ['authority', 'sign-subordinate', 'garbage.csr', '--path-len', '0', '--days', '30', '--out', 'x.pem', '--json']);
    expect(r.status).toBe(3);
    expect(JSON.parse(r.stdout).error.code).toMatch(/^CSR_/);
    const missing = await cli('y', ['authority', 'sign-subordinate', 'no-such.csr', '--path-len', '0', '--days', '30', '--out', 'x.pem', '--json']);
    expect(missing.status).toBe(3);
    expect(JSON.parse(missing.stdout).error.code).toBe('CLI_INPUT_UNREADABLE');
  });

  it('missing authority → AUTHORITY_NOT_CONFIGURED, exit 5, without asking for a passphrase', async () => {
    const r = await runBin(['--home', f('home-empty'), 'authority', 'verification-cert', 'ABC', '--out', 'v', '--json'], { cwd: W });
    expect(r.status).toBe(5);
    expect(JSON.parse(r.stdout)).toEqual({ error: { code: 'AUTHORITY_NOT_CONFIGURED', message: expect.any(String), details: { dir: join(f('home-empty'), 'authority') } } });
    const show = ok(await runBin(['--home', f('home-empty'), 'authority', 'show', '--json'], { cwd: W }));
    expect(JSON.parse(show.stdout)).toMatchObject({ state: 'none', chain: [] });
  });

  it('a Technician-Z (pathLen 0) cannot sign another CA: policy exit 4', async () => {
    const r = await cli('z', ['authority', 'sign-subordinate', 'technician-z.csr', '--path-len', '0', '--days', '30', '--out', 'nope.pem', '--json']);
    expect(r.status).toBe(4);
    expect(JSON.parse(r.stdout).error.code).toBe('AUTHORITY_PATHLEN_NO_ROOM');
    expect(existsSync(f('nope.pem'))).toBe(false);
  });

  it('a second init on a configured station is refused, exit 4', async () => {
    const r = await cli('x', ['authority', 'init-root', '--cn', 'Again', '--work-factor', '17', '--json']);
    expect(r.status).toBe(4);
    expect(JSON.parse(r.stdout).error.code).toBe('AUTHORITY_ALREADY_CONFIGURED');
  });
});
