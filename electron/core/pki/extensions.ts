/**
 * Encoders for the five extensions our profiles write, and the RFC 5280
 * §4.2.1.2 method-1 key identifier. Each function returns an asn1-x509
 * `Extension` with explicit criticality. The values are DER-encoded directly:
 * the schema serializer cost 10–60 µs per extension on every signing;
 * test/pki/der-encoding.test.ts pins these bytes to the schema's output.
 */
import { OctetString } from '@peculiar/asn1-schema';
import { Extension } from '@peculiar/asn1-x509';
import { concat, sha1 } from './bytes';
import { encodeOid, tlv, unsignedIntegerContent } from './der';
import { Oid } from './oids';

/** Bit positions of KeyUsage (RFC 5280 §4.2.1.3). */
export const KEY_USAGE_BITS = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
} as const;
export type KeyUsageName = keyof typeof KEY_USAGE_BITS;

const SEQUENCE = 0x30;
const BOOLEAN_TRUE = Uint8Array.of(0x01, 0x01, 0xff);
const NOTHING = new Uint8Array(0);

function ext(oid: string, critical: boolean, valueDer: Uint8Array): Extension {
  return new Extension({ extnID: oid, critical, extnValue: new OctetString(valueDer) });
}

/**
 * The complete DER of an Extension ::= SEQUENCE { extnID, critical BOOLEAN
 * DEFAULT FALSE (omitted when false), extnValue OCTET STRING }: what a
 * certificate carries, without building the schema object first.
 */
export function extensionDer(oid: string, critical: boolean, valueDer: Uint8Array): Uint8Array {
  return tlv(SEQUENCE, concat(tlv(0x06, encodeOid(oid)), critical ? BOOLEAN_TRUE : NOTHING, tlv(0x04, valueDer)));
}

/** DER INTEGER of a non-negative safe integer: minimal, with a leading 0x00 when the top bit is set. */
function nonNegativeInteger(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a non-negative integer: ${n}`);
  const magnitude: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) magnitude.unshift(v % 256);
  return tlv(0x02, unsignedIntegerContent(Uint8Array.from(magnitude)));
}

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }; a FALSE cA is omitted (DER). */
export function basicConstraintsExtension(ca: boolean, pathLen: number | undefined, critical: boolean): Extension {
  return ext(Oid.basicConstraints, critical, basicConstraintsValue(ca, pathLen));
}

export function basicConstraintsValue(ca: boolean, pathLen: number | undefined): Uint8Array {
  return tlv(SEQUENCE, concat(ca ? BOOLEAN_TRUE : NOTHING, ca && pathLen !== undefined ? nonNegativeInteger(pathLen) : NOTHING));
}

/** DER named-bit-list encoding: trailing zero bits removed (X.690 §11.2.2). */
export function keyUsageBitString(usages: readonly KeyUsageName[]): { bytes: Uint8Array; unusedBits: number } {
  if (usages.length === 0) throw new TypeError('keyUsage needs at least one bit');
  const highest = Math.max(...usages.map((u) => KEY_USAGE_BITS[u]));
  const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const u of usages) {
    const bit = KEY_USAGE_BITS[u];
    bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  }
  return { bytes, unusedBits: 7 - (highest & 7) };
}

/** KeyUsage ::= BIT STRING (unused-bits octet, then the named bits). */
export function keyUsageExtension(usages: readonly KeyUsageName[], critical: boolean): Extension {
  return ext(Oid.keyUsage, critical, keyUsageValue(usages));
}

export function keyUsageValue(usages: readonly KeyUsageName[]): Uint8Array {
  const { bytes, unusedBits } = keyUsageBitString(usages);
  return tlv(0x03, concat(Uint8Array.of(unusedBits), bytes));
}

/** ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId (OID). */
export function extendedKeyUsageExtension(oids: readonly string[], critical: boolean): Extension {
  return ext(Oid.extKeyUsage, critical, extendedKeyUsageValue(oids));
}

export function extendedKeyUsageValue(oids: readonly string[]): Uint8Array {
  return tlv(SEQUENCE, concat(...oids.map((o) => tlv(0x06, encodeOid(o)))));
}

/** certificatePolicies ::= SEQUENCE OF PolicyInformation, each only its policyIdentifier (no qualifiers). */
export function certificatePoliciesValue(oids: readonly string[]): Uint8Array {
  return tlv(SEQUENCE, concat(...oids.map((o) => tlv(SEQUENCE, tlv(0x06, encodeOid(o))))));
}

/** SubjectKeyIdentifier ::= KeyIdentifier (OCTET STRING). */
export function subjectKeyIdentifierExtension(keyId: Uint8Array): Extension {
  return ext(Oid.subjectKeyIdentifier, false, subjectKeyIdentifierValue(keyId));
}

export function subjectKeyIdentifierValue(keyId: Uint8Array): Uint8Array {
  return tlv(0x04, keyId);
}

/** AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING } (the only field we write). */
export function authorityKeyIdentifierExtension(keyId: Uint8Array): Extension {
  return ext(Oid.authorityKeyIdentifier, false, authorityKeyIdentifierValue(keyId));
}

export function authorityKeyIdentifierValue(keyId: Uint8Array): Uint8Array {
  return tlv(SEQUENCE, tlv(0x80, keyId));
}

/** RFC 5280 §4.2.1.2 (1): SHA-1 of the subjectPublicKey BIT STRING value (no tag, length or unused-bits octet). */
export function keyIdentifierFromPublicKeyBits(publicKeyBits: Uint8Array): Uint8Array {
  return sha1(publicKeyBits);
}
