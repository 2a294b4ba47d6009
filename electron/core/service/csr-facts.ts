/** Minimal CSR reading for the service: PEM/DER intake and the SPKI fingerprint (full checks live in electron/core/pki). */
import { createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificationRequest } from '@peculiar/asn1-csr';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { CustodianError } from '../errors';

export function csrDerFromFile(bytes: Uint8Array): Uint8Array {
  const text = Buffer.from(bytes).toString('latin1');
  const m = /-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----([A-Za-z0-9+/=\s]+)-----END (?:NEW )?CERTIFICATE REQUEST-----/.exec(text);
  const der = m ? Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64') : Buffer.from(bytes);
  try {
    AsnConvert.parse(der, CertificationRequest);
  } catch {
    throw new CustodianError('CSR_MALFORMED', 'The file is not a certificate request.');
  }
  return new Uint8Array(der);
}

export function spkiSha256(csrDer: Uint8Array): string {
  const csr = AsnConvert.parse(csrDer, CertificationRequest);
  const spki = AsnConvert.serialize(csr.certificationRequestInfo.subjectPKInfo as SubjectPublicKeyInfo);
  return createHash('sha256').update(new Uint8Array(spki)).digest('hex');
}
