/**
 * The hub stand-in's own TLS identity: a throwaway self-signed P-256 server
 * certificate for 127.0.0.1. It is unrelated to the custodian chain on purpose:
 * devices trust the hub through it, the hub trusts devices through the
 * Company-X root, and the two must never be confused.
 */
import type { webcrypto } from 'node:crypto';
import { x509, crypto } from '../pki/crypto';

export interface ServerIdentity { certPem: string; keyPem: string }

export async function makeServerIdentity(now = new Date()): Promise<ServerIdentity> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(crypto.getRandomValues(new Uint8Array(12))).toString('hex').replace(/^[89a-f]/, '1'),
    name: 'CN=custodian-hub-standin',
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + 2 * 86_400_000),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }, { type: 'dns', value: 'localhost' }]),
    ],
  });
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = x509.PemConverter.encode(pkcs8.buffer, 'PRIVATE KEY');
  pkcs8.fill(0);
  return { certPem: cert.toString('pem'), keyPem };
}
