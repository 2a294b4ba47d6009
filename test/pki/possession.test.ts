/** Proof of possession without a CSR: the exact bytes a device signs. */
import { createPrivateKey, createSign, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { subtle } from '../../electron/core/pki/crypto';
import { POP_CHALLENGE_BYTES, exportSpki, generateKeyPair, makeChallenge, verifyPossession } from '../../electron/core/pki/index';
import { expectCode } from './helpers';

const LABEL_HEX = Buffer.from('custodian-pop-v1\0', 'latin1').toString('hex');

describe('makeChallenge', () => {
  it('is the 17-byte label "custodian-pop-v1\\0" followed by 32 random bytes', () => {
    const c = makeChallenge((n) => new Uint8Array(n).fill(0xaa));
    expect(POP_CHALLENGE_BYTES).toBe(49);
    expect(Buffer.from(c).toString('hex')).toBe(`${LABEL_HEX}${'aa'.repeat(32)}`);
    expect(LABEL_HEX).toBe('637573746f6469616e2d706f702d763100');
  });
  it('is fresh each time', () => {
    const seen = new Set(Array.from({ length: 200 }, () => Buffer.from(makeChallenge()).toString('hex')));
    expect(seen.size).toBe(200);
  });
});

describe('verifyPossession', () => {
  it('P-256: ECDSA SHA-256 in P1363 form (what WebCrypto and secure elements output)', async () => {
    const k = await generateKeyPair('P-256', { extractable: false });
    const spki = await exportSpki(k.publicKey);
    const ch = makeChallenge();
    const sig = new Uint8Array(await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, k.privateKey, ch));
    expect(sig.length).toBe(64);
    expect(verifyPossession(spki, ch, sig)).toBe(true);
    // tampering with either input fails
    const ch2 = Uint8Array.from(ch);
    ch2[40]! ^= 1;
    expect(verifyPossession(spki, ch2, sig)).toBe(false);
    const sig2 = Uint8Array.from(sig);
    sig2[10]! ^= 1;
    expect(verifyPossession(spki, ch, sig2)).toBe(false);
    // a different key fails
    const other = await generateKeyPair('P-256', { extractable: false });
    expect(verifyPossession(await exportSpki(other.publicKey), ch, sig)).toBe(false);
  });

  it('P-256: a DER-encoded ECDSA signature is refused (P1363 only)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ch = makeChallenge();
    const der = nodeSign('sha256', ch, privateKey);
    const p1363 = nodeSign('sha256', ch, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    expect(verifyPossession(spki, ch, new Uint8Array(p1363))).toBe(true);
    expect(verifyPossession(spki, ch, new Uint8Array(der))).toBe(false);
  });

  it('P-384: ECDSA with SHA-384 (SHA-256 is refused)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const ch = makeChallenge();
    expect(verifyPossession(spki, ch, new Uint8Array(nodeSign('sha384', ch, { key: privateKey, dsaEncoding: 'ieee-p1363' })))).toBe(true);
    expect(verifyPossession(spki, ch, new Uint8Array(nodeSign('sha256', ch, { key: privateKey, dsaEncoding: 'ieee-p1363' })))).toBe(false);
  });

  it('RSA: RSASSA-PKCS1-v1_5 with SHA-256', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const ch = makeChallenge();
    const sig = createSign('sha256').update(ch).sign(createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' })));
    expect(verifyPossession(spki, ch, new Uint8Array(sig))).toBe(true);
    expect(verifyPossession(spki, ch, new Uint8Array(nodeSign('sha384', ch, privateKey)))).toBe(false);
  });

  it('a signature over anything but a station challenge (no label, wrong length) is refused', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const signed = (m: Uint8Array): boolean => verifyPossession(spki, m, new Uint8Array(nodeSign('sha256', m, { key: privateKey, dsaEncoding: 'ieee-p1363' })));
    const full = makeChallenge();
    expect(signed(full)).toBe(true);
    expect(signed(full.subarray(17))).toBe(false); // bare nonce, no label
    expect(signed(full.subarray(0, 32))).toBe(false); // label + 15 random bytes: too short
    expect(signed(full.subarray(0, 33))).toBe(true); // label + 16: the protocol's minimum
    const long = new Uint8Array(257);
    long.set(full);
    expect(signed(long)).toBe(false); // over 256 bytes
  });

  it('keys outside the device key policy throw their KEY_ code', async () => {
    const k1 = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'der' }));
    await expectCode(() => verifyPossession(k1, makeChallenge(), new Uint8Array(64)), 'KEY_UNSUPPORTED_CURVE');
  });
});
