/** CA key handling and the device key policy. */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { RSAPublicKey } from '@peculiar/asn1-rsa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { subtle } from '../../electron/core/pki/crypto';
import {
  DEVICE_KEY_POLICY,
  DEVICE_KEY_TYPES,
  assertDeviceKeyAllowed,
  deviceKeyType,
  exportPkcs8,
  exportSpki,
  generateKeyPair,
  importPrivateKeyPkcs8,
  keyInfoFromSpki,
  type CaKeySpec,
} from '../../electron/core/pki/index';
import { expectCode, fixtureDer, openssl, tempDir } from './helpers';

const spkiOf = (type: 'ec' | 'rsa' | 'ed25519' | 'dsa', opts: Record<string, unknown>): Uint8Array =>
  new Uint8Array((generateKeyPairSync as (t: string, o: unknown) => { publicKey: ReturnType<typeof createPublicKey> })(type, opts).publicKey.export({ type: 'spki', format: 'der' }));

async function signsAndVerifies(pair: { privateKey: unknown; publicKey: unknown }): Promise<boolean> {
  const priv = pair.privateKey as Parameters<typeof subtle.sign>[1];
  const pub = pair.publicKey as Parameters<typeof subtle.verify>[1];
  const alg = priv.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' };
  const msg = new TextEncoder().encode('hello');
  return subtle.verify(alg, pub, await subtle.sign(alg, priv, msg), msg);
}

describe('generateKeyPair', () => {
  for (const spec of ['P-256', 'P-384', 'RSA-2048'] as CaKeySpec[]) {
    it(`${spec}: the key has the right shape and signs`, async () => {
      const k = await generateKeyPair(spec, { extractable: false });
      expect(k.privateKey.extractable).toBe(false);
      const info = keyInfoFromSpki(await exportSpki(k.publicKey));
      expect(info).toEqual(spec.startsWith('RSA') ? { kind: 'RSA', bits: 2048 } : { kind: 'EC', curve: spec });
      expect(await signsAndVerifies(k)).toBe(true);
    });
  }
  it('refuses a spec outside the list', async () => {
    await expectCode(generateKeyPair('P-521' as CaKeySpec, { extractable: false }), 'KEY_UNSUPPORTED_SPEC');
  });
});

describe('importPrivateKeyPkcs8 / exportPkcs8', () => {
  const cases: [string, CaKeySpec][] = [
    ['root-p384', 'P-384'],
    ['intermediate-p256', 'P-256'],
    ['root-rsa2048', 'RSA-2048'],
    ['ca-rsa4096', 'RSA-4096'],
  ];
  for (const [name, spec] of cases) {
    it(`${name}: imports non-extractable with a matching public key (${spec})`, async () => {
      const der = fixtureDer(`${name}.pkcs8.pem`);
      const k = await importPrivateKeyPkcs8(der);
      expect(k.spec).toBe(spec);
      expect(k.privateKey.extractable).toBe(false);
      expect(await signsAndVerifies(k)).toBe(true);
      await expectCode(exportPkcs8(k.privateKey), 'KEY_NOT_EXTRACTABLE');
      // public key equals what OpenSSL derives
      const expected = createPublicKey(createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' });
      expect(Buffer.from(await exportSpki(k.publicKey)).equals(expected)).toBe(true);
    });
  }

  it('round-trips an extractable key byte for byte', async () => {
    const der = fixtureDer('intermediate-p256.pkcs8.pem');
    const k = await importPrivateKeyPkcs8(der, { extractable: true });
    const again = await importPrivateKeyPkcs8(await exportPkcs8(k.privateKey));
    expect(Buffer.from(await exportSpki(again.publicKey)).equals(Buffer.from(await exportSpki(k.publicKey)))).toBe(true);
  });

  it('refuses unsupported and unreadable keys', async () => {
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({ type: 'pkcs8', format: 'der' });
    await expectCode(importPrivateKeyPkcs8(new Uint8Array(k1)), 'KEY_UNSUPPORTED_SPEC');
    await expectCode(importPrivateKeyPkcs8(new Uint8Array([1, 2, 3])), 'KEY_MALFORMED');
  });
});

describe('keyInfoFromSpki / assertDeviceKeyAllowed', () => {
  it('accepts P-256, P-384, RSA-2048 and RSA-4096', () => {
    expect(assertDeviceKeyAllowed(spkiOf('ec', { namedCurve: 'P-256' }))).toEqual({ kind: 'EC', curve: 'P-256' });
    expect(assertDeviceKeyAllowed(spkiOf('ec', { namedCurve: 'P-384' }))).toEqual({ kind: 'EC', curve: 'P-384' });
    expect(assertDeviceKeyAllowed(spkiOf('rsa', { modulusLength: 2048 }))).toEqual({ kind: 'RSA', bits: 2048 });
    const rsa4096 = createPublicKey(createPrivateKey({ key: Buffer.from(fixtureDer('ca-rsa4096.pkcs8.pem')), format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' });
    expect(assertDeviceKeyAllowed(new Uint8Array(rsa4096))).toEqual({ kind: 'RSA', bits: 4096 });
  });

  it('refuses secp256k1 and P-521 with KEY_UNSUPPORTED_CURVE, naming the curve', async () => {
    let err: unknown;
    try {
      assertDeviceKeyAllowed(spkiOf('ec', { namedCurve: 'secp256k1' }));
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'KEY_UNSUPPORTED_CURVE', details: { curve: 'secp256k1', curveOid: '1.3.132.0.10' } });
    await expectCode(() => assertDeviceKeyAllowed(spkiOf('ec', { namedCurve: 'P-521' })), 'KEY_UNSUPPORTED_CURVE');
  });

  it('refuses an EC key with explicit curve parameters (even if they describe P-256)', async () => {
    const dir = tempDir();
    expect(openssl(['ecparam', '-name', 'prime256v1', '-param_enc', 'explicit', '-genkey', '-noout', '-out', 'k.pem'], dir).status).toBe(0);
    expect(openssl(['pkey', '-in', 'k.pem', '-pubout', '-outform', 'DER', '-out', 'pub.der'], dir).status).toBe(0);
    const spki = new Uint8Array(readFileSync(join(dir, 'pub.der')));
    await expectCode(() => assertDeviceKeyAllowed(spki), 'KEY_UNSUPPORTED_CURVE');
  });

  it('refuses RSA-1024 (too small) and RSA above 8192 (too large)', async () => {
    await expectCode(() => assertDeviceKeyAllowed(spkiOf('rsa', { modulusLength: 1024 })), 'KEY_RSA_TOO_SMALL');
    await expectCode(() => assertDeviceKeyAllowed(spkiOf('rsa', { modulusLength: 2040 })), 'KEY_RSA_TOO_SMALL');
    // an 8200-bit modulus, encoded by hand (generating one would be slow)
    const n = new Uint8Array(1026).fill(0xab);
    n[0] = 0x00;
    n[1] = 0xff; // 1025 significant bytes → 8200 bits
    const rsaPub = AsnConvert.serialize(new RSAPublicKey({ modulus: n.buffer, publicExponent: new Uint8Array([1, 0, 1]).buffer }));
    const spki = AsnConvert.serialize(new SubjectPublicKeyInfo({ algorithm: new AlgorithmIdentifier({ algorithm: '1.2.840.113549.1.1.1', parameters: null }), subjectPublicKey: rsaPub }));
    expect(keyInfoFromSpki(new Uint8Array(spki))).toEqual({ kind: 'RSA', bits: 8200 });
    await expectCode(() => assertDeviceKeyAllowed(new Uint8Array(spki)), 'KEY_RSA_TOO_LARGE');
  });

  it('refuses Ed25519 and DSA with KEY_UNSUPPORTED_ALGORITHM', async () => {
    await expectCode(() => assertDeviceKeyAllowed(spkiOf('ed25519', {})), 'KEY_UNSUPPORTED_ALGORITHM');
    await expectCode(() => assertDeviceKeyAllowed(spkiOf('dsa', { modulusLength: 1024, divisorLength: 160 })), 'KEY_UNSUPPORTED_ALGORITHM');
  });

  it('refuses an EC point that is not on the curve, and non-DER input, with KEY_MALFORMED', async () => {
    const spki = spkiOf('ec', { namedCurve: 'P-256' });
    const bad = Uint8Array.from(spki);
    bad[bad.length - 1]! ^= 0x01;
    await expectCode(() => assertDeviceKeyAllowed(bad), 'KEY_MALFORMED');
    await expectCode(() => assertDeviceKeyAllowed(new Uint8Array([0x30, 0x03, 1, 2, 3])), 'KEY_MALFORMED');
  });
});

describe('deviceKeyType: the device key types, decided by the one device key policy', () => {
  it('every device key type is inside DEVICE_KEY_POLICY', () => {
    for (const t of DEVICE_KEY_TYPES) {
      if (t.startsWith('RSA-')) {
        const bits = Number(t.slice(4));
        expect(bits, t).toBeGreaterThanOrEqual(DEVICE_KEY_POLICY.rsaMinBits);
        expect(bits, t).toBeLessThanOrEqual(DEVICE_KEY_POLICY.rsaMaxBits);
      } else {
        expect(DEVICE_KEY_POLICY.ecCurves as readonly string[], t).toContain(t);
      }
    }
  });

  it('names an accepted key by its type', () => {
    expect(deviceKeyType(spkiOf('ec', { namedCurve: 'P-256' }))).toEqual({ name: 'P-256', type: 'P-256' });
    expect(deviceKeyType(spkiOf('ec', { namedCurve: 'P-384' }))).toEqual({ name: 'P-384', type: 'P-384' });
    expect(deviceKeyType(spkiOf('rsa', { modulusLength: 2048 }))).toEqual({ name: 'RSA-2048', type: 'RSA-2048' });
  });

  it('has no type for a key pki accepts that is not a device key type (RSA-2304)', () => {
    const spki = spkiOf('rsa', { modulusLength: 2304 });
    expect(assertDeviceKeyAllowed(spki)).toEqual({ kind: 'RSA', bits: 2304 });
    expect(deviceKeyType(spki)).toEqual({ name: 'RSA-2304', type: null });
  });

  it('names a refused key without a type, and refuses bytes that are no key with KEY_MALFORMED', async () => {
    expect(deviceKeyType(spkiOf('rsa', { modulusLength: 1024 }))).toEqual({ name: 'RSA-1024', type: null });
    expect(deviceKeyType(spkiOf('ec', { namedCurve: 'secp256k1' }))).toEqual({ name: 'EC-secp256k1', type: null });
    expect(deviceKeyType(spkiOf('ec', { namedCurve: 'P-521' }))).toEqual({ name: 'EC-P-521', type: null });
    expect(deviceKeyType(spkiOf('ed25519', {}))).toEqual({ name: 'Ed25519', type: null });
    await expectCode(() => deviceKeyType(new Uint8Array([0x30, 0x03, 1, 2, 3])), 'KEY_MALFORMED');
    const offCurve = Uint8Array.from(spkiOf('ec', { namedCurve: 'P-256' }));
    offCurve[offCurve.length - 1]! ^= 0x01;
    await expectCode(() => deviceKeyType(offCurve), 'KEY_MALFORMED');
  });
});
