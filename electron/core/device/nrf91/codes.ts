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
} as const;

export type Nrf91ErrorCode = (typeof Nrf91ErrorCodes)[keyof typeof Nrf91ErrorCodes];
