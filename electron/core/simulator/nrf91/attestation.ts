/**
 * The COSE_Sign1 a modem appends to its KEYGEN output, in the form
 * electron/core/device/nrf91/{cose-sign1,keygen-attestation}.ts parse:
 *
 *   18([ h'a10126' ({1: -7} ES256), {4: h'21'} (kid -2, identity_key),
 *        55799([9, uuid(16), bstr(cbor(sec_tag)), sha256(body), nonce(16)]), sig(64) ])
 *
 * signed by the simulated device identity key over the RFC 9052 Sig_structure.
 */
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { encodeCbor } from '../../device/nrf91/cbor';
import { coseSign1SigStructure } from '../../device/nrf91/cose-sign1';

const PROTECTED_ES256 = Uint8Array.from([0xa1, 0x01, 0x26]);
const UNPROTECTED_KID_IDENTITY = Uint8Array.from([0xa1, 0x04, 0x41, 0x21]);
const SELF_DESCRIBED = Uint8Array.from([0xd9, 0xd9, 0xf7]);
const TAG_COSE_SIGN1 = 0xd2;

export interface AttestationInput {
  /** 9 for a CSR (format 0), 8 for a public key (format 1). */
  payloadId: 8 | 9;
  uuid: Uint8Array;
  secTag: number;
  body: Uint8Array;
  /** Flip a bit of the signature: it no longer verifies under the identity key. */
  badSignature?: boolean;
}

export function coseAttestation(identity: KeyObject, a: AttestationInput): Uint8Array {
  const digest = new Uint8Array(createHash('sha256').update(a.body).digest());
  const payload = Buffer.concat([
    SELF_DESCRIBED,
    encodeCbor([a.payloadId, a.uuid, encodeCbor(a.secTag), digest, new Uint8Array(randomBytes(16))]),
  ]);
  const sig = new Uint8Array(sign('sha256', coseSign1SigStructure(PROTECTED_ES256, payload), { key: identity, dsaEncoding: 'ieee-p1363' }));
  if (a.badSignature) sig[0]! ^= 0x01;
  return Uint8Array.from([
    TAG_COSE_SIGN1,
    0x84, // array of 4
    ...encodeCbor(PROTECTED_ES256),
    ...UNPROTECTED_KID_IDENTITY,
    ...encodeCbor(new Uint8Array(payload)),
    ...encodeCbor(sig),
  ]);
}
