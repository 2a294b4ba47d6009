/**
 * Distinguished names as the station writes them: C, O, OU, CN in that order,
 * CN/O/OU as UTF8String (RFC 5280 §4.1.2.6), C as PrintableString.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import { x509 } from './crypto';
import { toArrayBuffer } from './bytes';
import { Oid } from './oids';

export interface SubjectFields {
  commonName: string;
  organization?: string;
  organizationalUnit?: string;
  /** ISO 3166 two-letter code. */
  country?: string;
}

function rdn(type: string, value: AttributeValue): RelativeDistinguishedName {
  return new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value })]);
}

export function encodeName(f: SubjectFields): Uint8Array {
  const rdns: RelativeDistinguishedName[] = [];
  if (f.country !== undefined) rdns.push(rdn(Oid.country, new AttributeValue({ printableString: f.country })));
  if (f.organization !== undefined) rdns.push(rdn(Oid.organization, new AttributeValue({ utf8String: f.organization })));
  if (f.organizationalUnit !== undefined) rdns.push(rdn(Oid.organizationalUnit, new AttributeValue({ utf8String: f.organizationalUnit })));
  rdns.push(rdn(Oid.commonName, new AttributeValue({ utf8String: f.commonName })));
  return new Uint8Array(AsnConvert.serialize(new Name(rdns)));
}

/** RFC 4514-style text, e.g. `C=DE, O=Company-X, CN=Factory-Y`. */
export function formatName(nameDer: Uint8Array): string {
  return new x509.Name(toArrayBuffer(nameDer)).toString();
}

/** Values of one attribute type (e.g. every CN), in order. */
export function nameAttributes(nameDer: Uint8Array, oid: string): string[] {
  return new x509.Name(toArrayBuffer(nameDer)).getField(oid);
}

/** Every attribute as `[oid, shortName, value]`, in order. */
export function nameEntries(nameDer: Uint8Array): { oid: string; label: string; value: string }[] {
  const name = AsnConvert.parse(toArrayBuffer(nameDer), Name);
  const labels: Record<string, string> = {
    [Oid.commonName]: 'CN',
    [Oid.organization]: 'O',
    [Oid.organizationalUnit]: 'OU',
    [Oid.country]: 'C',
    '2.5.4.7': 'L',
    '2.5.4.8': 'ST',
    '2.5.4.5': 'serialNumber',
    '1.2.840.113549.1.9.1': 'E',
    '0.9.2342.19200300.100.1.25': 'DC',
  };
  const out: { oid: string; label: string; value: string }[] = [];
  for (const r of name) for (const a of r) out.push({ oid: a.type, label: labels[a.type] ?? a.type, value: a.value.toString() });
  return out;
}
