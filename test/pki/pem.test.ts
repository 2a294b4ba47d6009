/** PEM armour and fingerprints. */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprintSha256, fromPem, generateKeyPair, issueCertificate, toPem } from '../../electron/core/pki/index';

describe('pem', () => {
  it('round-trips, with 64-character lines', () => {
    const der = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const pem = toPem(der, 'CERTIFICATE');
    expect(pem.split('\n').every((l) => l.length <= 64)).toBe(true);
    expect(pem.startsWith('-----BEGIN CERTIFICATE-----\n')).toBe(true);
    expect(pem.endsWith('-----END CERTIFICATE-----\n')).toBe(true);
    expect(fromPem(pem)).toEqual([{ label: 'CERTIFICATE', der }]);
  });

  it('wraps at exactly 64 characters, every line full but the last, also for views into larger buffers', () => {
    for (const n of [0, 1, 47, 48, 49, 96, 97, 300]) {
      const backing = Uint8Array.from({ length: n + 10 }, (_, i) => (i * 37) & 0xff);
      const der = backing.subarray(5, 5 + n);
      const b64 = Buffer.from(der).toString('base64');
      const body = Array.from({ length: Math.ceil(b64.length / 64) }, (_, i) => b64.slice(i * 64, i * 64 + 64)).join('\n');
      expect(toPem(der, 'X')).toBe(`-----BEGIN X-----\n${body}\n-----END X-----\n`);
    }
    expect(toPem(Uint8Array.from({ length: 48 }, () => 0), 'X').split('\n')[1]).toHaveLength(64);
  });

  it('reads several blocks with labels, in order, across CRLF and surrounding text, and filters by label', () => {
    const a = toPem(Uint8Array.of(1, 2, 3), 'CERTIFICATE');
    const b = toPem(Uint8Array.of(4, 5), 'PRIVATE KEY');
    const c = toPem(Uint8Array.of(6), 'CERTIFICATE');
    const text = `Bag Attributes\r\n${a.replace(/\n/g, '\r\n')}junk\n${b}${c}`;
    expect(fromPem(text).map((x) => [x.label, [...x.der]])).toEqual([
      ['CERTIFICATE', [1, 2, 3]],
      ['PRIVATE KEY', [4, 5]],
      ['CERTIFICATE', [6]],
    ]);
    expect(fromPem(text, 'CERTIFICATE').map((x) => [...x.der])).toEqual([[1, 2, 3], [6]]);
  });

  it('refuses mismatched labels and non-base64 bodies', () => {
    expect(() => fromPem('-----BEGIN CERTIFICATE-----\nAQID\n-----END PRIVATE KEY-----\n')).toThrow(/closed by/);
    expect(() => fromPem('-----BEGIN CERTIFICATE-----\nA*ID\n-----END CERTIFICATE-----\n')).toThrow(/base64/);
  });

  it('fingerprintSha256 is lowercase hex and agrees with OpenSSL', async () => {
    const k = await generateKeyPair('P-256', { extractable: false });
    const c = await issueCertificate({ profile: 'rootCa', commonName: 'F', subjectPublicKey: k.publicKey, issuer: 'self', selfKeys: k, notBefore: new Date(), days: 1 });
    const fp = fingerprintSha256(c.der);
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    expect(fp).toBe(new X509Certificate(c.der).fingerprint256.replace(/:/g, '').toLowerCase());
    expect(c.fingerprintSha256).toBe(fp);
  });
});
