/**
 * The error shape every station API call can fail with, on every transport
 * (Electron IPC, the HTTP test bridge, the CLI's JSON output).
 *
 * `code` is stable (see electron/core/errors.ts for the naming rules); the
 * `message` is plain language meant for the operator; `details` is
 * structured, non-secret context. Never a stack trace, never key material.
 *
 * Loaded by the renderer: no Node or electron imports here.
 */
import { z } from 'zod';

/** Codes raised by the API layer itself (dispatcher, service, transports). */
export const ApiCodes = {
  /** The argument did not match the method's schema; the core was not called. */
  INVALID_ARGUMENT: 'API_INVALID_ARGUMENT',
  /** No method with that name exists. */
  UNKNOWN_METHOD: 'API_UNKNOWN_METHOD',
  /** The feature behind this method is not part of this build yet. */
  NOT_AVAILABLE: 'API_NOT_AVAILABLE',
  /** The call came from a frame or origin that is not the station window. */
  FORBIDDEN_SENDER: 'API_FORBIDDEN_SENDER',
  /** The core produced a result that failed the result schema (it was not sent). */
  INVALID_RESULT: 'API_INVALID_RESULT',
  /** A file handle is unknown, expired, already used, or for another purpose. */
  FILE_HANDLE_INVALID: 'API_FILE_HANDLE_INVALID',
  /** The port or resource is already in use by another operation. */
  BUSY: 'API_BUSY',
  /** A settings value is out of range or inconsistent. */
  SETTINGS_INVALID: 'API_SETTINGS_INVALID',
  /** The simulator is switched off in settings. */
  SIMULATOR_DISABLED: 'API_SIMULATOR_DISABLED',
  /** No simulated device with that id is running. */
  SIMULATOR_UNKNOWN_DEVICE: 'API_SIMULATOR_UNKNOWN_DEVICE',
  /** Anything unexpected. Details are logged on the station, never sent. */
  INTERNAL: 'INTERNAL',
} as const;
export type ApiCode = (typeof ApiCodes)[keyof typeof ApiCodes];

export const ApiErrorSchema = z.object({
  code: z.string().min(1).max(80),
  message: z.string().max(2000),
  details: z.record(z.string(), z.unknown()).default({}),
});
export type ApiError = z.output<typeof ApiErrorSchema>;

/** Every call resolves to one of these; transports never throw across the boundary. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** Thrown in the renderer by `unwrap` so `try/catch` code keeps the typed error. */
export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(error: ApiError) {
    super(error.message);
    this.code = error.code;
    this.details = error.details;
  }
}

/** Resolves to the value of a successful call or throws an ApiCallError. */
export async function unwrap<T>(call: Promise<ApiResult<T>>): Promise<T> {
  const r = await call;
  if (r.ok) return r.value;
  throw new ApiCallError(r.error);
}

/**
 * Plain-language message per code: what happened, then what to do next.
 * Codes not listed fall back to their area prefix, then to a generic text.
 */
export const ERROR_MESSAGES: Readonly<Record<string, string>> = {
  // API layer
  API_INVALID_ARGUMENT: 'The request was not understood by the station. Check the values you entered and try again.',
  API_UNKNOWN_METHOD: 'This action is not known to the station. Update the application.',
  API_NOT_AVAILABLE: 'This feature is not available in this version of Custodian yet.',
  API_FORBIDDEN_SENDER: 'The request was refused because it did not come from the station window. Restart the application.',
  API_INVALID_RESULT: 'The station produced an unexpected answer and withheld it. Try again; if it repeats, contact your security officer.',
  API_FILE_HANDLE_INVALID: 'The chosen file is no longer available. Choose the file again.',
  API_BUSY: 'That device or resource is busy with another operation. Wait for it to finish and try again.',
  API_SETTINGS_INVALID: 'One of the settings is not valid. Correct the highlighted value and save again.',
  API_SIMULATOR_DISABLED: 'The device simulator is switched off. Enable it in Settings to use simulated devices.',
  API_SIMULATOR_UNKNOWN_DEVICE: 'That simulated device is no longer running. Refresh the device list.',
  INTERNAL: 'Something went wrong inside the station. Try again; if it repeats, restart Custodian and contact support.',

  // Authority and vault (electron/core/authority/codes.ts, electron/core/vault/codes.ts)
  AUTHORITY_NOT_CONFIGURED: 'No certificate authority is set up on this station yet. Create one or import one in the Authority view.',
  AUTHORITY_ALREADY_CONFIGURED: 'A certificate authority is already set up on this station. A new one cannot be created over it.',
  AUTHORITY_LOCKED: 'The certificate authority is locked. Unlock it with the passphrase to continue.',
  AUTHORITY_NOT_ACTIVE: 'The certificate authority cannot sign yet: import the signed bundle for its request first.',
  AUTHORITY_NO_PENDING_REQUEST: 'There is no pending request to complete. Create a request first.',
  AUTHORITY_KEY_MISMATCH: 'The key does not belong to this authority\'s certificate. Check that you chose the right files.',
  AUTHORITY_BUNDLE_MALFORMED: 'The bundle file is not a certificate chain. Ask the issuing custodian for the signed bundle again.',
  AUTHORITY_CHAIN_NO_ROOT: 'The bundle does not reach a root certificate. Ask for the complete chain.',
  AUTHORITY_PATHLEN_NO_ROOM: 'This authority is not allowed to create another CA level below it. Sign devices only, or ask the root custodian.',
  AUTHORITY_BAD_INPUT: 'One of the values is not accepted. Check the names and numbers you entered.',
  AUTHORITY_CSR_NO_COMMON_NAME: 'The request has no common name. Ask for a new request with a name.',
  AUTHORITY_STATE_CORRUPTED: 'The authority files in the station folder are damaged. Restore them from backup and contact your security officer.',
  AUTHORITY_KEY_UNREADABLE: 'The CA key file cannot be read. Check the station folder and restore the key from backup if needed.',
  AUTHORITY_SUBJECT_DUPLICATES_ISSUER: 'The new CA has the same name as a CA above it. Ask for a new request with a name of its own.',
  AUTHORITY_ROOT_NOT_PINNED: 'The station does not know which root it belongs to. Give the root certificate or its SHA-256 fingerprint from the upstream hand-over.',
  AUTHORITY_ROOT_MISMATCH: 'The bundle was not issued under the root this station belongs to. Do not use it: compare both fingerprints and ask the upstream custodian.',
  AUTHORITY_ROOT_INVALID: 'What was given as the root is not a self-signed root certificate or a SHA-256 fingerprint. Choose the root certificate from the hand-over.',
  // CA keys in a PKCS#11 token (electron/core/token/codes.ts)
  TOKEN_URI_INVALID: 'The token address (pkcs11: URI) is not valid. Check the token label, the key label and the module path.',
  TOKEN_MODULE_UNAVAILABLE: 'The token driver (PKCS#11 module) could not be loaded. Check its path and that it is installed on this station.',
  TOKEN_MODULE_UNTRUSTED: 'The app loads only token drivers installed for the whole machine (owned by root, writable by no one else). Install the PKCS#11 module system-wide, or use the custodian command line.',
  TOKEN_BINDING_UNAVAILABLE: 'This installation of Custodian cannot talk to hardware tokens. Reinstall Custodian.',
  TOKEN_NOT_FOUND: 'The token holding the CA key is not connected. Plug it in and try again.',
  TOKEN_AMBIGUOUS: 'More than one connected token matches. Unplug the others, or name the token by its serial.',
  TOKEN_REMOVED: 'The token holding the CA key was removed, so the station locked. Plug it back in and unlock with the PIN.',
  TOKEN_PIN_INCORRECT: 'The token PIN is not correct. Check it and try again; the token counts wrong PINs.',
  TOKEN_PIN_FINAL_TRY: 'The token PIN is not correct, and one more wrong PIN locks the token. Make sure of the PIN before trying again.',
  TOKEN_PIN_LOCKED: 'The token PIN is locked after too many wrong attempts. The token\'s security officer must reset it.',
  TOKEN_PIN_INVALID: 'That PIN cannot be right: it is empty or too long. Enter the token PIN.',
  TOKEN_KEY_NOT_FOUND: 'The CA key is not on this token. Check that the right token is connected.',
  TOKEN_KEY_EXISTS: 'The token already holds a key with that label. Choose another key label.',
  TOKEN_KEY_UNSUITABLE: 'The key on the token cannot be used as a CA key. Generate a new key on the token with Custodian.',
  TOKEN_MECHANISM_UNSUPPORTED: 'The token does not support the signature this key needs. Use a token that supports ECDSA.',
  TOKEN_NOT_LOGGED_IN: 'The CA key on the token is locked. Unlock it with the token PIN.',
  TOKEN_FAILED: 'The token reported an error. Check the token and try again; if it repeats, contact your security officer.',
  VAULT_WRONG_PASSPHRASE: 'The passphrase is not correct. Check it and try again.',
  VAULT_WEAK_PASSPHRASE: 'That passphrase is too short or too simple. Use at least 12 characters, 6 of them different, mixing letters with digits, spaces or symbols, and no space at the start or end.',
  VAULT_CORRUPTED: 'The CA key file is damaged. Restore it from backup.',
  VAULT_KEY_FILE_MISSING: 'The CA key file is missing from the station folder. Restore it from backup.',
  VAULT_INSECURE_PERMISSIONS: 'The CA key file can be read by other users. Restrict its permissions and try again.',

  // Devices and serial framing (electron/core/device/codes.ts)
  // Names (electron/core/pki/codes.ts)
  CSR_SUBJECT_UNSAFE_CHARACTER: 'The request\'s subject holds a control, bidirectional or invisible character. It is refused: ask for a request with a plain name.',
  PROFILE_UNSAFE_NAME_CHARACTER: 'A name holds a control, bidirectional or invisible character. Names with such characters are refused: type the name again.',

  DEVICE_ID_INVALID: 'The device ID does not match the station\'s device-ID rule. Check the device or the rule in Settings.',
  DEVICE_TIMEOUT: 'The device did not answer in time. Check the cable and that the device is powered, then try again.',
  DEVICE_DISCONNECTED: 'The device was disconnected. Reconnect it and start again.',
  DEVICE_NOT_FOUND: 'That port is not connected. Refresh the port list and choose again.',
  DEVICE_OPEN_FAILED: 'The port could not be opened. Check that no other program uses it and that you may access serial ports.',
  DEVICE_PROTOCOL_VERSION: 'The device speaks a protocol version this station does not support. Update the device firmware.',
  DEVICE_DRIVER_UNKNOWN: 'That device driver is not known to this station. Choose custodian, nrf91 or auto.',
  DEVICE_DRIVER_NOT_DETECTED: 'No known kind of device answered on that port. Check that the device is powered and runs its provisioning firmware, or choose its driver explicitly.',
  DEVICE_ERROR_LOCKED: 'The device is locked and cannot take a new certificate. Use the re-provisioning procedure for locked devices.',

  // Provisioning workflow and issuance policy (electron/core/station/codes.ts)
  WORKFLOW_ISSUER_UNUSABLE: 'The station\'s CA cannot sign device certificates (expired or not allowed). Check the Authority view.',
  WORKFLOW_POSSESSION_FAILED: 'The device could not prove it holds its key. Reset the device and provision it again.',
  WORKFLOW_READBACK_MISMATCH: 'The certificate read back from the device is not the one written. Provision the device again.',
  WORKFLOW_DEVICE_CHANGED: 'A different device answered during provisioning. Keep one device connected and start again.',
  POLICY_REISSUE_REASON_REQUIRED: 'This device already has a certificate. Enter a re-issue reason to issue a new one.',
  POLICY_KEY_TYPE_NOT_ALLOWED: 'The device\'s key type is not allowed by the station policy.',
  POLICY_KEY_ALREADY_CERTIFIED: 'This device\'s key is already certified for another device: the sign of a cloned secure element. Nothing was signed.',

  // Ledger and audit (electron/core/ledger/codes.ts)
  LEDGER_TAMPERED: 'The signing ledger does not match its checkpoints. Signing has stopped: do not continue, call your security officer.',
  LEDGER_TORN_TAIL: 'The ledger had an incomplete last line from an earlier crash; it was cut off. Review the last provisioning.',
  LEDGER_WRITE_FAILED: 'The signing ledger cannot be written (the disk is full, or the station folder may not be written). The station has stopped signing; the message says what was signed and recorded. Free disk space or fix the permissions, then resume.',
  LEDGER_UNRECONCILED_INTENT: 'A previous provisioning did not finish. Reconcile each open intent with the command in the message before signing again.',
  LEDGER_LOCKED: 'Another Custodian process is using the signing ledger (the message names it). Stop that process, then try again.',
  LEDGER_KEY_LOCKED: 'The ledger\'s checkpoint key is locked. Unlock the authority: the ledger keeps every entry and signs its checkpoints then.',
  LEDGER_KEY_UNSUPPORTED: 'The authority\'s token offers no Ed25519, so the ledger\'s checkpoint key cannot move onto it. The station keeps its current key; nothing was changed.',
  LEDGER_NOT_FOUND: 'This station has no signing ledger yet. Set up the authority first.',
  LEDGER_NOT_IN_LEDGER: 'No certificate in the ledger matches that search.',
  LEDGER_PROOF_INVALID: 'The ledger proof does not verify. Keep the files and contact your security officer.',
  AUDIT_FAILED: 'The audit found problems. Open the report to see each one.',
  REVOKE_UNKNOWN_SERIAL: 'This station issued no certificate with that serial or device ID. Check the value, or revoke it at the station that issued it.',
  REVOKE_ALREADY_REVOKED: 'That certificate is already revoked; the ledger entry shows who revoked it, when and why.',
  REVOKE_REASON_INVALID: 'Choose one of the listed revocation reasons.',
  REVOKE_AMBIGUOUS: 'That value is both a serial and a device ID here: say which one you mean.',
  REVOKE_NOT_REVOCABLE: 'Only device certificates and subordinate CAs are revoked; this certificate is neither.',
  REVOKE_INVALID: 'The revocation request is incomplete: enter the operator\'s name.',
  CRL_ISSUER_UNSUITABLE: 'This station\'s CA certificate cannot sign a CRL (no subject key identifier or no cRLSign key usage).',
  HUB_EXPORT_OUTPUT_EXISTS: 'That folder already holds files: choose an empty folder for the hand-over.',
  HUB_EXPORT_NO_AUTHORITY: 'The hand-over needs the station CA chain; set up the authority first.',
  CRL_NUMBER_UNREADABLE: 'The last CRL in the ledger has no readable number, so the next one cannot be chosen. Contact your security officer.',
  AUDIT_BUNDLE_INVALID: 'The audit bundle is incomplete or damaged. Export it again.',

  // nRF91 modem (electron/core/device/nrf91/codes.ts); CME errors carry their own remedy.
  NRF91_AT_TIMEOUT: 'The modem did not answer the AT command in time. Check the cable, the baud rate and RTS/CTS, and that the application exposes the AT host.',
  NRF91_IMEI_INVALID: 'The modem reported an IMEI that is not 15 digits with a valid check digit. Reject the device: its identity is corrupt.',
  NRF91_FIRMWARE_TOO_OLD: 'The modem firmware is older than this station provisions. Update the modem firmware, then provision again.',
  NRF91_FIRMWARE_UNKNOWN: 'The modem did not report a Nordic modem firmware name. Check that an nRF91 modem is on this port.',
  NRF91_DEVICE_ID_TEMPLATE: 'The nRF91 device-ID template in Settings cannot name this modem. Fix the template (it must use {imei} or {uuid}).',
  NRF91_CREDENTIAL_TOO_LARGE: 'The certificate chain or trust bundle is larger than the modem stores in one credential. Nothing was signed; shorten the chain or the bundle.',
  NRF91_READBACK_DIGEST_MISMATCH: 'The modem holds different bytes from those written. Provision the device again; if it repeats, reject the device.',
  NRF91_KEYGEN_SIGNATURE_INVALID: 'The modem\'s key attestation is not signed by the identity key the brand owner supplied for it. Reject the device and report it to your security officer.',
  NRF91_ATTESTATION_DEVICE_MISMATCH: 'The key attestation names another modem than the one on the port. Reject the device and report it to your security officer.',
  NRF91_MODEM_ONLINE: 'The modem refused because it is online. Provision again (the station takes it offline first); if it repeats, power-cycle the device.',

  // Input files (electron/core/input-codes.ts)
  INPUT_TOO_LARGE: 'The chosen file is far larger than a file of its kind can be, so it was not read. Check that you chose the right file.',
  INPUT_NOT_A_FILE: 'That is not an ordinary file (it is a device, a pipe or a folder), so it was not read. Choose the file itself.',

  // Signed work orders (electron/core/workorder/codes.ts)
  WORK_ORDER_MALFORMED: 'The file is not a signed work order in the expected format. Ask the upstream custodian for the work order again.',
  WORK_ORDER_SIGNATURE_INVALID: 'The work order\'s signature does not verify: the file was changed after it was signed. Do not use it; ask for the work order again.',
  WORK_ORDER_SIGNER_UNTRUSTED: 'The work order was not signed under the root this station belongs to. Do not use it: ask the upstream custodian who signed it.',
  WORK_ORDER_SIGNER_NOT_AUTHORIZED: 'The work order is signed by a certificate that may not sign work orders. Ask the upstream custodian to sign it with its work-order signing certificate.',
  WORK_ORDER_WRONG_STATION: 'This work order is for another station or CA. Check that you have the work order meant for this station.',
  WORK_ORDER_EXPIRED: 'This work order has expired. Ask the upstream custodian for a new one.',
  WORK_ORDER_NOT_YET_VALID: 'This work order is not valid yet. Import it again once its start date has come, or check the station clock.',
  WORK_ORDER_EXCEEDS_CA: 'The work order allows more than this station\'s CA can give (a longer certificate lifetime). Ask the upstream custodian for a corrected work order.',
  WORK_ORDER_ID_CONFLICT: 'A different work order with the same ID is already imported. Ask the upstream custodian for a work order with a new ID.',
  WORK_ORDER_NOT_FOUND: 'No work order with that ID is imported on this station. List the imported work orders and check the ID.',
  WORK_ORDER_BAD_INPUT: 'One of the work-order values is not accepted. Check the IDs, dates and numbers you entered.',
  WORK_ORDER_REQUIRED: 'This station signs only under a signed work order. Choose an imported work order for the run, then retry.',
  WORK_ORDER_DEVICE_NOT_ALLOWED: "This device is not on the work order's allow-list. Set it aside: it needs a work order that lists it.",
  WORK_ORDER_QUOTA_EXHAUSTED: "The work order's quota is used up. Ask the upstream custodian for a new work order.",

  // The hub's TLS server roots installed into devices (electron/core/hub/codes.ts)
  TRUST_BUNDLE_NOT_FOUND: 'A trust anchor file the station needs cannot be read. Check the trust anchor files in Settings, or reinstall Custodian for the shipped bundle.',
  TRUST_BUNDLE_INVALID: 'A trust anchor file does not hold the CA certificate(s) it should. Choose the PEM file of the hub\'s server root again.',
  TRUST_BUNDLE_FINGERPRINT_MISMATCH: 'A shipped trust anchor is not the certificate its manifest pins: the installation may have been tampered with. Do not provision; reinstall Custodian and call your security officer.',
  TRUST_BUNDLE_NOT_CA: 'A trust anchor file holds a certificate that is not a CA, so devices could not verify the hub with it. Choose the hub\'s root CA certificate instead.',
  TRUST_BUNDLE_EXPIRED: 'A trust anchor has expired or is not yet valid. Update the trust anchors in Settings (or Custodian, for the shipped bundle).',
};

const AREA_MESSAGES: Readonly<Record<string, string>> = {
  API: 'The station could not carry out the request. Try again.',
  AUTHORITY: 'The certificate authority refused the operation. Check its status in the Authority view.',
  VAULT: 'The key vault could not be opened. Check the passphrase and that the station home folder is intact.',
  TOKEN: 'The hardware token holding the CA key reported a problem. Check that it is connected and try again.',
  CSR: 'The device\'s certificate request was rejected. Reset the device and provision it again.',
  KEY: 'The key does not meet the station\'s key policy. Use a supported key type and size.',
  CHAIN: 'The certificate chain is not valid. Check that the right CA files were used.',
  PROFILE: 'The certificate request does not fit the issuance profile. Check the device ID and validity settings.',
  DEVICE: 'The device reported a problem. Check the device and the cable, then try again.',
  FRAME: 'Communication with the device failed. Check the cable and try again.',
  WORKFLOW: 'Provisioning stopped before completion. Read the step that failed, fix it and provision again.',
  LEDGER: 'The signing ledger reported a problem. Signing may be paused; contact your security officer.',
  AUDIT: 'The audit could not be completed. Check the input files.',
  CLI: 'The command could not be completed.',
  INPUT: 'The chosen file could not be used. Check that you chose the right file.',
  POLICY: 'The station\'s issuance policy refused this device. Read the message and fix the cause before trying again.',
  HUB: 'The connection test with the hub failed. Check the hub settings.',
  REVOKE: 'The revocation was refused. Read the message and check the certificate.',
  CRL: 'The CRL could not be issued. Read the message.',
  TRUST: 'The hub trust anchors could not be loaded. Check the trust anchor settings.',
  WORK: 'The work order could not be used. Read the message and ask the upstream custodian if needed.',
  RENEWAL: 'The device\'s certificate was not renewed. Read the message: nothing was signed, and the device keeps the certificate it has.',
  NRF91: 'The nRF91 modem refused a command or answered something the station cannot accept. Check the modem firmware and the cable, then try again.',
};

/**
 * What to do about an error: the remedy its details carry (an nRF91 CME error
 * knows one per command), else the code's message.
 */
export function fixFor(code: string, details?: Readonly<Record<string, unknown>>): string {
  const r = details?.remedy;
  return typeof r === 'string' && r.length > 0 && r.length <= 500 ? r : describeError(code);
}

/** The human message for a code (never empty, never a stack trace). */
export function describeError(code: string): string {
  const exact = ERROR_MESSAGES[code];
  if (exact) return exact;
  const area = code.split('_')[0] ?? '';
  return AREA_MESSAGES[area] ?? ERROR_MESSAGES.INTERNAL!;
}
