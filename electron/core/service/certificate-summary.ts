/** DER certificate → the public summary the UI shows (CertificateSummary in the contract). */
import { X509Certificate, createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { BasicConstraints, Certificate, id_ce_basicConstraints } from '@peculiar/asn1-x509';
import type { CertificateSummary } from '../../shared/api/common';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export function pemOf(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

function pathLenOf(der: Uint8Array): { isCa: boolean; pathLen: number | null } {
  const cert = AsnConvert.parse(der, Certificate);
  const ext = cert.tbsCertificate.extensions?.find((e) => e.extnID === id_ce_basicConstraints);
  if (!ext) return { isCa: false, pathLen: null };
  const bc = AsnConvert.parse(ext.extnValue.buffer, BasicConstraints);
  return { isCa: bc.cA, pathLen: bc.cA && bc.pathLenConstraint !== undefined ? bc.pathLenConstraint : null };
}

function keyAlgorithm(x: X509Certificate): string {
  const k = x.publicKey;
  const d = k.asymmetricKeyDetails ?? {};
  if (k.asymmetricKeyType === 'ec') return d.namedCurve === 'prime256v1' ? 'P-256' : d.namedCurve === 'secp384r1' ? 'P-384' : `EC ${d.namedCurve ?? ''}`.trim();
  if (k.asymmetricKeyType === 'rsa') return `RSA-${d.modulusLength ?? '?'}`;
  return k.asymmetricKeyType ?? 'unknown';
}

const rfc4514 = (name: string) => name.split('\n').filter(Boolean).reverse().join(', ');

/**
 * Summarise a chain ordered leaf/issuing-first, root last. `pathLenRoom` is the
 * number of CA levels that may still be created below each certificate given
 * every constraint above it (null = unlimited).
 */
export function summariseChain(chainDer: readonly Uint8Array[]): CertificateSummary[] {
  const facts = chainDer.map((der) => ({ der, x: new X509Certificate(der), ...pathLenOf(der) }));
  let room: number | null = null; // walk from the root down
  const rooms: (number | null)[] = new Array(facts.length).fill(null);
  for (let i = facts.length - 1; i >= 0; i--) {
    const f = facts[i]!;
    if (i < facts.length - 1 && room !== null) room = Math.max(0, room - 1);
    if (f.isCa && f.pathLen !== null) room = room === null ? f.pathLen : Math.min(room, f.pathLen);
    rooms[i] = f.isCa ? room : 0;
  }
  return facts.map((f, i) => ({
    subject: rfc4514(f.x.subject),
    issuer: rfc4514(f.x.issuer),
    serialHex: f.x.serialNumber.toLowerCase().replace(/^(00)+(?=.)/, ''),
    fingerprint: sha256(f.der),
    spkiFingerprint: sha256(f.x.publicKey.export({ type: 'spki', format: 'der' })),
    notBefore: new Date(f.x.validFrom).toISOString(),
    notAfter: new Date(f.x.validTo).toISOString(),
    keyAlgorithm: keyAlgorithm(f.x),
    isCa: f.isCa,
    pathLen: f.pathLen,
    pathLenRoom: rooms[i] ?? null,
    pem: pemOf(f.der),
  }));
}

export function summarise(der: Uint8Array): CertificateSummary {
  return summariseChain([der])[0]!;
}
