/** Device ID rules ('dps' default, 'iothub'). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEVICE_ID_RULES, checkDeviceId, validateDeviceId } from '../../electron/core/pki/index';
import { expectCode } from './helpers';

describe("'dps' rule (default)", () => {
  it.each(['a', 'dev-001', 'sensor.17_b:3', '0', 'x-1', 'a'.repeat(64)])('accepts %j', (id) => {
    expect(validateDeviceId(id)).toBe(id);
  });

  it.each([
    ['', 'too-short'],
    ['a'.repeat(65), 'too-long'],
    ['Dev-001', 'bad-character'],
    ['dev 001', 'bad-character'],
    ['dev/001', 'bad-character'],
    ['dév', 'bad-character'],
    ['dev@x', 'bad-character'],
    ['dev.', 'bad-last-character'],
    ['dev_', 'bad-last-character'],
    ['dev:', 'bad-last-character'],
    ['x-', 'bad-last-character'],
    ['-dev', 'bad-first-character'],
    ['--device-id', 'bad-first-character'],
    ['.dev', 'bad-first-character'],
    ['_dev', 'bad-first-character'],
    [':dev', 'bad-first-character'],
  ])('refuses %j (%s)', async (id, reason) => {
    let err: unknown;
    try {
      validateDeviceId(id);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'DEVICE_ID_INVALID', details: { rule: 'dps', reason } });
  });

  it('reports where the bad character is', () => {
    expect(checkDeviceId('ab#cd')).toEqual({ reason: 'bad-character', index: 2, char: '#' });
  });
});

describe("'iothub' rule", () => {
  it.each(['Dev-001', "a-.%_*?!(),:=@$'z", 'x.', "ends'", 'A'.repeat(128)])('accepts %j', (id) => {
    expect(validateDeviceId(id, 'iothub')).toBe(id);
  });

  it.each(['', 'A'.repeat(129), 'a b', 'a/b', 'a#b', 'a+b', 'a"b', 'ümlaut', 'a\nb'])('refuses %j', async (id) => {
    await expectCode(() => validateDeviceId(id, 'iothub'), 'DEVICE_ID_INVALID');
  });

  it('is case-sensitive data, exported as rules', () => {
    expect(DEVICE_ID_RULES.iothub).toMatchObject({ maxLength: 128, caseSensitive: true });
    expect(DEVICE_ID_RULES.dps).toMatchObject({ minLength: 1, maxLength: 64, allowedFirstChars: expect.not.stringContaining('-'), allowedLastChars: expect.not.stringContaining('-') });
  });
});

describe('properties', () => {
  const dpsChars = [...DEVICE_ID_RULES.dps.allowedChars];
  const firstChars = [...DEVICE_ID_RULES.dps.allowedFirstChars!];
  const lastChars = [...DEVICE_ID_RULES.dps.allowedLastChars!];
  it('every string over the dps alphabet with a valid first and last char and length is accepted', () => {
    fc.assert(
      fc.property(fc.constantFrom(...firstChars), fc.array(fc.constantFrom(...dpsChars), { maxLength: 62 }), fc.constantFrom(...lastChars), (first, body, last) => {
        expect(checkDeviceId(first + body.join('') + last)).toBeUndefined();
      }),
    );
  });
  it('any character outside the iothub alphabet makes an ID invalid', () => {
    const allowed = new Set(DEVICE_ID_RULES.iothub.allowedChars);
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 1 }).filter((c) => !allowed.has(c)), fc.nat(20), (bad, pos) => {
        const id = 'a'.repeat(pos) + bad + 'b';
        expect(checkDeviceId(id, 'iothub')).toMatchObject({ reason: 'bad-character', index: pos });
      }),
    );
  });
});
