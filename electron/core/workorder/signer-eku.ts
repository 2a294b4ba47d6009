/**
 * Whether a certificate is a work-order signer: it carries the
 * custodianWorkOrderSigning EKU and, if it has a keyUsage, digitalSignature.
 * The EKU is compared as encoded bytes: the OID is a 2.25 UUID arc, too large
 * for the dotted text the ASN.1 library gives back.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { bytesEqual, toBytes } from '../pki/bytes';
import { encodeOid, readChildren, readElement } from '../pki/der';
import { Oid, type CertificateFacts } from '../pki/index';

const WORK_ORDER_EKU = encodeOid(Oid.workOrderSigning);

/** The EKU OIDs of `der` as encoded content octets (empty when it has no EKU extension). */
function ekuOids(der: Uint8Array): Uint8Array[] {
  const ext = AsnConvert.parse(toBytes(der), Certificate).tbsCertificate.extensions?.find((e) => e.extnID === Oid.extKeyUsage);
  if (!ext) return [];
  const seq = readElement(new Uint8Array(ext.extnValue.buffer));
  return readChildren(seq.content).filter((e) => e.tag === 0x06).map((e) => e.content);
}

export function isWorkOrderSigner(cert: CertificateFacts): { ok: true } | { ok: false; reason: string } {
  if (!ekuOids(cert.der).some((o) => bytesEqual(o, WORK_ORDER_EKU))) {
    return { ok: false, reason: `${cert.subject} has no work-order signing extended key usage (${Oid.workOrderSigning})` };
  }
  if (cert.keyUsage && !cert.keyUsage.usages.includes('digitalSignature')) {
    return { ok: false, reason: `${cert.subject} has a key usage without digitalSignature` };
  }
  if (cert.basicConstraints?.ca) return { ok: false, reason: `${cert.subject} is a CA certificate, not a work-order signer` };
  return { ok: true };
}
