import 'reflect-metadata';
import { createHash, createPublicKey } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../../electron/core/device/nrf91/cbor';
import { parseKeygenAttestation } from '../../../electron/core/device/nrf91/keygen-attestation';
import { Nrf91KeygenErrorCodes as C } from '../../../electron/core/device/nrf91/keygen-codes';
import {
  decodeBase64UrlStrict,
  KEYGEN_MAX_CSR_BYTES,
  parseKeygenPayload,
  parseKeygenResponse,
} from '../../../electron/core/device/nrf91/keygen-response';
import { attestationPayload, b64u, coseSign1, expectCode, fixtureKey, hex, syntheticKeygen, unhex } from './keygen-helpers';
import { REAL_KEYGEN } from './keygen-fixtures';

const identity = fixtureKey('technician-p256');
const sha = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());

describe('parseKeygenResponse — synthetic golden vector', () => {
  it('parses, checks the digest and verifies the identity signature', async () => {
    const s = await syntheticKeygen(identity);
    const r = parseKeygenResponse(s.line, { expectedSecTag: 42 });
    expect(hex(r.csrDer)).toBe(hex(s.csrDer));
    expect(r.attestation).toMatchObject({
      payloadId: 9,
      deviceUuidString: '50363154-3932-4834-802b-0908718314dc',
      secTag: 42,
    });
    expect(hex(r.attestation.digest)).toBe(hex(sha(s.csrDer)));
    expect(hex(r.attestation.nonce)).toBe('00112233445566778899aabbccddeeff');
    expect(r.coseSign1.kidValue).toBe(-2);
    expect(() => r.verifyIdentity(createPublicKey(identity))).not.toThrow();
    // The CSR is a real PKCS#10 for the device key.
    const csr = new x509.Pkcs10CertificateRequest(r.csrDer);
    expect(csr.subject).toBe('CN=50363154-3932-4834-802b-0908718314dc');
  });

  it('wrong identity key → NRF91_KEYGEN_SIGNATURE_INVALID', async () => {
    const r = parseKeygenResponse((await syntheticKeygen(identity)).line);
    expectCode(() => r.verifyIdentity(fixtureKey('device-p256')), C.NRF91_KEYGEN_SIGNATURE_INVALID);
  });

  it('flipped CSR byte → NRF91_KEYGEN_DIGEST_MISMATCH', async () => {
    const s = await syntheticKeygen(identity);
    const csr = Uint8Array.from(s.csrDer);
    csr[40]! ^= 0x01;
    expectCode(() => parseKeygenPayload(`${b64u(csr)}.${b64u(s.cose)}`), C.NRF91_KEYGEN_DIGEST_MISMATCH);
  });

  it('flipped COSE payload byte (digest) → DIGEST_MISMATCH; re-signed by another key → SIGNATURE_INVALID', async () => {
    const s = await syntheticKeygen(identity);
    const cose = Uint8Array.from(s.cose);
    const at = cose.length - 64 - 2 - 16 - 1 - 1; // last digest byte
    cose[at]! ^= 0x01;
    expectCode(() => parseKeygenPayload(`${b64u(s.csrDer)}.${b64u(cose)}`), C.NRF91_KEYGEN_DIGEST_MISMATCH);
    const forged = coseSign1(fixtureKey('device-p256'), attestationPayload({ digest: sha(s.csrDer) }));
    const r = parseKeygenPayload(`${b64u(s.csrDer)}.${b64u(forged)}`);
    expectCode(() => r.verifyIdentity(identity), C.NRF91_KEYGEN_SIGNATURE_INVALID);
  });

  it('other sec_tag than expected → NRF91_KEYGEN_SEC_TAG_MISMATCH', async () => {
    const s = await syntheticKeygen(identity, { secTag: 16842753 });
    expect(parseKeygenResponse(s.line).attestation.secTag).toBe(16842753);
    expectCode(() => parseKeygenResponse(s.line, { expectedSecTag: 42 }), C.NRF91_KEYGEN_SEC_TAG_MISMATCH);
  });
});

describe('parseKeygenResponse — line and base64url strictness', () => {
  it.each([
    ['no prefix', (l: string) => l.slice(1), 'missing %KEYGEN: " prefix'],
    ['no closing quote', (l: string) => l.slice(0, -1), 'missing closing quote'],
    ['trailing CR', (l: string) => `${l}\r`, 'missing closing quote'],
    ['stray quote', (l: string) => l.replace('.', '".'), 'stray quote'],
    ['no COSE part', (l: string) => l.replace(/\.[^"]*"$/, '"'), 'expected exactly two dot-separated parts'],
    ['three parts', (l: string) => l.replace('"', '"AAAA.'), 'expected exactly two dot-separated parts'],
    ['empty COSE part', (l: string) => l.replace(/\.[^"]*"$/, '."'), 'empty part'],
  ])('%s → NRF91_KEYGEN_FORMAT', async (_n, mutate, reason) => {
    const { line } = await syntheticKeygen(identity);
    expectCode(() => parseKeygenResponse(mutate(line)), C.NRF91_KEYGEN_FORMAT, reason);
  });

  it('refuses padding, standard-alphabet characters, whitespace and non-canonical tails', () => {
    expect(hex(decodeBase64UrlStrict('-_8', 'x'))).toBe('fbff');
    for (const s of ['AAE=', 'AA==', '+/8', 'AA E', 'A', 'AB', 'AAF']) {
      expectCode(() => decodeBase64UrlStrict(s, 'x'), C.NRF91_KEYGEN_BASE64);
    }
  });

  it('a padded or standard-base64 CSR part in a line → NRF91_KEYGEN_BASE64', async () => {
    const s = await syntheticKeygen(identity);
    const std = Buffer.from(s.csrDer).toString('base64');
    const cose = b64u(s.cose);
    expectCode(() => parseKeygenPayload(`${std.replace(/=+$/, '')}X+/.${cose}`), C.NRF91_KEYGEN_BASE64);
    expectCode(() => parseKeygenPayload(`${b64u(s.csrDer)}=.${cose}`), C.NRF91_KEYGEN_BASE64);
    expectCode(() => parseKeygenPayload(`${b64u(s.csrDer)}.${cose}=`), C.NRF91_KEYGEN_BASE64);
  });

  it('oversized parts and lines → NRF91_KEYGEN_TOO_LARGE', async () => {
    const s = await syntheticKeygen(identity);
    const big = b64u(new Uint8Array(KEYGEN_MAX_CSR_BYTES + 3));
    expectCode(() => parseKeygenPayload(`${big}.${b64u(s.cose)}`), C.NRF91_KEYGEN_TOO_LARGE);
    expectCode(() => parseKeygenPayload(`${b64u(s.csrDer)}.${b64u(new Uint8Array(600))}`), C.NRF91_KEYGEN_TOO_LARGE);
    expectCode(() => parseKeygenResponse(`%KEYGEN: "${'A'.repeat(10000)}"`), C.NRF91_KEYGEN_TOO_LARGE);
  });

  it('a CSR part that is not one DER SEQUENCE → NRF91_KEYGEN_CSR_MALFORMED', async () => {
    const s = await syntheticKeygen(identity);
    for (const der of [unhex('0400'), Uint8Array.from([...s.csrDer, 0]), s.csrDer.subarray(0, -1), unhex('3081050000')]) {
      expectCode(() => parseKeygenPayload(`${b64u(der)}.${b64u(s.cose)}`), C.NRF91_KEYGEN_CSR_MALFORMED);
    }
  });

  it('truncated / trailing COSE bytes → NRF91_CBOR_INVALID', async () => {
    const s = await syntheticKeygen(identity);
    expectCode(() => parseKeygenPayload(`${b64u(s.csrDer)}.${b64u(s.cose.subarray(0, -5))}`), C.NRF91_CBOR_INVALID);
    expectCode(() => parseKeygenPayload(`${b64u(s.csrDer)}.${b64u(Uint8Array.from([...s.cose, 0xf6]))}`), C.NRF91_CBOR_INVALID);
  });
});

describe('parseKeygenAttestation', () => {
  const digest = new Uint8Array(32).fill(0xab);
  it('accepts the untagged array too', () => {
    expect(parseKeygenAttestation(attestationPayload({ digest }).subarray(3)).secTag).toBe(42);
  });
  it.each([
    ['unknown payload id', attestationPayload({ digest, id: 3 })],
    ['not a 5-element array', attestationPayload({ digest, extra: [0] })],
    ['device UUID is not 16 bytes', attestationPayload({ digest, uuid: new Uint8Array(15) })],
    ['digest is not 32 bytes', attestationPayload({ digest: new Uint8Array(20) })],
    ['nonce length out of range', attestationPayload({ digest, nonce: new Uint8Array(0) })],
    ['unexpected tag', Uint8Array.from([0xc1, ...attestationPayload({ digest }).subarray(3)])],
    ['sec_tag is not CBOR', encodeCbor([9, new Uint8Array(16), unhex('1818ff'), digest, new Uint8Array(16)])],
    ['sec_tag is not an unsigned 31-bit integer', encodeCbor([9, new Uint8Array(16), encodeCbor(-1), digest, new Uint8Array(16)])],
  ])('refuses: %s', (reason, bytes) => {
    expectCode(() => parseKeygenAttestation(bytes), C.NRF91_KEYGEN_ATTESTATION_INVALID, reason);
  });
  it('a public-key message (id 8) parses as attestation but is refused as a CSR answer', async () => {
    const s = await syntheticKeygen(identity);
    const pk = coseSign1(identity, attestationPayload({ id: 8, digest: sha(s.csrDer) }));
    expect(parseKeygenAttestation(attestationPayload({ id: 8, digest })).payloadId).toBe(8);
    expectCode(() => parseKeygenPayload(`${b64u(s.csrDer)}.${b64u(pk)}`), C.NRF91_KEYGEN_ATTESTATION_INVALID, 'not CSR_msg_v1');
  });
});

describe('real modem output quoted by nRFCloud/utils', () => {
  it.each(REAL_KEYGEN.map((f) => [f.source, f] as const))('%s', async (_src, f) => {
    const r = parseKeygenResponse(f.line, { expectedSecTag: f.secTag });
    expect(r.attestation.deviceUuidString).toBe(f.uuid);
    expect(r.attestation.payloadId).toBe(9);
    expect(hex(r.attestation.digest)).toBe(f.sha256);
    expect(hex(sha(r.csrDer))).toBe(f.sha256); // the digest check itself passed, and it is what Nordic printed
    expect(hex(r.attestation.nonce)).toBe(f.nonce);
    expect(hex(r.coseSign1.signature)).toBe(f.signature);
    expect(r.coseSign1.kidValue).toBe(-2); // identity_key
    const csr = new x509.Pkcs10CertificateRequest(r.csrDer);
    expect(csr.subject).toBe(`CN=${f.uuid}`);
    expect(Buffer.from(csr.publicKey.rawData).toString('base64')).toBe(f.csrSpkiB64);
    expect(await csr.verify()).toBe(true);
    // Without Nordic's identity key the signature cannot be checked; any other key must fail.
    expectCode(() => r.verifyIdentity(identity), C.NRF91_KEYGEN_SIGNATURE_INVALID);
  });
});
