/**
 * What the station accepts in a distinguished name besides its encoding
 * (docs/certificate-profiles.md §Names):
 *
 *  - no attribute holds a control, bidirectional or invisible format
 *    character (the set is electron/shared/unsafe-text.ts);
 *  - a CA's name differs from the name of every CA above it, compared as
 *    RFC 5280 name matching does in practice (same attributes in the same
 *    order, values equal after NFKC, case folding and space folding).
 */
import { CustodianError } from '../errors';
import { findUnsafeCharacter } from '../../shared/unsafe-text';
import { bytesEqual } from './bytes';
import { PkiCodes } from './codes';
import { nameEntries } from './names';

export type UnsafeNameCode = typeof PkiCodes.CSR_SUBJECT_UNSAFE_CHARACTER | typeof PkiCodes.PROFILE_UNSAFE_NAME_CHARACTER;

/**
 * Throws `code` (default PROFILE_UNSAFE_NAME_CHARACTER) when `value`, the
 * `attribute` (CN, O…) of `where` ("subject", "the request's subject"…),
 * holds an unsafe character. The message names the attribute and the
 * character by its code point, never by the character itself.
 */
export function assertSafeNameValue(attribute: string, value: string, opts: { code?: UnsafeNameCode; where?: string } = {}): void {
  const bad = findUnsafeCharacter(value);
  if (!bad) return;
  throw new CustodianError(
    opts.code ?? PkiCodes.PROFILE_UNSAFE_NAME_CHARACTER,
    `${opts.where ?? 'subject'} ${attribute} holds ${bad.label} at character ${bad.index + 1}: control, bidirectional and invisible format characters are refused in names`,
    { attribute, codePoint: bad.codePoint, index: bad.index },
  );
}

/** assertSafeNameValue for every attribute of a DER Name (throws on bad DER). */
export function assertSafeName(nameDer: Uint8Array, opts: { code?: UnsafeNameCode; where?: string } = {}): void {
  for (const e of nameEntries(nameDer)) assertSafeNameValue(e.label, e.value, opts);
}

const fold = (v: string): string => v.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();

/**
 * Whether two DER Names name the same entity: byte-equal, or the same
 * attribute types in the same order with values equal after NFKC, lower
 * casing and folding runs of white space (so `CN=Company-X` in a
 * PrintableString and `CN=company-x ` in a UTF8String are one name).
 */
export function sameName(a: Uint8Array, b: Uint8Array): boolean {
  if (bytesEqual(a, b)) return true;
  const x = nameEntries(a);
  const y = nameEntries(b);
  return x.length === y.length && x.every((e, i) => e.oid === y[i]!.oid && fold(e.value) === fold(y[i]!.value));
}
