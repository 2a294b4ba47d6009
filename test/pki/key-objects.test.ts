/** The parsed-public-key cache: one OpenSSL parse per SPKI, never the wrong key. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { publicKeyObject } from '../../electron/core/pki/key-objects';
import { assertDeviceKeyAllowed } from '../../electron/core/pki/index';
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
