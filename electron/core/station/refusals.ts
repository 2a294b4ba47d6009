/**
 * What the station reports when it refuses a device's CSR or key, as data.
 * docs/device-protocol.md §4.4 lists the same codes, and
 * test/station/refusals-doc.test.ts holds the two together.
 *
 * A key refused by the key policy (`newKey: true`) makes the station ask a
 * device that can generate keys for a new one, once per run (the `csr`
 * step's `key-refused` outcome); every other refusal ends the run.
 */
import { isCustodianError } from '../errors';
import { PkiCodes } from '../pki/codes';
import { StationCodes } from './codes';

export interface Refusal {
  code: string;
  /** The station asks a device that can for a new key instead of ending the run. */
  newKey: boolean;
}

/** Refusals of the CSR itself (pki readCsr, then the workflow's CN check). */
export const CSR_REFUSALS: readonly Refusal[] = [
  { code: PkiCodes.CSR_TOO_LARGE, newKey: false },
  { code: PkiCodes.CSR_MALFORMED, newKey: false },
  { code: PkiCodes.CSR_TRUNCATED, newKey: false },
  { code: PkiCodes.CSR_UNSUPPORTED_SIGNATURE_ALGORITHM, newKey: false },
  { code: PkiCodes.CSR_SIGNATURE_INVALID, newKey: false },
  { code: PkiCodes.CSR_SUBJECT_UNSAFE_CHARACTER, newKey: false },
  { code: StationCodes.WORKFLOW_CSR_CN_MISMATCH, newKey: false },
];

/** Refusals of the device's key (from its CSR or GET_PUBLIC_KEY), and of its proof of possession on the raw-key path. */
export const KEY_REFUSALS: readonly Refusal[] = [
  { code: PkiCodes.KEY_RSA_TOO_SMALL, newKey: true },
  { code: PkiCodes.KEY_RSA_TOO_LARGE, newKey: true },
  { code: PkiCodes.KEY_UNSUPPORTED_CURVE, newKey: true },
  { code: PkiCodes.KEY_UNSUPPORTED_ALGORITHM, newKey: true },
  { code: StationCodes.POLICY_KEY_TYPE_NOT_ALLOWED, newKey: true },
  { code: PkiCodes.KEY_MALFORMED, newKey: false },
  { code: StationCodes.WORKFLOW_POSSESSION_FAILED, newKey: false },
  // At check: one key, one device. A cloned secure element is not asked for a new key.
  { code: StationCodes.POLICY_KEY_ALREADY_CERTIFIED, newKey: false },
];

const NEW_KEY = new Set([...CSR_REFUSALS, ...KEY_REFUSALS].filter((r) => r.newKey).map((r) => r.code));

/** The device's key is refused by the key policy: a device that can generate keys is asked for a new one. */
export function asksForNewKey(e: unknown): boolean {
  return isCustodianError(e) && NEW_KEY.has(e.code);
}
