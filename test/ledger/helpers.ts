import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, generateKeyPairSync, type KeyObject, type webcrypto } from 'node:crypto';
import { x509 } from '../../electron/core/pki/crypto';
import type { IssuanceIntent } from '../../electron/core/station/recorder';

export function tempDir(prefix = 'ledger-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface TestCa {
  cert: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
  der: Uint8Array;
  pem: string;
  fingerprint: string;
}

export async function makeCa(name: string, issuer?: TestCa): Promise<TestCa> {
  const keys = await x509.cryptoProvider.get().subtle.generateKey(alg, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: createHash('sha256').update(name).digest('hex').slice(0, 16),
    subject: `CN=${name}`,
    issuer: issuer ? issuer.cert.subject : `CN=${name}`,
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: new Date('2035-01-01T00:00:00Z'),
    signingAlgorithm: alg,
    publicKey: keys.publicKey,
    signingKey: (issuer ?? { keys }).keys.privateKey,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const der = new Uint8Array(cert.rawData);
  return { cert, keys, der, pem: cert.toString('pem'), fingerprint: createHash('sha256').update(der).digest('hex') };
}

export async function makeHierarchy(station = 'Technician-Z'): Promise<{ root: TestCa; factory: TestCa; custodian: TestCa }> {
  const root = await makeCa('Company-X');
  const factory = await makeCa('Factory-Y', root);
  const custodian = await makeCa(station, factory);
  return { root, factory, custodian };
}

let serialCounter = 1;

/** A device leaf signed by `ca` (for `publicKey`, default a fresh P-256 key), plus the matching intent. */
export async function makeLeaf(
  ca: TestCa, deviceId: string, serialHex = (0x1000 + serialCounter++).toString(16), publicKey: KeyObject = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
): Promise<{ intent: IssuanceIntent; der: Uint8Array }> {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const pub = await x509.cryptoProvider.get().subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialHex,
    subject: `CN=${deviceId}`,
    issuer: ca.cert.subject,
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2034-01-01T00:00:00Z'),
    signingAlgorithm: alg,
    publicKey: pub,
    signingKey: ca.keys.privateKey,
  });
  const der = new Uint8Array(cert.rawData);
  return {
    der,
    intent: {
      deviceId, subject: `CN=${deviceId}`, serialHex, spkiSha256: createHash('sha256').update(spki).digest('hex'),
      issuerFingerprint: ca.fingerprint, profile: 'device-leaf', notBefore: '2026-01-01T00:00:00.000Z',
      notAfter: '2034-01-01T00:00:00.000Z', operator: 'op-1', workOrder: 'WO-1',
    },
  };
}
