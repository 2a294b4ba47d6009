/**
 * Distinguished names as the station writes them: C, O, OU, CN in that order,
 * CN/O/OU as UTF8String (RFC 5280 §4.1.2.6), C as PrintableString.
 */
import { replaceUnsafe } from '../../shared/unsafe-text';
import { concat } from './bytes';
import { decodeOid, encodeOid, expectTag, readChildren, readElement, tlv } from './der';
import { Oid, attributeLabel } from './oids';

export interface SubjectFields {
  commonName: string;
  organization?: string;
  organizationalUnit?: string;
  /** ISO 3166 two-letter code. */
  country?: string;
}

const UTF8_STRING = 0x0c;
const PRINTABLE_STRING = 0x13;
const utf8 = new TextEncoder();

/** The bytes of a short ASCII string (its own UTF-8), or undefined: device IDs are encoded without the encoder. */
function asciiBytes(v: string): Uint8Array | undefined {
  if (v.length > 256) return undefined;
  const out = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c > 0x7f) return undefined;
    out[i] = c;
  }
  return out;
}

/** RelativeDistinguishedName ::= SET { AttributeTypeAndValue ::= SEQUENCE { type OID, value } }, one attribute per RDN. */
function rdn(type: string, tag: number, value: string): Uint8Array {
  const bytes = tag === PRINTABLE_STRING ? Buffer.from(value, 'latin1') : asciiBytes(value) ?? utf8.encode(value);
  return tlv(0x31, tlv(0x30, concat(tlv(0x06, encodeOid(type)), tlv(tag, bytes))));
}

/** DER of the Name, encoded directly (a schema serializer cost ~0.15 ms per name on the signing path). */
export function encodeName(f: SubjectFields): Uint8Array {
  const rdns: Uint8Array[] = [];
  if (f.country !== undefined) {
    if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(f.country)) throw new RangeError('country is not a PrintableString');
    rdns.push(rdn(Oid.country, PRINTABLE_STRING, f.country));
  }
  if (f.organization !== undefined) rdns.push(rdn(Oid.organization, UTF8_STRING, f.organization));
  if (f.organizationalUnit !== undefined) rdns.push(rdn(Oid.organizationalUnit, UTF8_STRING, f.organizationalUnit));
  rdns.push(rdn(Oid.commonName, UTF8_STRING, f.commonName));
  return tlv(0x30, concat(...rdns));
}

/** RFC 4514-style text in encoding order, e.g. `C=DE, O=Company-X, CN=Factory-Y`. */
export function formatName(nameDer: Uint8Array): string {
  return formatEntries(nameEntries(nameDer));
}

/** RFC 4514 order, the last RDN first (`CN=Factory-Y, O=Company-X, C=DE`): OpenSSL's one-line form, what the UI shows. */
export function formatNameRfc4514(nameDer: Uint8Array): string {
  return formatEntries(nameEntries(nameDer).reverse());
}

/** One `label=value` a line in encoding order (`C=DE\nO=Company-X\nCN=Factory-Y`): OpenSSL's multi-line form, Node's X509Certificate.subject. */
export function formatNameLines(nameDer: Uint8Array): string {
  return formatEntries(nameEntries(nameDer), '\n');
}

// Made once: a decoder per string cost more than the decoding. A leading
// U+FEFF is kept (ignoreBOM): a name is read as it is encoded, BOM and all.
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf16be = new TextDecoder('utf-16be', { ignoreBOM: true });

/** ASCII is its own UTF-8: such values (device IDs, most names) are read without the decoder. */
function isShortAscii(b: Uint8Array): boolean {
  if (b.length > 256) return false;
  for (let i = 0; i < b.length; i++) if (b[i]! > 0x7f) return false;
  return true;
}

function decodeString(tag: number, content: Uint8Array): string {
  switch (tag) {
    case 0x0c: // UTF8String
      return isShortAscii(content) ? String.fromCharCode.apply(null, content as unknown as number[]) : utf8Strict.decode(content);
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x14: // TeletexString (treated as Latin-1)
      return Buffer.from(content).toString('latin1');
    case 0x1e: // BMPString (UCS-2 BE)
      return utf16be.decode(content);
    default:
      return `#${Buffer.from(content).toString('hex')}`;
  }
}

/** The first value of attribute `oid` in a DER Name (e.g. its CN or O), if it has one. Throws on bad DER. */
export function nameAttribute(nameDer: Uint8Array, oid: string): string | undefined {
  return nameEntries(nameDer).find((e) => e.oid === oid)?.value;
}

/**
 * Every attribute of a DER Name as `{oid, label, value}`, in order. Hand-walked
 * (Name ::= SEQUENCE OF SET OF SEQUENCE { OID, ANY }); throws on bad DER.
 */
export function nameEntries(nameDer: Uint8Array): { oid: string; label: string; value: string }[] {
  const top = expectTag(readElement(nameDer), 0x30, 'Name');
  const out: { oid: string; label: string; value: string }[] = [];
  for (const rdn of readChildren(top.content)) {
    expectTag(rdn, 0x31, 'RelativeDistinguishedName');
    for (const atv of readChildren(rdn.content)) {
      const [type, value, ...rest] = readChildren(expectTag(atv, 0x30, 'AttributeTypeAndValue').content);
      if (!value || rest.length) throw new Error('AttributeTypeAndValue needs exactly a type and a value');
      const oid = decodeOid(expectTag(type, 0x06, 'AttributeType').content);
      out.push({ oid, label: attributeLabel(oid), value: decodeString(value.tag, value.content) });
    }
  }
  return out;
}

const NEEDS_ESCAPE = /[,+"\\<>;]|^[ #]| $/;

/**
 * RFC 4514 hexpairs (`\1B`, `\E2\80\AE`) for the characters a name must not
 * show raw (electron/shared/unsafe-text.ts): ESC, newlines, bidirectional
 * overrides and the like in a name from outside reach no screen as such.
 * Control characters come out as Node's X509Certificate writes them.
 */
function hexpairs(v: string): string {
  return replaceUnsafe(v, (ch) => [...Buffer.from(ch, 'utf8')].map((b) => `\\${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

/** `label=value, …` (or another separator) with RFC 4514 special characters escaped, and unsafe characters as hexpairs. */
export function formatEntries(entries: { label: string; value: string }[], separator = ', '): string {
  const esc = (v: string): string =>
    NEEDS_ESCAPE.test(v) ? v.replace(/([,+"\\<>;])/g, '\\$1').replace(/^([ #])/, '\\$1').replace(/ $/, '\\ ') : v;
  return entries.map((e) => `${e.label}=${hexpairs(esc(e.value))}`).join(separator);
}
