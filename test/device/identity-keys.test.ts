/** The brand owner's device identity keys file: strict JSON of UUID → P-256 SPKI PEM, each refusal with one code. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseIdentityKeys } from '../../electron/core/device/identity-keys';
import { isCustodianError } from '../../electron/core/errors';

const p256 = (): string => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const UUID = '504d5632-3739-42fb-80c8-1411df972166';
const file = (doc: unknown): Uint8Array => new TextEncoder().encode(typeof doc === 'string' ? doc : JSON.stringify(doc));

function refusal(doc: unknown): string {
  try {
    parseIdentityKeys(file(doc));
  } catch (e) {
    if (isCustodianError(e, 'DEVICE_IDENTITY_KEYS_INVALID')) return String(e.details.reason);
    throw e;
  }
  throw new Error('accepted');
}

describe('parseIdentityKeys', () => {
  it('reads UUID → SPKI DER, UUIDs lower-cased', () => {
    const pem = p256();
    const keys = parseIdentityKeys(file({ [UUID.toUpperCase()]: pem }));
    expect([...keys.keys()]).toEqual([UUID]);
    expect(Buffer.from(keys.get(UUID)!).toString('base64')).toBe(pem.split('\n').filter((l) => l && !l.startsWith('-----')).join(''));
  });

  it('refuses what is not a list of P-256 identity keys, naming why', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(refusal('{')).toMatch(/not JSON/);
    expect(refusal([p256()])).toMatch(/not a JSON object/);
    expect(refusal({ 'not-a-uuid': p256() })).toMatch(/not a UUID/);
    expect(refusal({ [UUID]: 42 })).toMatch(/not a PEM string/);
    expect(refusal({ [UUID]: 'hello' })).toMatch(/not one PUBLIC KEY block/);
    expect(refusal({ [UUID]: p256() + p256() })).toMatch(/not one PUBLIC KEY block/);
    expect(refusal({ [UUID]: rsa })).toMatch(/RSA-2048, not P-256/);
    expect(refusal({ [UUID]: p384 })).toMatch(/P-384, not P-256/);
    expect(refusal(`{"${UUID}": ${JSON.stringify(p256())}, "${UUID.toUpperCase()}": ${JSON.stringify(p256())}}`)).toMatch(/listed twice/);
    expect(refusal({ [UUID]: '-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n' })).toMatch(/not a public key/);
  });
});
