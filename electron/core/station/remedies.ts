/**
 * What the operator should do about a failed provisioning, per error code: the
 * "fix" half of the PASS/FAIL line. Codes not listed fall back to the shared
 * plain-language table (electron/shared/errors.ts).
 */
import { fixFor } from '../../shared/errors';
import type { ProvisioningResult } from './events';
import { reconcileCommand, type OpenIntent } from './recorder';

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
  POLICY_KEY_TYPE_NOT_ALLOWED: "The device's key type is not allowed by the issuance policy and the device could not replace it (the message says why). Have its key regenerated with an allowed type at rework, or reject the device.",
  // A key the key policy refuses: the station asks a device that can for a new key; these remain when it could not.
  KEY_RSA_TOO_SMALL: "The device's RSA key is too short and the device could not replace it (the message says why). Have its key regenerated at rework, or reject the device.",
  KEY_RSA_TOO_LARGE: "The device's RSA key is larger than the station accepts and the device could not replace it (the message says why). Have its key regenerated at rework, or reject the device.",
  KEY_UNSUPPORTED_CURVE: "The device's key is on a curve the station does not certify and the device could not replace it (the message says why). Have its key regenerated at rework, or reject the device.",
  KEY_UNSUPPORTED_ALGORITHM: "The device's key is of a kind the station does not certify and the device could not replace it (the message says why). Have its key regenerated at rework, or reject the device.",
  POLICY_KEY_ALREADY_CERTIFIED: 'This device presents the key of a device already certified under another ID: the signature of a cloned secure element. Quarantine the device, do not retry it, and report both device IDs to security.',
  POLICY_INVALID: 'The issuance policy is inconsistent. Correct it in the station settings.',
  RENEWAL_OUTSIDE_WINDOW: 'The device\'s certificate is not yet in its renewal window. Renew it later, or re-key it (--re-key) if its key must change now.',
  RENEWAL_UNKNOWN_CERTIFICATE: 'The device holds no certificate this station issued for its device ID. Provision it as a re-issue (--reissue-reason) instead of renewing.',
  RENEWAL_CERTIFICATE_REVOKED: 'The certificate on this device is revoked: it is not renewed. Investigate why it was revoked; provision it again only as a re-issue with a reason.',
  RENEWAL_CERTIFICATE_EXPIRED: 'The certificate on this device has expired: it is not renewed. Provision it again as a re-issue (--reissue-reason).',
  RENEWAL_KEY_MISMATCH: 'The device now holds another key than its certificate\'s: renewing keeps the key. Use --re-key to certify a new key, or check that this is the right device.',
  RENEWAL_KEY_UNCHANGED: 'The device gave its old key again after being asked for a new one. Check its firmware; its certificate was not replaced.',
  RENEWAL_DEVICE_LOCKED: 'The device\'s credential store is locked and cannot take a new certificate. Send it to rework to be unlocked, then renew it.',
  RENEWAL_KEYGEN_UNAVAILABLE: 'This device cannot generate a new key: it can be renewed (same key), not re-keyed.',
  RENEWAL_REVOCATION_UNAVAILABLE: 'The policy revokes a replaced certificate, but this station cannot record revocations. Renew from a station that can, or set the policy to let the old certificate expire.',
  CSR_SUBJECT_UNSAFE_CHARACTER: "The device's certificate request carries a control, bidirectional or invisible character in its subject. Reject the device and report its firmware: it is faulty or tampered with.",
  DEVICE_TIMEOUT: 'The device did not answer in time. Check the cable and power, then retry.',
  DEVICE_DISCONNECTED: 'The device went away. Reconnect it and retry; nothing half-written is kept as final.',
  DEVICE_IDENTITY_CHANGED: 'A different device answered midway. Keep one device on the cable, reconnect it and provision again.',
  DEVICE_FLASH_WRITE_FAILED: 'The device could not store its certificate. Retry; if it repeats, reject the device (flash fault).',
  FRAME_CRC: 'Data was damaged on the cable. Check the cable and baud rate, then retry.',
  FRAME_TRUNCATED: 'Data was lost on the cable. Check the cable and baud rate, then retry.',
  WORK_ORDER_REQUIRED: 'This station signs only under a signed work order. Choose an imported work order for the run (`--work-order <id>`, or the work-order field), then retry.',
  WORK_ORDER_NOT_FOUND: 'The chosen work order is not imported on this station. Import the signed file first (`custodian work-order import`), or choose another.',
  WORK_ORDER_DEVICE_NOT_ALLOWED: "This device is not on the work order's allow-list (the message names it and the list). Set it aside for the upstream custodian: it needs a work order that lists it.",
  WORK_ORDER_QUOTA_EXHAUSTED: "The work order's quota is used up. Stop provisioning under it; ask the upstream custodian for a new work order. Intents not yet reconciled hold slots: reconciling one as abandoned frees its slot.",
  WORK_ORDER_EXPIRED: "The work order's window has ended. Ask the upstream custodian for a new work order; nothing more is signed under this one.",
  WORK_ORDER_NOT_YET_VALID: "The work order's window has not started. Wait for its start (check the station clock), or choose another work order.",
  LEDGER_WRITE_FAILED: 'The ledger cannot be written (the message says which file and why). Free disk space or fix the permissions of the station folder, then start the station again; it signs nothing until then.',
  LEDGER_UNRECONCILED_INTENT: 'Find out whether each open intent\'s certificate reached a device, record it with the `custodian ledger reconcile` command named in the message, then provision again.',
};

/** The operator's fix for a failure: the station's own for the code, else what the error itself knows (a modem's CME remedy), else the code's message. */
export function remedyFor(code: string, details?: Readonly<Record<string, unknown>>): string {
  return REMEDIES[code] ?? fixFor(code, details);
}

type FailedRun = Extract<ProvisioningResult, { result: 'failed' }>;

/**
 * What is true after a failed run, one statement each: whether a certificate
 * was signed, whether it is recorded and on the device, whether the recorder
 * stopped, and each open intent with the command that closes it. A run that
 * left the recorder writable and nothing open gets one line.
 */
export function recordStatements(r: FailedRun): string[] {
  const rec = r.record;
  const serial = rec.serialHex ? ` ${rec.serialHex}` : '';
  const out: string[] = [];
  if (rec.signed) {
    out.push(rec.recorded
      ? `A certificate${serial} was signed in this run and is recorded in the ledger; ${rec.sentToDevice ? 'it was sent to the device' : 'it was not sent to the device'}.`
      : `A certificate${serial} was signed in this run but is NOT recorded in the ledger (its record did not reach the disk); it was not sent to the device and is discarded.`);
  } else if (rec.reused) {
    out.push(`Nothing new was signed: the certificate${serial} recorded earlier was ${rec.sentToDevice ? 'sent to the device again' : 'to be re-installed; it was not sent'}.`);
  } else {
    out.push('Nothing was signed in this run.');
  }
  if (rec.stopped) {
    out.push(`The ledger has stopped: ${rec.stopped.message}. This station signs nothing more and stops serving the line until the cause is fixed and the ledger is reopened.`);
  }
  for (const o of rec.openIntents) {
    const ours = r.deviceId !== null && o.deviceId === r.deviceId;
    const why = ours && !rec.recorded && !rec.sentToDevice
      ? (rec.signed ? 'its certificate never left the station' : 'nothing was signed under it')
      : 'find out whether its certificate reached a device';
    const resolution = ours && !rec.recorded && !rec.sentToDevice ? 'abandoned' : 'abandoned|issued';
    out.push(`Intent #${o.id} (${o.deviceId}, serial ${o.serialHex}) is open and blocks signing: ${why}; once the ledger can be written, close it with \`${reconcileCommand(o.id, resolution)}\`${resolution === 'abandoned' ? ' (the serial is never used)' : ''}.`);
  }
  if (rec.stopped && rec.openIntents.length === 0) out.push('No intent is left open: there is nothing to reconcile.');
  if (rec.recorded) out.push('A retry re-installs the recorded certificate without signing again.');
  else if (rec.openIntents.some((o) => o.deviceId === r.deviceId)) out.push('After the intent is reconciled, a retry signs a new certificate.');
  else if (!rec.stopped) out.push('The device is safe to retry.');
  return out;
}

/**
 * What is true when the recorder stopped outside a run (a checkpoint written
 * between devices failed): nothing was being signed, and each open intent
 * with the command that closes it. `openIntents` null: the ledger could not
 * be opened at all, so nothing is known about its intents yet.
 */
export function stoppedStatements(stopped: { message: string }, openIntents: readonly OpenIntent[] | null): string[] {
  if (openIntents === null) {
    return [
      `The ledger could not be opened: ${stopped.message}. Nothing was signed since it stopped.`,
      'This station signs nothing and serves no device until the cause is fixed and the ledger opens; any intent it holds open is named then.',
    ];
  }
  return [
    `The ledger has stopped: ${stopped.message}. No device was being provisioned; nothing was signed since the last recorded device.`,
    'This station signs nothing more and stops serving the line until the cause is fixed and the ledger is reopened.',
    ...openIntents.map((o) => `Intent #${o.id} (${o.deviceId}, serial ${o.serialHex}) is open: find out whether its certificate reached a device, then close it with \`${reconcileCommand(o.id)}\`.`),
    ...(openIntents.length === 0 ? ['No intent is left open: there is nothing to reconcile.'] : []),
  ];
}
