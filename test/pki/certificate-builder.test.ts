/**
 * signTbs: Node WebCrypto keys are signed with through node:crypto (no
 * thread-pool hop). The result must be what WebCrypto would give, the key must
 * stay non-extractable, and a key WebCrypto would refuse is still refused.
 */
import { verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signTbs } from '../../electron/core/pki/certificate-builder';
import { subtle, type CryptoKey } from '../../electron/core/pki/crypto';
import { ecdsaP1363ToDer } from '../../electron/core/pki/der';
import { exportSpki, generateKeyPair, type CaKeySpec } from '../../electron/core/pki/index';
import { fixtureKey } from './helpers';

const TBS = new TextEncoder().encode('a TBSCertificate stand-in');
const spkiKey = async (k: CryptoKey) => ({ key: Buffer.from(await exportSpki(k)), format: 'der' as const, type: 'spki' as const });

describe('signTbs', () => {
  for (const [spec, hash] of [['P-256', 'SHA-256'], ['P-384', 'SHA-384'], ['P-384', 'SHA-256']] as const) {
    it(`${spec}/${hash}: a DER ECDSA signature that verifies, from a key that stays non-extractable`, async () => {
      const k = await generateKeyPair(spec as CaKeySpec, { extractable: false });
      const sig = await signTbs(TBS, k.privateKey, hash);
      expect(sig[0]).toBe(0x30); // ECDSA-Sig-Value, not r||s
      expect(verify(hash.replace('SHA-', 'sha'), TBS, await spkiKey(k.publicKey), sig)).toBe(true);
      expect(verify(hash.replace('SHA-', 'sha'), new TextEncoder().encode('other'), await spkiKey(k.publicKey), sig)).toBe(false);
      // the same form WebCrypto's output converts to
      const web = ecdsaP1363ToDer(new Uint8Array(await subtle.sign({ name: 'ECDSA', hash }, k.privateKey, TBS)));
      expect(verify(hash.replace('SHA-', 'sha'), TBS, await spkiKey(k.publicKey), web)).toBe(true);
      expect(k.privateKey.extractable).toBe(false);
      await expect(subtle.exportKey('pkcs8', k.privateKey)).rejects.toThrow();
    });
  }

  it('RSA PKCS#1 v1.5: byte-identical to WebCrypto (deterministic)', async () => {
    const k = await fixtureKey('root-rsa2048');
    const web = new Uint8Array(await subtle.sign({ name: 'RSASSA-PKCS1-v1_5' }, k.privateKey, TBS));
    expect(Buffer.from(await signTbs(TBS, k.privateKey, 'SHA-256')).equals(Buffer.from(web))).toBe(true);
  });

  it('refuses what WebCrypto refuses: a public key', async () => {
    const k = await generateKeyPair('P-256', { extractable: false });
    await expect(signTbs(TBS, k.publicKey, 'SHA-256')).rejects.toThrow(/sign/);
    await expect(subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, k.publicKey, TBS)).rejects.toThrow();
  });
});
