/**
 * What the operator should do about a failed provisioning, per error code: the
 * "fix" half of the PASS/FAIL line. Codes not listed fall back to the shared
 * plain-language table (electron/shared/errors.ts).
 */
import { describeError } from '../../shared/errors';

const REMEDIES: Readonly<Record<string, string>> = {
  WORKFLOW_CAPABILITY_MISSING: 'This device firmware cannot be provisioned by this station (it lacks a required feature). Update the device firmware.',
  WORKFLOW_NO_DEVICE_KEY: 'The device has no key. Enable on-device key generation in the issuance policy or load a key at the previous station, then retry.',
  WORKFLOW_DEVICE_CHANGED: 'A different device answered midway. Keep one device on the cable, reconnect it and provision again.',
  WORKFLOW_POSSESSION_FAILED: 'The device could not prove it holds its key. Reset the device (new key) and retry; if it repeats, reject the device.',
  WORKFLOW_CSR_CN_MISMATCH: "The device's certificate request names another device. Check the device ID programmed into the device, then retry.",
  WORKFLOW_READBACK_MISMATCH: 'What the device stored differs from what was sent. Retry; if it repeats, the device memory is faulty: reject the device.',
  WORKFLOW_FINAL_CHALLENGE_FAILED: 'The device cannot sign with the key in its new certificate. Retry; if it repeats, reject the device.',
  WORKFLOW_DEVICE_LOCKED: 'The device is locked with credentials from elsewhere. Send it to rework to be unlocked; this station will not overwrite them.',
  WORKFLOW_CANCELLED: 'Provisioning was stopped. Start it again when ready; the device is safe to retry.',
  WORKFLOW_ISSUER_UNUSABLE: "The station's CA cannot sign device certificates. Check `custodian authority show` and renew or re-import the CA.",
  POLICY_REISSUE_REASON_REQUIRED: 'This device ID already has a certificate. If replacing it is intended, run again with --reissue-reason "<why>".',
  POLICY_KEY_TYPE_NOT_ALLOWED: 'The device key type is not allowed by the issuance policy. Regenerate the device key with an allowed type.',
  POLICY_INVALID: 'The issuance policy is inconsistent. Correct it in the station settings.',
  DEVICE_TIMEOUT: 'The device did not answer in time. Check the cable and power, then retry.',
  DEVICE_DISCONNECTED: 'The device went away. Reconnect it and retry; nothing half-written is kept as final.',
  DEVICE_IDENTITY_CHANGED: 'A different device answered midway. Keep one device on the cable, reconnect it and provision again.',
  DEVICE_FLASH_WRITE_FAILED: 'The device could not store its certificate. Retry; if it repeats, reject the device (flash fault).',
  FRAME_CRC: 'Data was damaged on the cable. Check the cable and baud rate, then retry.',
  FRAME_TRUNCATED: 'Data was lost on the cable. Check the cable and baud rate, then retry.',
  LEDGER_WRITE_FAILED: 'The ledger could not be written, so nothing was signed. Check disk space and permissions.',
};

export function remedyFor(code: string): string {
  return REMEDIES[code] ?? describeError(code);
}
