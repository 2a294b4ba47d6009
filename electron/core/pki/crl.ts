/**
 * RFC 5280 v2 CRL encoder and signer, under the stationCrl profile. The
 * issuer name is copied byte for byte from the CA certificate (so OpenSSL
 * and brokers match it to the certificates it issued) and the signature goes
 * through the same signTbs as certificates: a vault key or a token key.
 */
import { verify as nodeVerify } from 'node:crypto';
import { CustodianError } from '../errors';
import { concat } from './bytes';
import { encodeTime, signatureAlgorithmDer, signTbs } from './certificate-builder';
import { readCertificate } from './certificate-facts';
import { tlv, unsignedIntegerContent } from './der';
import { authorityKeyIdentifierValue, extensionDer } from './extensions';
import { publicKeyObject } from './key-objects';
import { keyInfoFromSpki } from './keys';
import { Oid } from './oids';
import { toPem } from './pem';
import { stationCrl, type CrlProfile } from './profiles';
import { PkiCodes } from './codes';
import { REVOCATION_REASONS, type RevocationReason } from '../../shared/revocation-reasons';
import type { SigningKey } from './signing-key';

export interface CrlEntry {
  /** Lowercase hex serial (leading zero octets dropped, as the ledger writes it). */
  serialHex: string;
  revokedAt: Date;
  reason: RevocationReason;
}

export interface CrlRequest {
  /** The CA certificate (DER) whose key signs. */
  issuerCertificate: Uint8Array;
  signingKey: SigningKey;
  /** Non-negative, at most 20 octets (RFC 5280 §5.2.3). */
  crlNumber: bigint;
  thisUpdate: Date;
  /** Days from thisUpdate to nextUpdate (profile default when absent). */
  nextUpdateDays?: number;
  entries: readonly CrlEntry[];
  profile?: CrlProfile;
}

export interface BuiltCrl {
  der: Uint8Array;
  pem: string;
  thisUpdate: Date;
  /** Earlier than thisUpdate + days: clamped to the issuer's notAfter. */
  nextUpdate: Date;
}

const DAY_MS = 86_400_000;
const SERIAL_HEX = /^[0-9a-f]{1,40}$/;
const V2 = tlv(0x02, Uint8Array.of(1));

function bigintContent(n: bigint): Uint8Array {
  const hex = n.toString(16);
  return unsignedIntegerContent(Uint8Array.from(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex')));
}

function serialContent(serialHex: string): Uint8Array {
  return unsignedIntegerContent(Uint8Array.from(Buffer.from(serialHex.length % 2 ? `0${serialHex}` : serialHex, 'hex')));
}

const wholeSeconds = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);

function unsuitable(message: string, details: Record<string, unknown> = {}): never {
  throw new CustodianError(PkiCodes.CRL_ISSUER_UNSUITABLE, message, details);
}

/** Encode and sign a CRL. Throws CRL_ISSUER_UNSUITABLE for a CA certificate that cannot sign CRLs, CRL_ISSUER_EXPIRED outside its validity, CRL_SERIAL_INVALID / CRL_REASON_INVALID for a bad entry, PROFILE_INVALID_REQUEST for bad numbers or days. */
export async function buildCrl(req: CrlRequest): Promise<BuiltCrl> {
  const p = req.profile ?? stationCrl;
  const issuer = readCertificate(req.issuerCertificate);
  if (!issuer.basicConstraints?.ca) unsuitable(`${issuer.subject} is not a CA certificate`);
  if (issuer.keyUsage && !issuer.keyUsage.usages.includes('cRLSign')) unsuitable(`${issuer.subject} may not sign CRLs (its key usage lacks cRLSign)`, { usages: issuer.keyUsage.usages });
  if (!issuer.subjectKeyIdentifier) unsuitable(`${issuer.subject} has no subject key identifier for the CRL's authority key identifier`);
  // The ledger's values are checked, not trusted: a CRL lists exactly what it says.
  for (const e of req.entries) {
    if (!SERIAL_HEX.test(e.serialHex)) throw new CustodianError(PkiCodes.CRL_SERIAL_INVALID, `CRL entry serial "${String(e.serialHex).slice(0, 60)}" is not lowercase hex of 1–40 digits`, { serialHex: String(e.serialHex).slice(0, 60) });
    if (!Object.hasOwn(REVOCATION_REASONS, e.reason)) throw new CustodianError(PkiCodes.CRL_REASON_INVALID, `CRL entry ${e.serialHex} has reason "${String(e.reason).slice(0, 60)}", not one of ${Object.keys(REVOCATION_REASONS).join(', ')}`, { serialHex: e.serialHex, reason: String(e.reason).slice(0, 60) });
    if (Number.isNaN(e.revokedAt.getTime())) throw new CustodianError(PkiCodes.PROFILE_INVALID_REQUEST, `CRL entry ${e.serialHex} has no valid revocation date`, { serialHex: e.serialHex });
  }
  const days = req.nextUpdateDays ?? p.nextUpdate.defaultDays;
  if (!Number.isInteger(days) || days < 1 || days > p.nextUpdate.maxDays) {
    throw new CustodianError(PkiCodes.PROFILE_INVALID_REQUEST, `the CRL's next update must be 1–${p.nextUpdate.maxDays} days away`, { days });
  }
  const number = req.crlNumber < 0n ? null : bigintContent(req.crlNumber);
  if (number === null || number.length > p.crlNumber.maxOctets) {
    throw new CustodianError(PkiCodes.PROFILE_INVALID_REQUEST, `a CRL number is a non-negative integer of at most ${p.crlNumber.maxOctets} octets`, { crlNumber: String(req.crlNumber) });
  }
  const thisUpdate = wholeSeconds(req.thisUpdate);
  if (thisUpdate.getTime() > issuer.notAfter.getTime() || thisUpdate.getTime() < wholeSeconds(issuer.notBefore).getTime()) {
    throw new CustodianError(PkiCodes.CRL_ISSUER_EXPIRED, `${issuer.subject} is valid ${issuer.notBefore.toISOString()} – ${issuer.notAfter.toISOString()}: it cannot sign a CRL dated ${thisUpdate.toISOString()}`, {
      notBefore: issuer.notBefore.toISOString(), notAfter: issuer.notAfter.toISOString(), thisUpdate: thisUpdate.toISOString(),
    });
  }
  // A CRL promises nothing past its issuer's life: nextUpdate stops at the CA's notAfter.
  const nextUpdate = new Date(Math.min(thisUpdate.getTime() + days * DAY_MS, wholeSeconds(issuer.notAfter).getTime()));
  const info = keyInfoFromSpki(issuer.spki);
  const hash = p.signatureHash[info.kind === 'EC' ? info.curve : 'RSA'];
  const alg = signatureAlgorithmDer(req.signingKey, hash);

  const revoked = req.entries.map((e) => {
    const code = REVOCATION_REASONS[e.reason];
    const exts = code === 0 && p.reasonCode.omitUnspecified
      ? new Uint8Array(0)
      : tlv(0x30, extensionDer(Oid.crlReason, p.reasonCode.critical, tlv(0x0a, Uint8Array.of(code))));
    return tlv(0x30, concat(tlv(0x02, serialContent(e.serialHex)), encodeTime(wholeSeconds(e.revokedAt)), exts));
  });
  const crlExtensions = tlv(0xa0, tlv(0x30, concat(
    extensionDer(Oid.authorityKeyIdentifier, p.authorityKeyIdentifier.critical, authorityKeyIdentifierValue(issuer.subjectKeyIdentifier)),
    extensionDer(Oid.crlNumber, p.crlNumber.critical, tlv(0x02, number)),
  )));
  const tbs = tlv(0x30, concat(
    V2, alg, issuer.subjectDer, encodeTime(thisUpdate), encodeTime(nextUpdate),
    ...(revoked.length > 0 ? [tlv(0x30, concat(...revoked))] : []),
    crlExtensions,
  ));
  const signature = await signTbs(tbs, req.signingKey, hash);
  // Never hand out a CRL that does not verify under the CA certificate's key.
  if (!nodeVerify(hash === 'SHA-384' ? 'sha384' : 'sha256', tbs, publicKeyObject(issuer.spki), signature)) {
    throw new CustodianError(PkiCodes.KEY_MISMATCH, 'the signed CRL does not verify under the CA certificate\'s key', { issuer: issuer.subject });
  }
  const der = tlv(0x30, concat(tbs, alg, tlv(0x03, concat(Uint8Array.of(0), signature))));
  return { der, pem: toPem(der, 'X509 CRL'), thisUpdate, nextUpdate };
}
