/**
 * Reading a CRL back (RFC 5280 §5.1): what the audit checks of a CRL the
 * ledger holds: its number, the serials it lists, and whether its signature
 * verifies under a given CA certificate. Throws on DER that is not a CRL.
 */
import { verify as nodeVerify } from 'node:crypto';
import { readCertificate } from './certificate-facts';
import { decodeOid, readChildren, readElement, type DerElement } from './der';
import { publicKeyObject } from './key-objects';
import { Oid } from './oids';

export interface CrlFacts {
  /** The TBSCertList, as signed. */
  tbs: Uint8Array;
  signatureAlgorithmOid: string;
  signature: Uint8Array;
  issuerDer: Uint8Array;
  crlNumber?: bigint;
  /** Lowercase hex serials, leading zero octets dropped (as the ledger writes them). */
  serials: string[];
}

const HASH: Readonly<Record<string, string>> = { [Oid.ecdsaWithSha256]: 'sha256', [Oid.ecdsaWithSha384]: 'sha384', [Oid.sha256WithRsa]: 'sha256' };

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex').replace(/^(00)+(?=..)/, '');

function expect(e: DerElement | undefined, tag: number): DerElement {
  if (!e || e.tag !== tag) throw new Error('not a CRL');
  return e;
}

export function readCrl(der: Uint8Array): CrlFacts {
  const outer = readChildren(expect(readElement(der), 0x30).content);
  const tbs = expect(outer[0], 0x30);
  const alg = readChildren(expect(outer[1], 0x30).content);
  const bits = expect(outer[2], 0x03);
  const parts = readChildren(tbs.content);
  let i = parts[0]?.tag === 0x02 ? 1 : 0;
  i++; // signature AlgorithmIdentifier
  const issuer = expect(parts[i++], 0x30);
  i++; // thisUpdate
  if (parts[i]?.tag === 0x17 || parts[i]?.tag === 0x18) i++;
  const serials: string[] = [];
  if (parts[i]?.tag === 0x30) {
    for (const entry of readChildren(parts[i++]!.content)) serials.push(hexOf(expect(readChildren(entry.content)[0], 0x02).content));
  }
  let crlNumber: bigint | undefined;
  if (parts[i]?.tag === 0xa0) {
    for (const ext of readChildren(expect(readChildren(parts[i]!.content)[0], 0x30).content)) {
      const f = readChildren(ext.content);
      if (decodeOid(expect(f[0], 0x06).content) !== Oid.crlNumber) continue;
      const n = expect(readElement(expect(f.at(-1), 0x04).content), 0x02).content;
      crlNumber = BigInt(`0x${Buffer.from(n).toString('hex') || '0'}`);
    }
  }
  return {
    tbs: tbs.raw, signatureAlgorithmOid: decodeOid(expect(alg[0], 0x06).content), signature: bits.content.subarray(1),
    issuerDer: issuer.raw, ...(crlNumber !== undefined ? { crlNumber } : {}), serials,
  };
}

/** Whether `crl` names `issuerCertificate`'s subject as its issuer and its signature verifies under that certificate's key. */
export function crlSignedBy(crl: CrlFacts, issuerCertificate: Uint8Array): boolean {
  const ca = readCertificate(issuerCertificate);
  const hash = HASH[crl.signatureAlgorithmOid];
  if (!hash || Buffer.compare(Buffer.from(crl.issuerDer), Buffer.from(ca.subjectDer)) !== 0) return false;
  try {
    return nodeVerify(hash, crl.tbs, publicKeyObject(ca.spki), crl.signature);
  } catch {
    return false;
  }
}
