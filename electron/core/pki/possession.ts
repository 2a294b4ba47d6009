/**
 * Proof of possession for devices that cannot build a CSR (e.g. a secure
 * element that only signs digests). Device-side contract, byte for byte:
 *
 *   challenge = "custodian-pop-v1" || 0x00 || nonce          (17 + 32 = 49 bytes)
 *               ASCII, no length prefix     32 CSPRNG bytes from the station
 *
 *   signature, by the key in the SPKI the device reported:
 *     EC P-256 : ECDSA over SHA-256(challenge), IEEE P1363 r||s, 64 bytes
 *     EC P-384 : ECDSA over SHA-384(challenge), IEEE P1363 r||s, 96 bytes
 *     RSA ≥2048: RSASSA-PKCS1-v1_5 with SHA-256 over challenge, |n| bytes
 *
 * The device signs the whole 49-byte challenge (label included), never a bare
 * nonce, so this signature cannot be replayed as any other protocol's.
 */
import { constants, verify as nodeVerify } from 'node:crypto';
import { bytesEqual, toBytes } from './bytes';
import { allowedDeviceKey } from './key-policy';
import { cryptoRandom, type RandomSource } from './serial';

/** "custodian-pop-v1\0" */
export const POP_LABEL: Uint8Array = new Uint8Array([...new TextEncoder().encode('custodian-pop-v1'), 0]);
export const POP_NONCE_BYTES = 32;
export const POP_CHALLENGE_BYTES = POP_LABEL.length + POP_NONCE_BYTES;
/** What verifyPossession accepts (docs/device-protocol.md §4.5: label + ≥ 16 random bytes, ≤ 256 in all). */
export const POP_CHALLENGE_MIN_BYTES = POP_LABEL.length + 16;
export const POP_CHALLENGE_MAX_BYTES = 256;

export function makeChallenge(random: RandomSource = cryptoRandom): Uint8Array {
  const nonce = random(POP_NONCE_BYTES);
  if (nonce.length !== POP_NONCE_BYTES) throw new RangeError(`random source returned ${nonce.length} bytes, wanted ${POP_NONCE_BYTES}`);
  const out = new Uint8Array(POP_CHALLENGE_BYTES);
  out.set(POP_LABEL);
  out.set(nonce, POP_LABEL.length);
  return out;
}

/**
 * True iff `signature` is the device's signature over `challenge` under the
 * contract above. A key outside the device key policy throws its KEY_* error;
 * a challenge without the label, or outside 33..256 bytes (the range the
 * device accepts, docs/device-protocol.md §4.5), or a signature of the wrong
 * form returns false.
 */
export function verifyPossession(spkiDer: Uint8Array, challenge: Uint8Array, signature: Uint8Array): boolean {
  const { info, key } = allowedDeviceKey(toBytes(spkiDer));
  const ch = toBytes(challenge);
  const sig = toBytes(signature);
  if (ch.length < POP_CHALLENGE_MIN_BYTES || ch.length > POP_CHALLENGE_MAX_BYTES) return false;
  if (!bytesEqual(ch.subarray(0, POP_LABEL.length), POP_LABEL)) return false;
  try {
    if (info.kind === 'EC') {
      const size = info.curve === 'P-256' ? 32 : 48;
      if (sig.length !== 2 * size) return false;
      return nodeVerify(info.curve === 'P-256' ? 'sha256' : 'sha384', ch, { key, dsaEncoding: 'ieee-p1363' }, sig);
    }
    return nodeVerify('sha256', ch, { key, padding: constants.RSA_PKCS1_PADDING }, sig);
  } catch {
    return false;
  }
}
