/**
 * Interop with CAs made by plain OpenSSL the way Azure's certGen.sh makes
 * them, and with an OpenSSL root signing the station's own request.
 */
import { readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Authority } from '../../electron/core/authority/index';
import { issueCertificate, readCsr } from '../../electron/core/pki/index';
import { runBin } from '../cli/helpers';
import { CERTGEN_CNF, codeOf, openssl, opensslVerify, tempDir } from './fixtures';

const W = tempDir('interop-');
const PASS = 'imported key passphrase';
writeFileSync(join(W, 'pass'), `${PASS}\n`);
writeFileSync(join(W, 'openssl_root_ca.cnf'), CERTGEN_CNF);

/** Sign a device CSR made by `openssl req -new` with the station's unlocked authority. */
async function deviceLeaf(a: Authority, id: string): Promise<string> {
  openssl(W, ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${id}.key`, '-subj', `/CN=${id}`, '-out', `${id}.csr`]);
  const csr = readCsr(readFileSync(join(W, `${id}.csr`)));
  const issuer = a.issuer();
  const leaf = await issueCertificate({ profile: 'deviceLeaf', commonName: id, subjectPublicKey: csr.publicKeySpki, issuer: { certificate: issuer.certificate, privateKey: issuer.privateKey }, notBefore: new Date(), days: 90 });
  writeFileSync(join(W, `${id}.pem`), leaf.pem);
  return `${id}.pem`;
}

beforeAll(() => {
  // certGen.sh style: RSA root (req -x509 -new with the v3_ca section) …
  openssl(W, ['genrsa', '-out', 'root.key', '2048']);
  openssl(W, ['req', '-new', '-x509', '-config', 'openssl_root_ca.cnf', '-key', 'root.key', '-subj', '/CN=Azure IoT Hub CA Cert Test Only', '-days', '3650', '-sha256', '-extensions', 'v3_ca', '-out', 'root.pem']);
  // … and an EC intermediate (SEC1 key) signed with `openssl x509 -req -extfile … -extensions v3_intermediate_ca`.
  openssl(W, ['ecparam', '-genkey', '-name', 'prime256v1', '-noout', '-out', 'intermediate.key']);
  openssl(W, ['req', '-new', '-key', 'intermediate.key', '-subj', '/CN=Azure IoT Hub Intermediate Cert Test Only', '-out', 'intermediate.csr']);
  openssl(W, ['x509', '-req', '-in', 'intermediate.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '365', '-sha256',
    '-extfile', 'openssl_root_ca.cnf', '-extensions', 'v3_intermediate_ca', '-out', 'intermediate.pem']);
  writeFileSync(join(W, 'bundle.pem'), readFileSync(join(W, 'intermediate.pem'), 'utf8') + readFileSync(join(W, 'root.pem'), 'utf8'));
  expect(readFileSync(join(W, 'intermediate.key'), 'utf8')).toMatch(/BEGIN EC PRIVATE KEY/);
}, 60_000);

describe('an OpenSSL (certGen.sh-style) CA migrated into the vault', () => {
  it('is imported with --key, sealed in the vault, and signs device leaves that pass openssl verify -x509_strict', async () => {
    const home = join(W, 'home-migrated');
    const r = await runBin(['--home', home, 'authority', 'import', 'bundle.pem', '--root', 'root.pem', '--key', 'intermediate.key', '--passphrase-file', 'pass', '--work-factor', '17', '--json'], { cwd: W });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'subordinate', subject: 'CN=Azure IoT Hub Intermediate Cert Test Only', keyImported: true });
    const keyFile = join(home, 'authority', 'ca-key.age');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile).includes(Buffer.from('PRIVATE KEY'))).toBe(false);

    const a = Authority.open({ home });
    expect(a.metadata).toMatchObject({ keyOrigin: 'imported', kind: 'subordinate', state: 'active' });
    await a.unlock(PASS);
    const leaf = await deviceLeaf(a, 'certgen-device-1');
    a.lock();
    const v = opensslVerify(W, ['-x509_strict', '-CAfile', 'root.pem', '-untrusted', 'intermediate.pem', leaf]);
    expect(v.ok, v.out).toBe(true);
  });

  it('refuses --key with a key that is not the bundle\'s (nothing sealed)', async () => {
    openssl(W, ['ecparam', '-genkey', '-name', 'prime256v1', '-noout', '-out', 'other.key']);
    const home = join(W, 'home-wrong-key');
    const r = await runBin(['--home', home, 'authority', 'import', 'bundle.pem', '--root', 'root.pem', '--key', 'other.key', '--passphrase-file', 'pass', '--work-factor', '17', '--json'], { cwd: W });
    expect(r.status).toBe(4);
    expect(JSON.parse(r.stdout).error.code).toBe('AUTHORITY_KEY_MISMATCH');
    expect(Authority.open({ home }).state).toBe('none');
  });

  it('also migrates the OpenSSL root itself (root key + self-signed bundle)', async () => {
    const home = join(W, 'home-root');
    const a = Authority.open({ home, workFactor: 17 });
    const root = { certificate: readFileSync(join(W, 'root.pem')) };
    const r = await a.importBundle(readFileSync(join(W, 'root.pem')), { key: readFileSync(join(W, 'root.key')), passphrase: PASS, root });
    expect(r).toMatchObject({ kind: 'root', keyImported: true });
    expect(a.show().chain[0]).toMatchObject({ selfSigned: true, pathLen: null, pathLenRoom: null });
    expect(await codeOf(a.importBundle(readFileSync(join(W, 'root.pem')), { key: readFileSync(join(W, 'root.key')), passphrase: PASS, root }))).toBe('AUTHORITY_ALREADY_CONFIGURED');
  });
});

describe("the station's own request signed by an OpenSSL root", () => {
  it('`openssl x509 -req` signs the CSR; the bundle imports; device leaves verify', async () => {
    const home = join(W, 'home-requester');
    // The root pinned by its fingerprint exactly as `openssl x509 -fingerprint -sha256` prints it.
    const fingerprint = openssl(W, ['x509', '-in', 'root.pem', '-noout', '-fingerprint', '-sha256']).trim();
    expect(fingerprint).toMatch(/^sha256 Fingerprint=([0-9A-F]{2}:){31}[0-9A-F]{2}$/i);
    const req = await runBin(['--home', home, 'authority', 'request', '--cn', 'Technician-Z', '--org', 'Installer Z', '--root-sha256', fingerprint, '--out', 'station.csr', '--passphrase-file', 'pass', '--work-factor', '17'], { cwd: W });
    expect(req.status, req.stderr).toBe(0);
    openssl(W, ['req', '-in', 'station.csr', '-verify', '-noout']);
    openssl(W, ['x509', '-req', '-in', 'station.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '365', '-sha256',
      '-extfile', 'openssl_root_ca.cnf', '-extensions', 'v3_intermediate_ca', '-out', 'station.pem']);
    writeFileSync(join(W, 'station-bundle.pem'), readFileSync(join(W, 'station.pem'), 'utf8') + readFileSync(join(W, 'root.pem'), 'utf8'));
    const imp = await runBin(['--home', home, 'authority', 'import', 'station-bundle.pem', '--json'], { cwd: W });
    expect(imp.status, imp.stdout + imp.stderr).toBe(0);
    expect(JSON.parse(imp.stdout)).toMatchObject({ kind: 'subordinate', keyImported: false, chain: [{ pathLenRoom: 0 }, { subject: 'CN=Azure IoT Hub CA Cert Test Only', pathLenRoom: null }] });

    const a = Authority.open({ home });
    await a.unlock(PASS);
    const leaf = await deviceLeaf(a, 'station-device-1');
    a.lock();
    const v = opensslVerify(W, ['-x509_strict', '-CAfile', 'root.pem', '-untrusted', 'station.pem', leaf]);
    expect(v.ok, v.out).toBe(true);
  });
});
