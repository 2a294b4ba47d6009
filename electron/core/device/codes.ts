/**
 * Stable error codes raised by the device layer (electron/core/device) and the
 * device simulator. Never rename or reuse a published code.
 */
export const DeviceErrorCodes = {
  /** No reply within the command's named timeout. details: { command, timeoutMs, requestId } */
  DEVICE_TIMEOUT: 'DEVICE_TIMEOUT',
  /** The transport closed (cable pulled, port vanished, device reset) with a request pending or queued. */
  DEVICE_DISCONNECTED: 'DEVICE_DISCONNECTED',
  /** The port could not be opened. */
  DEVICE_OPEN_FAILED: 'DEVICE_OPEN_FAILED',
  /** No port matched the operator filter / nothing answered HELLO before the watch deadline. */
  DEVICE_NOT_FOUND: 'DEVICE_NOT_FOUND',
  /** waitForDevice() was cancelled by its AbortSignal. */
  DEVICE_WATCH_CANCELLED: 'DEVICE_WATCH_CANCELLED',
  /** The device speaks no protocol version the station supports. */
  DEVICE_PROTOCOL_VERSION: 'DEVICE_PROTOCOL_VERSION',
  /** A reply payload did not decode as the command's response structure. */
  DEVICE_PROTOCOL_ERROR: 'DEVICE_PROTOCOL_ERROR',
  /** The device reported a different device ID (or hardware serial) than earlier in this session. */
  DEVICE_IDENTITY_CHANGED: 'DEVICE_IDENTITY_CHANGED',
  /** The device rebooted during the session (HELLO boot ID changed). */
  DEVICE_RESET: 'DEVICE_RESET',
  /** The device lacks a capability the call needs. */
  DEVICE_UNSUPPORTED: 'DEVICE_UNSUPPORTED',
  /** The CSR subject CN is not the one requested. */
  DEVICE_CSR_CN_MISMATCH: 'DEVICE_CSR_CN_MISMATCH',
  /** The CSR does not parse or its self-signature does not verify. */
  DEVICE_CSR_INVALID: 'DEVICE_CSR_INVALID',
  /** The device key is not the algorithm/size generated (e.g. RSA-1024 after asking for P-256). */
  DEVICE_KEY_MISMATCH: 'DEVICE_KEY_MISMATCH',
  /** The device key is below policy (RSA < 2048) or on an unsupported curve. */
  DEVICE_KEY_WEAK: 'DEVICE_KEY_WEAK',
  /** Read-back data does not match what was written. */
  DEVICE_READBACK_MISMATCH: 'DEVICE_READBACK_MISMATCH',
  /** Station-side argument error (e.g. challenge without the custodian-pop-v1 label, oversize object). */
  DEVICE_BAD_ARGUMENT: 'DEVICE_BAD_ARGUMENT',
  /** The device failed to persist data (device error FLASH_WRITE). */
  DEVICE_FLASH_WRITE_FAILED: 'DEVICE_FLASH_WRITE_FAILED',
  // Device-reported errors (ERROR frame), one code per protocol error number:
  DEVICE_ERROR_UNKNOWN_COMMAND: 'DEVICE_ERROR_UNKNOWN_COMMAND',
  DEVICE_ERROR_BAD_REQUEST: 'DEVICE_ERROR_BAD_REQUEST',
  DEVICE_ERROR_BAD_STATE: 'DEVICE_ERROR_BAD_STATE',
  DEVICE_ERROR_LOCKED: 'DEVICE_ERROR_LOCKED',
  DEVICE_ERROR_BUSY: 'DEVICE_ERROR_BUSY',
  DEVICE_ERROR_UNSUPPORTED_ALGORITHM: 'DEVICE_ERROR_UNSUPPORTED_ALGORITHM',
  DEVICE_ERROR_NO_KEY: 'DEVICE_ERROR_NO_KEY',
  DEVICE_ERROR_WRITE_SEQUENCE: 'DEVICE_ERROR_WRITE_SEQUENCE',
  DEVICE_ERROR_HASH_MISMATCH: 'DEVICE_ERROR_HASH_MISMATCH',
  DEVICE_ERROR_KEY_MISMATCH: 'DEVICE_ERROR_KEY_MISMATCH',
  DEVICE_ERROR_BAD_CERT: 'DEVICE_ERROR_BAD_CERT',
  DEVICE_ERROR_TOO_LARGE: 'DEVICE_ERROR_TOO_LARGE',
  DEVICE_ERROR_INTERNAL: 'DEVICE_ERROR_INTERNAL',
  /** An error number this station does not know. details: { deviceCode } */
  DEVICE_ERROR_UNKNOWN: 'DEVICE_ERROR_UNKNOWN',
  /** `--driver` or a remembered choice names no driver the station has. details: { driver } */
  DEVICE_DRIVER_UNKNOWN: 'DEVICE_DRIVER_UNKNOWN',
  /** A probe found no device of any known kind on the port. details: { path, tried } */
  DEVICE_DRIVER_NOT_DETECTED: 'DEVICE_DRIVER_NOT_DETECTED',
  /** The brand owner's device identity keys file is not a JSON object of UUID → P-256 public key PEM. details: { reason, entry? } */
  DEVICE_IDENTITY_KEYS_INVALID: 'DEVICE_IDENTITY_KEYS_INVALID',
  /** Simulator could not start (socat missing, state directory unusable). */
  DEVICE_SIMULATOR_FAILED: 'DEVICE_SIMULATOR_FAILED',

  // Framing (reported by the parser; a request fails with these when the damaged frame carried its request ID)
  /** CRC-32 mismatch. */
  FRAME_CRC: 'FRAME_CRC',
  /** Declared payload length above the frame limit; the frame was dropped without buffering it. */
  FRAME_TOO_LARGE: 'FRAME_TOO_LARGE',
  /** Unknown frame format version byte. */
  FRAME_VERSION: 'FRAME_VERSION',
  /** A partial frame was discarded after the inter-byte timeout. */
  FRAME_TRUNCATED: 'FRAME_TRUNCATED',
} as const;

export type DeviceErrorCode = (typeof DeviceErrorCodes)[keyof typeof DeviceErrorCodes];
