import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../../electron/core/device/nrf91/cbor';
import {
  coseSign1SigStructure,
  parseCoseSign1,
  verifyCoseSign1,
  NORDIC_KID_NAMES,
} from '../../../electron/core/device/nrf91/cose-sign1';
import { Nrf91KeygenErrorCodes as C } from '../../../electron/core/device/nrf91/keygen-codes';
import { coseSign1, expectCode, fixtureKey, hex, unhex } from './keygen-helpers';

const identity = fixtureKey('technician-p256');
const payload = unhex('d9d9f78100');

describe('coseSign1SigStructure', () => {
  it('is the canonical ["Signature1", protected, h"", payload] (hand-encoded golden vector)', () => {
    // 84 | 6a "Signature1" | 43 a10126 | 40 | 45 d9d9f78100
    expect(hex(coseSign1SigStructure(unhex('a10126'), payload))).toBe(
      '846a5369676e61747572653143a101264045d9d9f78100',
    );
  });
  it('uses 1-byte length heads above 23 bytes', () => {
    expect(hex(coseSign1SigStructure(unhex('a10126'), new Uint8Array(76))).slice(-(2 * 78))).toBe('584c' + '00'.repeat(76));
  });
});

describe('parseCoseSign1 + verifyCoseSign1', () => {
  it('parses and verifies a tagged COSE_Sign1 built with node:crypto (ieee-p1363)', () => {
    const bytes = coseSign1(identity, payload);
    const c = parseCoseSign1(bytes);
    expect(c.alg).toBe(-7);
    expect(hex(c.protectedBytes)).toBe('a10126');
    expect(hex(c.payload)).toBe(hex(payload));
    expect(c.signature).toHaveLength(64);
    expect(hex(c.kid!)).toBe('21');
    expect(c.kidValue).toBe(-2);
    expect(NORDIC_KID_NAMES[c.kidValue!]).toBe('identity_key');
    expect(verifyCoseSign1(c, identity)).toBe(true); // private KeyObject → public
    expect(verifyCoseSign1(c, createPublicKey(identity))).toBe(true);
    expect(verifyCoseSign1(c, new Uint8Array(createPublicKey(identity).export({ format: 'der', type: 'spki' })))).toBe(true);
  });

  it('accepts the untagged form', () => {
    const bytes = coseSign1(identity, payload).subarray(1);
    expect(verifyCoseSign1(parseCoseSign1(bytes), identity)).toBe(true);
  });

  it('fails under another key, or when payload / protected header / signature change', () => {
    const c = parseCoseSign1(coseSign1(identity, payload));
    expect(verifyCoseSign1(c, fixtureKey('device-p256'))).toBe(false);
    expect(verifyCoseSign1({ ...c, payload: unhex('d9d9f78101') }, identity)).toBe(false);
    expect(verifyCoseSign1({ ...c, protectedBytes: unhex('a1012600') }, identity)).toBe(false);
    const sig = Uint8Array.from(c.signature);
    sig[10]! ^= 1;
    expect(verifyCoseSign1({ ...c, signature: sig }, identity)).toBe(false);
  });

  it('refuses non-P-256 verification keys', () => {
    const c = parseCoseSign1(coseSign1(identity, payload));
    expectCode(() => verifyCoseSign1(c, fixtureKey('root-p384')), C.NRF91_COSE_KEY_INVALID);
    expectCode(() => verifyCoseSign1(c, fixtureKey('device-rsa2048')), C.NRF91_COSE_KEY_INVALID);
    expectCode(() => verifyCoseSign1(c, generateKeyPairSync('ed25519').publicKey), C.NRF91_COSE_KEY_INVALID);
    expectCode(() => verifyCoseSign1(c, unhex('3000')), C.NRF91_COSE_KEY_INVALID);
  });

  const sig64 = new Uint8Array(64);
  const unprot = unhex('a0');
  const build = (...items: Uint8Array[]): Uint8Array => Uint8Array.from([0xd2, 0x84, ...items.flatMap((x) => [...x])]);
  const bstr = (b: Uint8Array): Uint8Array => encodeCbor(b);

  it('builder sanity: the minimal valid shape parses', () => {
    expect(parseCoseSign1(build(bstr(unhex('a10126')), unprot, bstr(payload), bstr(sig64))).alg).toBe(-7);
  });

  it.each([
    ['wrong tag', () => Uint8Array.from([0xd1, ...build(bstr(unhex('a10126')), unprot, bstr(payload), bstr(sig64)).subarray(1)]), 'unexpected tag'],
    ['3 elements', () => Uint8Array.from([0x83, ...bstr(unhex('a10126')), ...unprot, ...bstr(payload)]), 'not a 4-element array'],
    ['protected not bstr', () => build(unhex('a10126'), unprot, bstr(payload), bstr(sig64)), 'protected header is not a byte string'],
    ['empty protected', () => build(bstr(new Uint8Array(0)), unprot, bstr(payload), bstr(sig64)), 'protected header is empty (alg required)'],
    ['protected lacks alg', () => build(bstr(unhex('a10421')), unprot, bstr(payload), bstr(sig64)), 'protected header lacks alg'],
    ['unprotected not map', () => build(bstr(unhex('a10126')), unhex('80'), bstr(payload), bstr(sig64)), 'unprotected header is not a map'],
    ['detached payload', () => build(bstr(unhex('a10126')), unprot, unhex('f6'), bstr(sig64)), 'payload is not a byte string (detached payloads unsupported)'],
    ['short signature', () => build(bstr(unhex('a10126')), unprot, bstr(payload), bstr(new Uint8Array(63))), 'ES256 signature is not 64 bytes'],
    ['alg in both buckets', () => build(bstr(unhex('a10126')), unhex('a10126'), bstr(payload), bstr(sig64)), 'header label in both buckets'],
    ['kid not bstr', () => build(bstr(unhex('a10126')), unhex('a10421'), bstr(payload), bstr(sig64)), 'kid is not a byte string'],
  ])('refuses %s', (_name, make, reason) => {
    expectCode(() => parseCoseSign1(make()), C.NRF91_COSE_INVALID, reason);
  });

  it('refuses algorithms other than ES256', () => {
    expectCode(() => parseCoseSign1(build(bstr(unhex('a10127')), unprot, bstr(payload), bstr(sig64))), C.NRF91_COSE_UNSUPPORTED_ALG);
  });

  it('refuses malformed CBOR with the CBOR code', () => {
    const good = coseSign1(identity, payload);
    expectCode(() => parseCoseSign1(good.subarray(0, good.length - 1)), C.NRF91_CBOR_INVALID, 'length beyond input');
    expectCode(() => parseCoseSign1(Uint8Array.from([...good, 0])), C.NRF91_CBOR_INVALID, 'trailing bytes');
  });
});
