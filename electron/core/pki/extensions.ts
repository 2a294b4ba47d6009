/**
 * Encoders for the five extensions our profiles write, and the RFC 5280
 * §4.2.1.2 method-1 key identifier. Each function returns an asn1-x509
 * `Extension` with explicit criticality.
 */
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  ExtendedKeyUsage,
  Extension,
  KeyIdentifier,
  KeyUsage,
  SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { sha1, toArrayBuffer } from './bytes';
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

function ext(oid: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID: oid, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

export function basicConstraintsExtension(ca: boolean, pathLen: number | undefined, critical: boolean): Extension {
  const bc = new BasicConstraints({ cA: ca });
  if (ca && pathLen !== undefined) bc.pathLenConstraint = pathLen;
  return ext(Oid.basicConstraints, critical, bc);
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

export function keyUsageExtension(usages: readonly KeyUsageName[], critical: boolean): Extension {
  const { bytes, unusedBits } = keyUsageBitString(usages);
  return ext(Oid.keyUsage, critical, new KeyUsage(toArrayBuffer(bytes), unusedBits));
}

export function extendedKeyUsageExtension(oids: readonly string[], critical: boolean): Extension {
  return ext(Oid.extKeyUsage, critical, new ExtendedKeyUsage([...oids]));
}

export function subjectKeyIdentifierExtension(keyId: Uint8Array): Extension {
  return ext(Oid.subjectKeyIdentifier, false, new SubjectKeyIdentifier(toArrayBuffer(keyId)));
}

export function authorityKeyIdentifierExtension(keyId: Uint8Array): Extension {
  return ext(Oid.authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(toArrayBuffer(keyId)) }));
}

/** RFC 5280 §4.2.1.2 (1): SHA-1 of the subjectPublicKey BIT STRING value (no tag, length or unused-bits octet). */
export function keyIdentifierFromPublicKeyBits(publicKeyBits: Uint8Array): Uint8Array {
  return sha1(publicKeyBits);
}
