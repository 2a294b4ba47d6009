/** The parsed-public-key and described-key caches: one parse per SPKI, never the wrong key. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { publicKeyObject } from '../../electron/core/pki/key-objects';
import { assertDeviceKeyAllowed, describeSpki, keyInfoFromSpki } from '../../electron/core/pki/index';
import { knownKey } from '../../electron/core/pki/keys';
import { expectCode } from './helpers';

const newSpki = (curve = 'P-256'): Uint8Array => new Uint8Array(generateKeyPairSync('ec', { namedCurve: curve }).publicKey.export({ type: 'spki', format: 'der' }));
const spkiOf = (k: ReturnType<typeof publicKeyObject>): string => Buffer.from(k.export({ type: 'spki', format: 'der' })).toString('hex');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('publicKeyObject', () => {
  it('gives each SPKI its own key, and the same object for the same bytes in another array or view', () => {
    const a = newSpki();
    const b = newSpki();
    const ka = publicKeyObject(a);
    const kb = publicKeyObject(b);
    expect(spkiOf(ka)).toBe(hex(a));
    expect(spkiOf(kb)).toBe(hex(b));
    expect(ka).not.toBe(kb);
    expect(publicKeyObject(Uint8Array.from(a))).toBe(ka);
    const padded = new Uint8Array(a.length + 7);
    padded.set(a, 3);
    expect(publicKeyObject(padded.subarray(3, 3 + a.length))).toBe(ka);
  });

  it('keys on the bytes, not the array: rewriting a cached array yields the new key', () => {
    const a = newSpki();
    const b = newSpki();
    const buf = Uint8Array.from(a);
    expect(spkiOf(publicKeyObject(buf))).toBe(hex(a));
    buf.set(b);
    expect(spkiOf(publicKeyObject(buf))).toBe(hex(b));
  });

  it('does not cache failures: a bad key throws every time, also after a good one', async () => {
    const good = newSpki();
    const bad = Uint8Array.from(good);
    bad[bad.length - 1]! ^= 0x01; // same x, other y: off the curve
    publicKeyObject(good);
    for (let i = 0; i < 3; i++) {
      expect(() => publicKeyObject(bad)).toThrow();
      await expectCode(() => assertDeviceKeyAllowed(bad), 'KEY_MALFORMED');
    }
  });

  it('stays correct past its capacity (eviction)', () => {
    const keys = Array.from({ length: 150 }, (_, i) => newSpki(i % 3 === 0 ? 'P-384' : 'P-256'));
    const first = keys.map((k) => publicKeyObject(k));
    keys.forEach((k, i) => {
      const again = publicKeyObject(k);
      expect(spkiOf(again)).toBe(hex(k));
      expect(spkiOf(first[i]!)).toBe(hex(k));
    });
  });
});

describe('knownKey (described SPKIs, memoised by bytes)', () => {
  it('keys on the bytes: rewriting a described array yields the new shape and bits', () => {
    const p256 = newSpki('P-256');
    const p384 = newSpki('P-384');
    const buf = new Uint8Array(p384.length);
    buf.set(p256);
    const first = knownKey(buf.subarray(0, p256.length));
    expect(first.info).toEqual({ kind: 'EC', curve: 'P-256' });
    expect(hex(first.publicKeyBits)).toBe(hex(describeSpki(p256).publicKeyBits));
    buf.set(p384);
    expect(keyInfoFromSpki(buf)).toEqual({ kind: 'EC', curve: 'P-384' });
    expect(hex(knownKey(buf).publicKeyBits)).toBe(hex(describeSpki(p384).publicKeyBits));
  });

  it('does not cache refusals: an unsupported curve throws every time, with its code', async () => {
    const k1 = newSpki('secp256k1');
    for (let i = 0; i < 3; i++) {
      await expectCode(() => keyInfoFromSpki(k1), 'KEY_UNSUPPORTED_CURVE');
      await expectCode(() => assertDeviceKeyAllowed(k1), 'KEY_UNSUPPORTED_CURVE');
    }
  });
});
