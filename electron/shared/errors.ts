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

  // Authority and vault (codes owned by electron/core/authority and electron/core/vault)
  AUTHORITY_NOT_CONFIGURED: 'No certificate authority is set up on this station yet. Create one or import one in the Authority view.',
  AUTHORITY_LOCKED: 'The certificate authority is locked. Unlock it with the passphrase to continue.',
  AUTHORITY_ALREADY_CONFIGURED: 'A certificate authority is already set up on this station. A new one cannot be created over it.',
  VAULT_BAD_PASSPHRASE: 'The passphrase is not correct. Check it and try again.',

  // Devices and serial framing
  DEVICE_ID_INVALID: 'The device ID does not match the station\'s device-ID rule. Check the device or the rule in Settings.',
  DEVICE_TIMEOUT: 'The device did not answer in time. Check the cable and that the device is powered, then try again.',
  DEVICE_DISCONNECTED: 'The device was disconnected. Reconnect it and start again.',

  // Ledger and audit (electron/core/ledger/codes.ts)
  LEDGER_TAMPERED: 'The signing ledger does not match its checkpoints. Signing has stopped: do not continue, call your security officer.',
  LEDGER_TORN_TAIL: 'The ledger had an incomplete last line from an earlier crash; it was cut off. Review the last provisioning.',
  LEDGER_WRITE_FAILED: 'The ledger could not be written, so nothing was signed. Check disk space and permissions, then restart.',
  LEDGER_UNRECONCILED_INTENT: 'A previous provisioning did not finish. Reconcile it before signing again.',
  LEDGER_NOT_FOUND: 'This station has no signing ledger yet. Set up the authority first.',
  LEDGER_NOT_IN_LEDGER: 'No certificate in the ledger matches that search.',
  LEDGER_PROOF_INVALID: 'The ledger proof does not verify. Keep the files and contact your security officer.',
  AUDIT_FAILED: 'The audit found problems. Open the report to see each one.',
  AUDIT_BUNDLE_INVALID: 'The audit bundle is incomplete or damaged. Export it again.',
};

const AREA_MESSAGES: Readonly<Record<string, string>> = {
  API: 'The station could not carry out the request. Try again.',
  AUTHORITY: 'The certificate authority refused the operation. Check its status in the Authority view.',
  VAULT: 'The key vault could not be opened. Check the passphrase and that the station home folder is intact.',
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
};

/** The human message for a code (never empty, never a stack trace). */
export function describeError(code: string): string {
  const exact = ERROR_MESSAGES[code];
  if (exact) return exact;
  const area = code.split('_')[0] ?? '';
  return AREA_MESSAGES[area] ?? ERROR_MESSAGES.INTERNAL!;
}
