/**
 * What we issue, checked by an independent implementation: OpenSSL 3.
 * CSRs come from `openssl req -new`; the chain is root → factory → technician.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueCertificate, readCsr, type IssuedCertificate } from '../../electron/core/pki/index';
import { fixtureKey, openssl, tempDir } from './helpers';

const NOW = new Date();
let dir: string;
let root: IssuedCertificate;
let factory: IssuedCertificate;
let technician: IssuedCertificate;
let techKey: Awaited<ReturnType<typeof fixtureKey>>;

beforeAll(async () => {
  dir = tempDir();
  const rootKey = await fixtureKey('root-p384');
  const factoryKey = await fixtureKey('intermediate-p256');
  techKey = await fixtureKey('technician-p256');
  const nb = new Date(NOW.getTime() - 3600_000);
  root = await issueCertificate({ profile: 'rootCa', commonName: 'Company-X Root', organization: 'Company-X', subjectPublicKey: rootKey.publicKey, issuer: 'self', selfKeys: rootKey, notBefore: nb, days: 3650 });
  factory = await issueCertificate({ profile: 'intermediateCa', commonName: 'Factory-Y', subjectPublicKey: factoryKey.publicKey, issuer: { certificate: root.der, privateKey: rootKey.privateKey }, pathLen: 1, notBefore: nb, days: 3000 });
  technician = await issueCertificate({ profile: 'intermediateCa', commonName: 'Technician-Z', subjectPublicKey: techKey.publicKey, issuer: { certificate: factory.der, privateKey: factoryKey.privateKey }, pathLen: 0, notBefore: nb, days: 2000 });
  writeFileSync(join(dir, 'root.pem'), root.pem);
  writeFileSync(join(dir, 'chain.pem'), technician.pem + factory.pem);
});

function makeCsr(name: string, keyArgs: string[], subj: string): string {
  expect(openssl(['genpkey', ...keyArgs, '-out', `${name}.key`], dir).status).toBe(0);
  const r = openssl(['req', '-new', '-key', `${name}.key`, '-subj', subj, '-out', `${name}.csr`], dir);
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(join(dir, `${name}.csr`), 'utf8');
}

async function leafFromCsr(csrPem: string, deviceId: string): Promise<IssuedCertificate> {
  const intake = readCsr(csrPem);
  return issueCertificate({
    profile: 'deviceLeaf',
    commonName: deviceId,
    subjectPublicKey: intake.publicKeySpki,
    issuer: { certificate: technician.der, privateKey: techKey.privateKey },
    notBefore: new Date(NOW.getTime() - 60_000),
    days: 365,
  });
}

function verify(file: string): { status: number; out: string } {
  const r = openssl(['verify', '-x509_strict', '-CAfile', 'root.pem', '-untrusted', 'chain.pem', file], dir);
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('openssl interop', () => {
  it('a leaf from a P-256 CSR passes openssl verify -x509_strict', async () => {
    const leaf = await leafFromCsr(makeCsr('p256', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/CN=ignored'), 'dev-p256-01');
    writeFileSync(join(dir, 'leaf-p256.pem'), leaf.pem);
    const v = verify('leaf-p256.pem');
    expect(v.out).toContain('leaf-p256.pem: OK');
    expect(v.status).toBe(0);
    // The certificate carries the CSR's key: openssl agrees the public keys are the same.
    const certPub = openssl(['x509', '-in', 'leaf-p256.pem', '-noout', '-pubkey'], dir).stdout;
    const keyPub = openssl(['pkey', '-in', 'p256.key', '-pubout'], dir).stdout;
    expect(certPub).toBe(keyPub);
    expect(openssl(['x509', '-in', 'leaf-p256.pem', '-noout', '-subject', '-nameopt', 'RFC2253'], dir).stdout.trim()).toBe('subject=CN=dev-p256-01');
  });

  it('a leaf from an RSA-2048 CSR passes openssl verify -x509_strict and has keyEncipherment', async () => {
    const leaf = await leafFromCsr(makeCsr('rsa', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], '/CN=rsa'), 'dev-rsa-01');
    writeFileSync(join(dir, 'leaf-rsa.pem'), leaf.pem);
    const v = verify('leaf-rsa.pem');
    expect(v.out).toContain('leaf-rsa.pem: OK');
    expect(v.status).toBe(0);
    const text = openssl(['x509', '-in', 'leaf-rsa.pem', '-noout', '-ext', 'keyUsage,extendedKeyUsage,basicConstraints'], dir).stdout;
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication/);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    // purpose check: usable as an SSL client certificate
    const p = openssl(['verify', '-x509_strict', '-purpose', 'sslclient', '-CAfile', 'root.pem', '-untrusted', 'chain.pem', 'leaf-rsa.pem'], dir);
    expect(p.status, p.stdout + p.stderr).toBe(0);
  });

  it('a hub verification certificate verifies against the CA it proves, with CN = the code', async () => {
    const ephemeral = await fixtureKey('device-p256');
    const code = 'E2A4C6B8D0F1A3B5C7D9E1F3A5B7C9D1E3F5A7B9C1D3E5F7';
    const ver = await issueCertificate({
      profile: 'hubVerification',
      commonName: code,
      subjectPublicKey: ephemeral.publicKey,
      issuer: { certificate: factory.der, privateKey: (await fixtureKey('intermediate-p256')).privateKey },
      notBefore: new Date(NOW.getTime() - 60_000),
    });
    writeFileSync(join(dir, 'ver.pem'), ver.pem);
    writeFileSync(join(dir, 'factory.pem'), factory.pem);
    const r = openssl(['verify', '-x509_strict', '-CAfile', 'root.pem', '-untrusted', 'factory.pem', 'ver.pem'], dir);
    expect(r.stdout + r.stderr).toContain('ver.pem: OK');
    expect(r.status).toBe(0);
    // Signed by the CA being proven (not by the root).
    expect(openssl(['verify', '-x509_strict', '-partial_chain', '-CAfile', 'factory.pem', 'ver.pem'], dir).status).toBe(0);
    expect(openssl(['x509', '-in', 'ver.pem', '-noout', '-subject', '-nameopt', 'RFC2253'], dir).stdout.trim()).toBe(`subject=CN=${code}`);
    const days = (ver.notAfter.getTime() - ver.notBefore.getTime()) / 86_400_000;
    expect(days).toBe(30);
  });

  it('openssl reads our root as a CA with pathlen and keyCertSign', () => {
    const text = openssl(['x509', '-in', 'root.pem', '-noout', '-ext', 'basicConstraints,keyUsage'], dir).stdout;
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:2/);
    expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
  });
});
