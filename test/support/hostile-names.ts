/**
 * Names a hostile requester or upstream would send: any attribute, any
 * string type, any character, in a CSR signed with a real key. The station's
 * own encoders refuse such names, so tests build them here from raw DER.
 */
import { webcrypto } from 'node:crypto';
import { x509 } from '../../electron/core/pki/crypto';
import { concat } from '../../electron/core/pki/bytes';
import { encodeOid, tlv } from '../../electron/core/pki/der';
import { Oid, toPem } from '../../electron/core/pki/index';

export const TAG = { utf8: 0x0c, printable: 0x13, teletex: 0x14, ia5: 0x16, bmp: 0x1e } as const;

export interface RawAttribute {
  oid: string;
  value: string;
  /** Default UTF8String. */
  tag?: number;
}

function valueBytes(tag: number, v: string): Uint8Array {
  if (tag === TAG.bmp) {
    const le = Buffer.from(v, 'utf16le');
    for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
    return le;
  }
  if (tag === TAG.utf8) return Buffer.from(v, 'utf8');
  return Buffer.from(v, 'latin1');
}

/** DER Name, one attribute per RDN, in the order given. */
export function rawName(attrs: readonly RawAttribute[]): Uint8Array {
  return tlv(0x30, concat(...attrs.map((a) => tlv(0x31, tlv(0x30, concat(tlv(0x06, encodeOid(a.oid)), tlv(a.tag ?? TAG.utf8, valueBytes(a.tag ?? TAG.utf8, a.value))))))));
}

export const cn = (value: string, tag?: number): RawAttribute => ({ oid: Oid.commonName, value, ...(tag !== undefined ? { tag } : {}) });
export const o = (value: string, tag?: number): RawAttribute => ({ oid: Oid.organization, value, ...(tag !== undefined ? { tag } : {}) });
export const ou = (value: string, tag?: number): RawAttribute => ({ oid: Oid.organizationalUnit, value, ...(tag !== undefined ? { tag } : {}) });

/** A P-256 CSR (PEM) for `name`, signed by a fresh key: it passes every intake check but the name's. */
export async function csrFor(name: Uint8Array): Promise<string> {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  type Params = Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[0];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: new x509.Name(name),
    keys: keys as Params['keys'],
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } as Params['signingAlgorithm'],
  });
  return toPem(new Uint8Array(csr.rawData), 'CERTIFICATE REQUEST');
}
