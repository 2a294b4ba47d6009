/**
 * The proofs a run can give that the device holds its key and stores what
 * was written, as the policy and the ledger name them. Which of them a device
 * must pass is policy data (policy.ts `possession`); which it can pass
 * follows from its driver's capabilities alone.
 */
import type { DeviceCapability } from '../device/client';

export type Proof =
  /** The CSR's self-signature verified under the key it carries. */
  | 'csr-signature'
  /** A raw public key: the device signed a station challenge with it before signing. */
  | 'key-challenge'
  /** The device identity key's signature over the new key's CSR, verified under the key the brand owner supplied. */
  | 'attestation'
  /** The device gave back the very bytes written. */
  | 'read-back'
  /** The device reported a digest of what it stores, equal to that of the bytes written. */
  | 'read-back-digest'
  /** After the install, the device signed a fresh challenge with the key of the leaf it gave back. */
  | 'final-challenge';

export const PROOFS: readonly Proof[] = ['csr-signature', 'key-challenge', 'attestation', 'read-back', 'read-back-digest', 'final-challenge'];

/**
 * The last word that the device holds the key the leaf certifies:
 * - `challenge`: it signs a fresh station challenge with the installed leaf's key after the install;
 * - `csr-signature`: the CSR the station verified came from a key the device generated in this very run
 *   (for devices that cannot sign on request, such as the nRF91 modem).
 */
export type FinalProof = 'challenge' | 'csr-signature';
export const FINAL_PROOFS: readonly FinalProof[] = ['challenge', 'csr-signature'];

export type ReadBackProof = 'read-back' | 'read-back-digest';
export const READ_BACK_PROOFS: readonly ReadBackProof[] = ['read-back', 'read-back-digest'];

/** Whether a device with these capabilities can give this final proof. */
export function canGive(proof: FinalProof, caps: readonly DeviceCapability[]): boolean {
  return proof === 'challenge' ? caps.includes('challenge') : caps.includes('csr') && caps.includes('keygen');
}

/** The first of `accepted` a device with these capabilities can give, or null. */
export function firstGiven<P extends FinalProof | ReadBackProof>(accepted: readonly P[], caps: readonly DeviceCapability[]): P | null {
  for (const p of accepted) {
    if (p === 'read-back' || p === 'read-back-digest' ? caps.includes(p) : canGive(p as FinalProof, caps)) return p;
  }
  return null;
}
