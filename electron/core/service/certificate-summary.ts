/** Certificates → the public summary the UI shows (CertificateSummary in the contract), from pki's certificate facts. */
import {
  formatNameRfc4514,
  normalizeSerialHex,
  pathLenRooms,
  readCertificate,
  sha256Hex,
  spkiTypeName,
  toPem,
} from '../pki/index';
import type { CertificateSummary } from '../../shared/api/common';

/**
 * Summarise a chain ordered leaf/issuing-first, root last. `pathLenRoom` is the
 * number of CA levels that may still be created below each certificate given
 * every constraint above it (null = unlimited).
 */
export function summariseChain(chainDer: readonly Uint8Array[]): CertificateSummary[] {
  const facts = chainDer.map((der) => readCertificate(der));
  const rooms = pathLenRooms(facts);
  return facts.map((f, i) => {
    const bc = f.basicConstraints;
    const isCa = bc?.ca === true;
    const room = rooms[i] ?? null;
    return {
      subject: formatNameRfc4514(f.subjectDer),
      issuer: formatNameRfc4514(f.issuerDer),
      serialHex: normalizeSerialHex(f.serialHex),
      fingerprint: f.fingerprintSha256,
      spkiFingerprint: sha256Hex(f.spki),
      notBefore: f.notBefore.toISOString(),
      notAfter: f.notAfter.toISOString(),
      keyAlgorithm: spkiTypeName(f.spki),
      isCa,
      pathLen: isCa && bc.pathLen !== undefined ? bc.pathLen : null,
      pathLenRoom: isCa ? (room === null ? null : Math.max(0, room)) : 0,
      pem: toPem(f.der),
    };
  });
}

export function summarise(der: Uint8Array): CertificateSummary {
  return summariseChain([der])[0]!;
}
