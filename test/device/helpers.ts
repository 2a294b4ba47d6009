/** Test fixtures: a small CA hierarchy and leaf certificates for a device SPKI (test-only, not the pki engine). */
import { x509, crypto } from '../../electron/core/pki/crypto';

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
type KeyPair = { privateKey: CryptoKeyLike; publicKey: CryptoKeyLike };
type CryptoKeyLike = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

export interface TestCa {
  /** Issuer of the leaf first, root last. */
  chain: Uint8Array[];
  issue(spkiDer: Uint8Array, cn: string): Promise<Uint8Array>;
}

/**
 * `depth` CA certificates; each carries a `padBytes` opaque extension so a chain of
 * a few certificates is several KB and forces chunked writes.
 */
export async function makeTestCa(depth = 3, padBytes = 1200): Promise<TestCa> {
  const certs: x509.X509Certificate[] = [];
  const keys: KeyPair[] = [];
  let issuerName = '';
  for (let i = 0; i < depth; i++) {
    const k = (await crypto.subtle.generateKey(EC, false, ['sign', 'verify'])) as KeyPair;
    const name = `CN=Test CA ${i}`;
    const pad = new x509.Extension('1.3.6.1.4.1.55555.1', false, new Uint8Array(padBytes).fill(0x30 + i));
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: `0${i + 1}`,
      subject: name,
      issuer: i === 0 ? name : issuerName,
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2036-01-01T00:00:00Z'),
      publicKey: k.publicKey as never,
      signingKey: (i === 0 ? k : keys[i - 1]!).privateKey as never,
      signingAlgorithm: EC,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true), pad],
    });
    certs.push(cert);
    keys.push(k);
    issuerName = name;
  }
  const issuing = keys[depth - 1]!;
  return {
    chain: certs.map((c) => new Uint8Array(c.rawData)).reverse(),
    async issue(spkiDer, cn) {
      const pub = new x509.PublicKey(spkiDer);
      const alg = pub.algorithm as { name: string };
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: '7f01',
        subject: `CN=${cn}`,
        issuer: issuerName,
        notBefore: new Date('2026-01-01T00:00:00Z'),
        notAfter: new Date('2027-01-01T00:00:00Z'),
        publicKey: (await pub.export(alg.name === 'ECDSA' ? pub.algorithm : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, ['verify'])) as never,
        signingKey: issuing.privateKey as never,
        signingAlgorithm: EC,
      });
      return new Uint8Array(cert.rawData);
    },
  };
}

export function popChallenge(nonce = globalThis.crypto.getRandomValues(new Uint8Array(32))): Uint8Array {
  const label = new TextEncoder().encode('custodian-pop-v1\0');
  const out = new Uint8Array(label.length + nonce.length);
  out.set(label);
  out.set(nonce, label.length);
  return out;
}
