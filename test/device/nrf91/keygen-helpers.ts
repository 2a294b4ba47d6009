/** Builders for synthetic nRF91 KEYGEN answers (not a test file itself). */
import 'reflect-metadata';
import { createHash, createPrivateKey, createPublicKey, sign, webcrypto, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as x509 from '@peculiar/x509';
import { expect } from 'vitest';
import { encodeCbor, type CborEncodable } from '../../../electron/core/device/nrf91/cbor';
import { coseSign1SigStructure } from '../../../electron/core/device/nrf91/cose-sign1';
import { isCustodianError } from '../../../electron/core/errors';

const PKI = fileURLToPath(new URL('../../fixtures/pki/', import.meta.url));

export function fixtureKey(name: string): KeyObject {
  return createPrivateKey(readFileSync(`${PKI}${name}.pkcs8.pem`, 'utf8'));
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const unhex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
export const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

export function expectCode(fn: () => unknown, code: string, reason?: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected CustodianError ${code}, nothing was thrown`).toBeDefined();
  if (!isCustodianError(caught)) throw caught;
  expect(caught.code).toBe(code);
  if (reason !== undefined) expect(caught.details['reason']).toBe(reason);
}

export async function buildCsr(key: KeyObject, cn: string): Promise<Uint8Array> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const privateKey = await webcrypto.subtle.importKey('pkcs8', key.export({ format: 'der', type: 'pkcs8' }), alg, false, ['sign']);
  const publicKey = await webcrypto.subtle.importKey(
    'spki',
    createPublicKey(key).export({ format: 'der', type: 'spki' }),
    alg,
    true,
    ['verify'],
  );
  const req = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [cn] }],
    keys: { privateKey, publicKey } as never,
    signingAlgorithm: alg,
  });
  return new Uint8Array(req.rawData);
}

/** Self-described-CBOR tag 55799 around the 5-element attestation array, as the modem emits. */
export function attestationPayload(p: {
  id?: number;
  uuid?: Uint8Array;
  secTag?: number;
  digest: Uint8Array;
  nonce?: Uint8Array;
  extra?: CborEncodable[];
}): Uint8Array {
  const arr = encodeCbor([
    p.id ?? 9,
    p.uuid ?? unhex('5036315439324834802b0908718314dc'),
    encodeCbor(p.secTag ?? 42),
    p.digest,
    p.nonce ?? unhex('00112233445566778899aabbccddeeff'),
    ...(p.extra ?? []),
  ]);
  return Uint8Array.from([0xd9, 0xd9, 0xf7, ...arr]);
}

export const PROTECTED_ES256 = unhex('a10126'); // {1: -7}

/** Tagged COSE_Sign1 with unprotected {4: h'21'} (kid -2), signed by `signer` with ES256. */
export function coseSign1(signer: KeyObject, payload: Uint8Array, prot: Uint8Array = PROTECTED_ES256): Uint8Array {
  const sig = sign('sha256', coseSign1SigStructure(prot, payload), { key: signer, dsaEncoding: 'ieee-p1363' });
  const body = encodeCbor([prot, new Uint8Array(0), payload, new Uint8Array(sig)]);
  // Replace the placeholder (empty bstr, 0x40) for the unprotected header with the map a1 04 41 21.
  const i = 1 + 1 + prot.length; // array head + bstr head (prot < 24 bytes) + prot
  return Uint8Array.from([0xd2, ...body.subarray(0, i), 0xa1, 0x04, 0x41, 0x21, ...body.subarray(i + 1)]);
}

export interface Synthetic {
  csrDer: Uint8Array;
  cose: Uint8Array;
  line: string;
}

export async function syntheticKeygen(identity: KeyObject, opts: { secTag?: number } = {}): Promise<Synthetic> {
  const csrDer = await buildCsr(fixtureKey('device-p256'), '50363154-3932-4834-802b-0908718314dc');
  const digest = new Uint8Array(createHash('sha256').update(csrDer).digest());
  const cose = coseSign1(identity, attestationPayload({ digest, secTag: opts.secTag ?? 42 }));
  return { csrDer, cose, line: `%KEYGEN: "${b64u(csrDer)}.${b64u(cose)}"` };
}
