/**
 * The pkcs11: URI (RFC 7512) of a new CA key in a hardware token, built from
 * what the officer types: the module's path, the token's label or serial,
 * and the key's label. The station parses it again and refuses anything
 * malformed; this only spares the officer a round trip. A PIN is never part
 * of it.
 */
export interface TokenFields {
  /** Absolute path of the PKCS#11 module (the token vendor's library). */
  modulePath: string;
  tokenLabel: string;
  tokenSerial: string;
  /** CKA_LABEL for the new key. */
  keyLabel: string;
}

export const emptyTokenFields = (): TokenFields => ({ modulePath: '', tokenLabel: '', tokenSerial: '', keyLabel: '' });

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Percent-encode every UTF-8 byte outside `keep`, so no label can add an attribute. */
function encode(text: string, keep: RegExp = UNRESERVED): string {
  let out = '';
  for (const b of new TextEncoder().encode(text)) {
    const ch = String.fromCharCode(b);
    out += b < 0x80 && keep.test(ch) ? ch : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Token label and serial are at most 32 bytes in PKCS#11 token info. */
const bytes = (t: string) => new TextEncoder().encode(t).length;

/** What is missing or wrong in the fields, or null when a URI can be built. */
export function tokenFieldsProblem(f: TokenFields): string | null {
  const modulePath = f.modulePath.trim();
  if (!modulePath) return 'Give the path of the token\'s PKCS#11 module.';
  if (!modulePath.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(modulePath)) return 'The module path must be absolute, e.g. /usr/lib/softhsm/libsofthsm2.so.';
  if (!f.tokenLabel.trim() && !f.tokenSerial.trim()) return 'Name the token by its label or its serial number.';
  if (bytes(f.tokenLabel.trim()) > 32 || bytes(f.tokenSerial.trim()) > 32) return 'A token label or serial has at most 32 bytes.';
  if (!f.keyLabel.trim()) return 'Give a label for the new key.';
  if (bytes(f.keyLabel.trim()) > 256) return 'The key label is too long.';
  return null;
}

/** The URI for the fields (surrounding blanks dropped), or null while they are incomplete. */
export function tokenUri(f: TokenFields): string | null {
  if (tokenFieldsProblem(f) !== null) return null;
  const path = [
    ...(f.tokenLabel.trim() ? [`token=${encode(f.tokenLabel.trim())}`] : []),
    ...(f.tokenSerial.trim() ? [`serial=${encode(f.tokenSerial.trim())}`] : []),
    `object=${encode(f.keyLabel.trim())}`,
    'type=private',
  ];
  return `pkcs11:${path.join(';')}?module-path=${encode(f.modulePath.trim(), /[A-Za-z0-9\-._~/]/)}`;
}
