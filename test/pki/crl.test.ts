/**
 * The CRL encoder under the stationCrl profile, checked by OpenSSL: RSA and
 * P-384 issuers (each its own signature algorithm), serials whose top bit is
 * set, the reasonCode extension left out for `unspecified`, and every refusal
 * (an issuer that cannot sign CRLs, next-update days and CRL numbers out of
 * range, a key that is not the certificate's).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCustodianError } from '../../electron/core/errors';
import { buildCrl, crlSignedBy, generateKeyPair, issueCertificate, readCrl, stationCrl, type CaKeySpec } from '../../electron/core/pki/index';
import { makeHierarchy } from '../ledger/helpers';
import { openssl, tempDir } from './helpers';

const NOW = new Date('2026-06-01T12:00:00.750Z');

async function root(spec: CaKeySpec) {
  const keys = await generateKeyPair(spec, { extractable: false });
  const cert = await issueCertificate({ profile: 'rootCa', commonName: `CRL Root ${spec}`, subjectPublicKey: keys.publicKey, issuer: 'self', selfKeys: keys, notBefore: new Date('2026-01-01T00:00:00Z'), days: 3650 });
  return { keys, cert };
}

async function refusal(p: Promise<unknown>, code: string): Promise<void> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(isCustodianError(e, code), String(e)).toBe(true);
}

describe('buildCrl', () => {
  it.each(['RSA-2048', 'P-384'] as const)('a %s CA signs a v2 CRL that openssl verifies, with its entries, reasons and times', async (spec) => {
    const ca = await root(spec);
    const crl = await buildCrl({
      issuerCertificate: ca.cert.der, signingKey: ca.keys.privateKey, crlNumber: 300n, thisUpdate: NOW,
      entries: [
        { serialHex: 'ff01', revokedAt: new Date('2026-05-01T08:00:00Z'), reason: 'keyCompromise' },
        { serialHex: '1234', revokedAt: new Date('2026-05-02T08:00:00Z'), reason: 'unspecified' },
      ],
    });
    const dir = tempDir();
    writeFileSync(join(dir, 'ca.pem'), ca.cert.pem);
    writeFileSync(join(dir, 'crl.pem'), crl.pem);
    const v = openssl(['crl', '-in', 'crl.pem', '-CAfile', 'ca.pem', '-noout', '-verify'], dir);
    expect(v.stdout + v.stderr).toContain('verify OK');
    const text = openssl(['crl', '-in', 'crl.pem', '-noout', '-text'], dir).stdout;
    expect(text).toContain(spec === 'P-384' ? 'ecdsa-with-SHA384' : 'sha256WithRSAEncryption');
    expect(text).toMatch(/CRL Number:\s*\n\s*300\n/);
    expect(text).toContain('Last Update: Jun  1 12:00:00 2026 GMT');
    expect(text).toContain(`Next Update: Jun  8 12:00:00 2026 GMT`);
    expect(crl.nextUpdate.getTime() - crl.thisUpdate.getTime()).toBe(stationCrl.nextUpdate.defaultDays * 86_400_000);
    // A positive serial with its top bit set keeps its leading zero octet: OpenSSL reads FF01, not a negative number.
    const entries = text.split('Serial Number: ').slice(1);
    expect(entries.map((e) => e.split('\n')[0]!.trim())).toEqual(['FF01', '1234']);
    expect(entries[0]).toContain('Key Compromise');
    expect(entries[1]).not.toContain('CRL Reason Code');
    // Read back as the audit reads it: number, serials, signature under this CA and no other.
    const facts = readCrl(crl.der);
    expect([facts.crlNumber, facts.serials]).toEqual([300n, ['ff01', '1234']]);
    expect(crlSignedBy(facts, ca.cert.der)).toBe(true);
    expect(crlSignedBy(facts, (await root(spec)).cert.der)).toBe(false);
  });

  it('an empty CRL has no revokedCertificates and still verifies', async () => {
    const ca = await root('P-256' as CaKeySpec);
    const crl = await buildCrl({ issuerCertificate: ca.cert.der, signingKey: ca.keys.privateKey, crlNumber: 1n, thisUpdate: NOW, nextUpdateDays: 1, entries: [] });
    const dir = tempDir();
    writeFileSync(join(dir, 'ca.pem'), ca.cert.pem);
    writeFileSync(join(dir, 'crl.pem'), crl.pem);
    expect(openssl(['crl', '-in', 'crl.pem', '-CAfile', 'ca.pem', '-noout', '-verify'], dir).stderr).toContain('verify OK');
    expect(openssl(['crl', '-in', 'crl.pem', '-noout', '-text'], dir).stdout).toContain('No Revoked Certificates.');
  });

  it('refuses issuers that cannot sign CRLs, out-of-range days and numbers, and a key that is not the certificate\'s', async () => {
    const ca = await root('P-256' as CaKeySpec);
    const base = { issuerCertificate: ca.cert.der, signingKey: ca.keys.privateKey, crlNumber: 1n, thisUpdate: NOW, entries: [] };
    // A CA certificate without a subject key identifier (made by another library).
    const { root: foreign } = await makeHierarchy();
    await refusal(buildCrl({ ...base, issuerCertificate: foreign.der, signingKey: foreign.keys.privateKey }), 'CRL_ISSUER_UNSUITABLE');
    const leafKeys = await generateKeyPair('P-256', { extractable: false });
    const leaf = await issueCertificate({ profile: 'deviceLeaf', commonName: 'dev-1', subjectPublicKey: leafKeys.publicKey, issuer: { certificate: ca.cert.der, privateKey: ca.keys.privateKey }, notBefore: NOW, days: 30 });
    await refusal(buildCrl({ ...base, issuerCertificate: leaf.der }), 'CRL_ISSUER_UNSUITABLE');
    for (const nextUpdateDays of [0, stationCrl.nextUpdate.maxDays + 1, 1.5]) await refusal(buildCrl({ ...base, nextUpdateDays }), 'PROFILE_INVALID_REQUEST');
    await refusal(buildCrl({ ...base, crlNumber: 1n << 160n }), 'PROFILE_INVALID_REQUEST');
    await refusal(buildCrl({ ...base, crlNumber: -1n }), 'PROFILE_INVALID_REQUEST');
    const other = await generateKeyPair('P-256', { extractable: false });
    await refusal(buildCrl({ ...base, signingKey: other.privateKey }), 'KEY_MISMATCH');
  });

  it('checks the entries it is given: serial and reason, each with its code', async () => {
    const ca = await root('P-256' as CaKeySpec);
    const base = { issuerCertificate: ca.cert.der, signingKey: ca.keys.privateKey, crlNumber: 1n, thisUpdate: NOW };
    const at = new Date('2026-05-01T00:00:00Z');
    for (const serialHex of ['', 'FF01', '0x12', 'a'.repeat(41), '12 34']) {
      await refusal(buildCrl({ ...base, entries: [{ serialHex, revokedAt: at, reason: 'keyCompromise' }] }), 'CRL_SERIAL_INVALID');
    }
    for (const reason of ['certificateHold', 'removeFromCRL', 'aACompromise', 'toString', 'KeyCompromise']) {
      await refusal(buildCrl({ ...base, entries: [{ serialHex: '01', revokedAt: at, reason: reason as never }] }), 'CRL_REASON_INVALID');
    }
  });

  it('refuses an expired issuing CA, and stops nextUpdate at its notAfter', async () => {
    const keys = await generateKeyPair('P-256', { extractable: false });
    const ca = await issueCertificate({ profile: 'rootCa', commonName: 'Short CA', subjectPublicKey: keys.publicKey, issuer: 'self', selfKeys: keys, notBefore: new Date('2026-05-01T00:00:00Z'), days: 33 });
    const base = { issuerCertificate: ca.der, signingKey: keys.privateKey, crlNumber: 1n, entries: [] };
    const notAfter = new Date('2026-06-03T00:00:00Z');
    await refusal(buildCrl({ ...base, thisUpdate: new Date(notAfter.getTime() + 1000) }), 'CRL_ISSUER_EXPIRED');
    const crl = await buildCrl({ ...base, thisUpdate: NOW, nextUpdateDays: 7 });
    expect(crl.nextUpdate.getTime()).toBeLessThanOrEqual(notAfter.getTime());
    expect(crl.nextUpdate.getTime()).toBeGreaterThan(notAfter.getTime() - 1000);
  });
});
