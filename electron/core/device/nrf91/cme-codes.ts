/**
 * Stable error codes for the nRF91 modem's `+CME ERROR: <n>` answers, as mapped by
 * nrf91Error() (electron/core/device/nrf91/cme-errors.ts). Never rename or reuse a published code.
 * Every code carries details: { command, name, cme, meaning, remedy, retryable }, where `command`
 * is the station's command name (`cmng-write` …) and `name` the AT command's prefix (`%CMNG`);
 * never the command text, which can carry key material.
 */
export const Nrf91CmeErrorCodes = {
  /** +CME ERROR: 0, "phone failure": the modem rejected the command (unsupported by the firmware, bad parameter, or internal). */
  NRF91_MODEM_FAILURE: 'NRF91_MODEM_FAILURE',
  /** +CME ERROR: 23, "memory failure": unexpected error in the modem's memory handling. */
  NRF91_MODEM_MEMORY_FAILURE: 'NRF91_MODEM_MEMORY_FAILURE',
  /** +CME ERROR: 50, "incorrect parameters". */
  NRF91_INCORRECT_PARAMETERS: 'NRF91_INCORRECT_PARAMETERS',
  /** +CME ERROR: 60, "system failure". */
  NRF91_MODEM_SYSTEM_FAILURE: 'NRF91_MODEM_SYSTEM_FAILURE',
  /** +CME ERROR: 513, "not found": nothing stored at that sec_tag and type. */
  NRF91_CREDENTIAL_NOT_FOUND: 'NRF91_CREDENTIAL_NOT_FOUND',
  /** +CME ERROR: 514, "no access" (%CMNG) / "not allowed" (%KEYGEN). */
  NRF91_CREDENTIAL_NO_ACCESS: 'NRF91_CREDENTIAL_NO_ACCESS',
  /** +CME ERROR: 515, "memory full": the credential storage has no room. */
  NRF91_CREDENTIAL_STORAGE_FULL: 'NRF91_CREDENTIAL_STORAGE_FULL',
  /** +CME ERROR: 516, "radio connection is active". */
  NRF91_RADIO_CONNECTION_ACTIVE: 'NRF91_RADIO_CONNECTION_ACTIVE',
  /** +CME ERROR: 517, "modem not activated". */
  NRF91_MODEM_NOT_ACTIVATED: 'NRF91_MODEM_NOT_ACTIVATED',
  /** +CME ERROR: 518, "not allowed in active state": the modem is online (CFUN 1, 2 or 21). */
  NRF91_MODEM_ONLINE: 'NRF91_MODEM_ONLINE',
  /** +CME ERROR: 519, "already exists". */
  NRF91_CREDENTIAL_EXISTS: 'NRF91_CREDENTIAL_EXISTS',
  /** +CME ERROR: 520, "authentication failed" (%XSUDO) / "already exists" (%XPMNG write). */
  NRF91_AUTHENTICATION_FAILED: 'NRF91_AUTHENTICATION_FAILED',
  /** +CME ERROR: 523, "key generation failed". */
  NRF91_KEYGEN_FAILED: 'NRF91_KEYGEN_FAILED',
  /** +CME ERROR: 527, "invalid content" (invalid certificate content for a type 0/1 write). */
  NRF91_CREDENTIAL_INVALID_CONTENT: 'NRF91_CREDENTIAL_INVALID_CONTENT',
  /** +CME ERROR: 528, "not allowed when power off warning is active": supply voltage too low. */
  NRF91_POWER_OFF_WARNING: 'NRF91_POWER_OFF_WARNING',
  /** A +CME ERROR number this station has no entry for; details.cme keeps the number. */
  NRF91_CME_UNKNOWN: 'NRF91_CME_UNKNOWN',
} as const;

export type Nrf91CmeErrorCode = (typeof Nrf91CmeErrorCodes)[keyof typeof Nrf91CmeErrorCodes];
