import { describe, expect, it } from 'vitest';
import { formatPkcs11Uri, parsePkcs11Uri, requireKeyName, TokenCodes } from '../../electron/core/token/index';

const MOD = '?module-path=/usr/lib/softhsm/libsofthsm2.so';
const codeOf = (fn: () => unknown): string | undefined => {
  try { fn(); } catch (e) { return (e as { code?: string }).code; }
  return undefined;
};

describe('pkcs11: URIs (RFC 7512)', () => {
  it('reads token label and serial, object label and id, and the module path', () => {
    const u = parsePkcs11Uri(`pkcs11:token=Custodian%20Line%201;serial=1a2b;object=factory-y;id=%01%ff;type=private${MOD}`);
    expect(u).toEqual({ modulePath: '/usr/lib/softhsm/libsofthsm2.so', tokenLabel: 'Custodian Line 1', tokenSerial: '1a2b', objectLabel: 'factory-y', objectId: Uint8Array.of(1, 255) });
  });

  it('formats the canonical form, which reads back the same', () => {
    const u = { modulePath: '/opt/hsm/lib p11.so', tokenLabel: 'Line;1', tokenSerial: 'abc', objectLabel: 'Factory Y', objectId: Uint8Array.of(0x0a, 0x1b) };
    const text = formatPkcs11Uri(u);
    expect(text).toBe('pkcs11:token=Line%3b1;serial=abc;object=Factory%20Y;id=%0a%1b;type=private?module-path=/opt/hsm/lib%20p11.so');
    expect(parsePkcs11Uri(text)).toEqual(u);
  });

  it.each([
    ['not a pkcs11 URI', 'file:/x'],
    ['no module path', 'pkcs11:token=a;object=b'],
    ['a relative module path', 'pkcs11:token=a;object=b?module-path=libsofthsm2.so'],
    ['no token name', `pkcs11:object=b${MOD}`],
    ['a PIN in the URI', `pkcs11:token=a;object=b${MOD}&pin-value=1234`],
    ['a pin-source', `pkcs11:token=a;object=b${MOD}&pin-source=file:/pin`],
    ['a slot id', `pkcs11:token=a;slot-id=0;object=b${MOD}`],
    ['an unknown attribute', `pkcs11:token=a;colour=red${MOD}`],
    ['a repeated attribute', `pkcs11:token=a;token=b${MOD}`],
    ['bad percent-encoding', `pkcs11:token=a%zz${MOD}`],
    ['a public-key type', `pkcs11:token=a;object=b;type=public${MOD}`],
    ['an unencoded space', `pkcs11:token=a b${MOD}`],
    ['an item without a value', `pkcs11:token${MOD}`],
  ])('refuses %s with TOKEN_URI_INVALID', (_what, uri) => {
    expect(codeOf(() => parsePkcs11Uri(uri))).toBe(TokenCodes.URI_INVALID);
  });

  it('ignores vendor x- attributes and requires a key name only where a key is meant', () => {
    const u = parsePkcs11Uri(`pkcs11:token=a;x-vendor=1${MOD}`);
    expect(u.tokenLabel).toBe('a');
    expect(codeOf(() => requireKeyName(u))).toBe(TokenCodes.URI_INVALID);
    expect(codeOf(() => requireKeyName(parsePkcs11Uri(`pkcs11:token=a;id=%01${MOD}`)))).toBeUndefined();
  });
});
