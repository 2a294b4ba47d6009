/**
 * The PKCS#10 CSR an nRF91 modem prints for `AT%KEYGEN=<tag>,2,0[,"<attributes>"]`.
 *
 * Shape of the real ones (nRFCloud/utils README, decoded): subject from the
 * attribute string (the device UUID as CN when none is given), the P-256
 * SPKI, an extensionRequest with keyUsage, and ecdsa-with-SHA256. Some modem
 * firmware writes that AlgorithmIdentifier with explicit NULL parameters
 * (`30 0c 06 08 … 05 00`), which RFC 5758 says to omit; `nullParams` makes
 * that variant so the station's CSR handling is tested against it.
 */
import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import { bitString, derNull, octetString, oid, printableString, sequence, set, smallInteger, tlv, utf8String } from './der';

const OID: Record<string, string> = {
  CN: '2.5.4.3',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  O: '2.5.4.10',
  OU: '2.5.4.11',
};
const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const KEY_USAGE = '2.5.29.15';

export interface CsrOptions {
  /** Write the signature AlgorithmIdentifier with explicit NULL parameters. */
  nullParams?: boolean;
  /** Corrupt the signature value (the CSR still parses; its self-signature fails). */
  badSignature?: boolean;
}

/** `CN=nrf-1,O=Acme` → [['CN','nrf-1'],['O','Acme']]; null if the string is not a list of known attributes. */
export function parseAttributes(attrs: string): Array<[string, string]> | null {
  if (attrs === '') return [];
  const out: Array<[string, string]> = [];
  for (const part of attrs.split(',')) {
    const m = /^\s*([A-Za-z]{1,2})=(.+)$/.exec(part);
    if (!m || !OID[m[1]!.toUpperCase()]) return null;
    out.push([m[1]!.toUpperCase(), m[2]!]);
  }
  return out;
}

function subject(attrs: Array<[string, string]>): Uint8Array {
  return sequence(
    ...attrs.map(([k, v]) => set(sequence(oid(OID[k]!), k === 'C' ? printableString(v) : utf8String(v)))),
  );
}

export function buildCsr(key: KeyObject, attrs: Array<[string, string]>, opts: CsrOptions = {}): Uint8Array {
  const spki = new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' }));
  // keyUsage digitalSignature, nonRepudiation, keyEncipherment, keyAgreement (03 02 03 e8), as the modem asks.
  const keyUsage = sequence(oid(KEY_USAGE), octetString(bitString(Uint8Array.from([0xe8]), 3)));
  const attributes = tlv(0xa0, sequence(oid(EXTENSION_REQUEST), set(sequence(keyUsage))));
  const info = sequence(smallInteger(0), subject(attrs), spki, attributes);
  const algorithm = opts.nullParams ? sequence(oid(ECDSA_WITH_SHA256), derNull()) : sequence(oid(ECDSA_WITH_SHA256));
  const sig = new Uint8Array(sign('sha256', info, { key, dsaEncoding: 'der' }));
  if (opts.badSignature) sig[sig.length - 1]! ^= 0x01;
  return sequence(info, algorithm, bitString(sig));
}
