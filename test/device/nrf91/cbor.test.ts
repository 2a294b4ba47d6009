import { describe, expect, it } from 'vitest';
import { CborTag, decodeCbor, encodeCbor, CBOR_MAX_DEPTH } from '../../../electron/core/device/nrf91/cbor';
import { Nrf91KeygenErrorCodes as C } from '../../../electron/core/device/nrf91/keygen-codes';
import { expectCode, hex, unhex } from './keygen-helpers';

const bad = (h: string, reason: string): void => expectCode(() => decodeCbor(unhex(h)), C.NRF91_CBOR_INVALID, reason);

describe('decodeCbor — RFC 8949 Appendix A vectors', () => {
  it.each([
    ['00', 0],
    ['17', 23],
    ['1818', 24],
    ['1903e8', 1000],
    ['1a000f4240', 1000000],
    ['1b000000e8d4a51000', 1000000000000],
    ['20', -1],
    ['3863', -100],
    ['3903e7', -1000],
    ['f4', false],
    ['f5', true],
    ['f6', null],
    ['6161', 'a'],
    ['6449455446', 'IETF'],
    ['62c3bc', '\u00fc'],
  ])('%s', (h, v) => {
    expect(decodeCbor(unhex(h))).toStrictEqual(v);
  });

  it('big integers become bigint', () => {
    expect(decodeCbor(unhex('1bffffffffffffffff'))).toBe(18446744073709551615n);
    expect(decodeCbor(unhex('3bffffffffffffffff'))).toBe(-18446744073709551616n);
  });

  it('byte strings, arrays, maps, tags', () => {
    expect(decodeCbor(unhex('4401020304'))).toStrictEqual(unhex('01020304'));
    expect(decodeCbor(unhex('8301820203820405'))).toStrictEqual([1, [2, 3], [4, 5]]);
    expect(decodeCbor(unhex('a201020304'))).toStrictEqual(new Map([[1, 2], [3, 4]]));
    expect(decodeCbor(unhex('a26161016162820203'))).toStrictEqual(new Map<string, unknown>([['a', 1], ['b', [2, 3]]]));
    const t = decodeCbor(unhex('d24100'));
    expect(t).toBeInstanceOf(CborTag);
    expect((t as CborTag).tag).toBe(18);
    expect((t as CborTag).value).toStrictEqual(unhex('00'));
  });
});

describe('decodeCbor refuses', () => {
  it.each([
    ['9f01ff', 'indefinite length'],
    ['5f4101ff', 'indefinite length'],
    ['bf0102ff', 'indefinite length'],
    ['ff', 'unexpected break'],
  ])('indefinite %s', (h, r) => bad(h, r));

  it('trailing bytes', () => bad('0000', 'trailing bytes'));
  it('truncated input', () => {
    bad('', 'truncated');
    bad('8201', 'length beyond input'); // 2 items announced, 1 byte left
    bad('1903', 'length beyond input'); // 2-byte argument cut short
  });
  it('lengths beyond the input', () => {
    bad('581800', 'length beyond input');
    bad('44010203', 'length beyond input');
    bad('9bffffffffffffffff', 'length beyond input'); // 2^64-1 elements, no allocation
    bad('9a7fffffff00', 'length beyond input');
  });
  it('non-preferred (non-shortest) arguments', () => {
    bad('1817', 'non-preferred argument encoding');
    bad('190017', 'non-preferred argument encoding');
    bad('5800', 'non-preferred argument encoding');
  });
  it('floats, undefined, other simple values, reserved ai', () => {
    bad('f7', 'unsupported simple value or float');
    bad('f93c00', 'unsupported simple value or float');
    bad('fb3ff199999999999a', 'unsupported simple value or float');
    bad('1c', 'reserved additional info');
  });
  it('bad map keys, duplicate keys, invalid UTF-8', () => {
    bad('a14100f6', 'unsupported map key type');
    bad('a201020103', 'duplicate map key');
    bad('62c328', 'invalid UTF-8');
  });
  it(`nesting deeper than ${CBOR_MAX_DEPTH}`, () => {
    const ok = '81'.repeat(CBOR_MAX_DEPTH) + '00';
    expect(() => decodeCbor(unhex(ok))).not.toThrow();
    bad('81'.repeat(CBOR_MAX_DEPTH + 1) + '00', 'nesting too deep');
    bad('c1'.repeat(CBOR_MAX_DEPTH + 1) + '00', 'nesting too deep');
  });
});

describe('encodeCbor', () => {
  it('emits preferred serialization', () => {
    expect(hex(encodeCbor(0))).toBe('00');
    expect(hex(encodeCbor(24))).toBe('1818');
    expect(hex(encodeCbor(1000))).toBe('1903e8');
    expect(hex(encodeCbor(1000000))).toBe('1a000f4240');
    expect(hex(encodeCbor(1000000000000))).toBe('1b000000e8d4a51000');
    expect(hex(encodeCbor(-7))).toBe('26');
    expect(hex(encodeCbor(-1000))).toBe('3903e7');
    expect(hex(encodeCbor('IETF'))).toBe('6449455446');
    expect(hex(encodeCbor(new Uint8Array(24)))).toBe('5818' + '00'.repeat(24));
    expect(hex(encodeCbor([1, [2, 3], [4, 5]]))).toBe('8301820203820405');
  });
  it('round-trips through the decoder', () => {
    const v = ['Signature1', unhex('a10126'), new Uint8Array(0), new Uint8Array(300).fill(7)];
    expect(decodeCbor(encodeCbor(v))).toStrictEqual(v);
  });
  it('rejects non-integers', () => {
    expect(() => encodeCbor(1.5)).toThrow(RangeError);
  });
});
