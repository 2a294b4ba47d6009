/**
 * Stable error codes raised by the nRF91 AT layer (electron/core/device/nrf91).
 * Never rename or reuse a published code. A closed link reuses the device
 * layer's DEVICE_DISCONNECTED.
 */
export const Nrf91ErrorCodes = {
  /** No final response within the command's named timeout. details: { name, timeoutMs } */
  NRF91_AT_TIMEOUT: 'NRF91_AT_TIMEOUT',
  /** The modem answered a bare `ERROR`. details: { name, lines } */
  NRF91_AT_ERROR: 'NRF91_AT_ERROR',
  /** The modem answered `+CME ERROR: <n>`. details: { name, cme, lines } */
  NRF91_CME_ERROR: 'NRF91_CME_ERROR',
  /** The modem answered `+CMS ERROR: <n>`. details: { name, cms, lines } */
  NRF91_CMS_ERROR: 'NRF91_CMS_ERROR',
  /** A received line exceeded the reader's bound; it was discarded up to the next line end. details: { maxLineLength } */
  NRF91_AT_LINE_TOO_LONG: 'NRF91_AT_LINE_TOO_LONG',
  /** The command text cannot be sent (no AT prefix, line end outside quotes, unbalanced quotes). */
  NRF91_AT_BAD_COMMAND: 'NRF91_AT_BAD_COMMAND',
  /** A reader/client option is out of range. */
  NRF91_AT_BAD_OPTION: 'NRF91_AT_BAD_OPTION',
  /** The modem reported no IMEI, or one that is not 15 digits or fails its Luhn check. details: { imei | line } */
  NRF91_IMEI_INVALID: 'NRF91_IMEI_INVALID',
  /** AT+CGMR answered something that is not a Nordic modem firmware name. details: { firmware } */
  NRF91_FIRMWARE_UNKNOWN: 'NRF91_FIRMWARE_UNKNOWN',
  /** The modem firmware is older than the station's minimum. details: { firmware, minimum } */
  NRF91_FIRMWARE_TOO_OLD: 'NRF91_FIRMWARE_TOO_OLD',
  /** AT%DEVICEUUID answered something that is not a UUID. details: { line } */
  NRF91_UUID_INVALID: 'NRF91_UUID_INVALID',
  /** The station's nRF91 device-ID template cannot name this modem. details: { template } */
  NRF91_DEVICE_ID_TEMPLATE: 'NRF91_DEVICE_ID_TEMPLATE',
  /** What would be written exceeds what the modem stores in one credential. details: { object, bytes, max } */
  NRF91_CREDENTIAL_TOO_LARGE: 'NRF91_CREDENTIAL_TOO_LARGE',
  /** A %CMNG answer did not have the documented form. details: { reason } */
  NRF91_CMNG_FORMAT: 'NRF91_CMNG_FORMAT',
  /** The modem asked for a key type it cannot generate (it makes P-256 keys only). details: { algorithm } */
  NRF91_KEY_TYPE_UNSUPPORTED: 'NRF91_KEY_TYPE_UNSUPPORTED',
  /** The attestation's device UUID is not the UUID the modem reported. details: { attested, reported } */
  NRF91_ATTESTATION_DEVICE_MISMATCH: 'NRF91_ATTESTATION_DEVICE_MISMATCH',
  /** The digest the modem lists for a credential differs from that of the bytes written. details: { type } */
  NRF91_READBACK_DIGEST_MISMATCH: 'NRF91_READBACK_DIGEST_MISMATCH',
} as const;

export type Nrf91ErrorCode = (typeof Nrf91ErrorCodes)[keyof typeof Nrf91ErrorCodes];
