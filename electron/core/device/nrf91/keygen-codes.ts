/**
 * Stable error codes raised by the nRF91 KEYGEN / COSE / CBOR parsers
 * (electron/core/device/nrf91/{cbor,cose-*,keygen-*}.ts). Never rename or reuse a published code.
 * Every error carries `details.reason` (a short stable string) where one code covers several faults.
 */
export const Nrf91KeygenErrorCodes = {
  /** CBOR input is malformed or outside the strict profile. details: { reason, offset } */
  NRF91_CBOR_INVALID: 'NRF91_CBOR_INVALID',
  /** The COSE_Sign1 structure is malformed (wrong tag, shape, header types). details: { reason } */
  NRF91_COSE_INVALID: 'NRF91_COSE_INVALID',
  /** The COSE protected header names an algorithm other than ES256 (-7). details: { alg } */
  NRF91_COSE_UNSUPPORTED_ALG: 'NRF91_COSE_UNSUPPORTED_ALG',
  /** The verification key is not a P-256 public key. */
  NRF91_COSE_KEY_INVALID: 'NRF91_COSE_KEY_INVALID',
  /** The `%KEYGEN:` line does not have the form `%KEYGEN: "<b64url>.<b64url>"`. details: { reason } */
  NRF91_KEYGEN_FORMAT: 'NRF91_KEYGEN_FORMAT',
  /** A part is not strict, unpadded, canonical base64url. details: { part } */
  NRF91_KEYGEN_BASE64: 'NRF91_KEYGEN_BASE64',
  /** The line or one of its parts exceeds its size bound. details: { part, length, max } */
  NRF91_KEYGEN_TOO_LARGE: 'NRF91_KEYGEN_TOO_LARGE',
  /** The CSR part is not a single DER SEQUENCE. */
  NRF91_KEYGEN_CSR_MALFORMED: 'NRF91_KEYGEN_CSR_MALFORMED',
  /** The COSE payload is not a Nordic CSR attestation message. details: { reason } */
  NRF91_KEYGEN_ATTESTATION_INVALID: 'NRF91_KEYGEN_ATTESTATION_INVALID',
  /** The attestation's SHA-256 does not equal SHA-256 of the CSR DER. */
  NRF91_KEYGEN_DIGEST_MISMATCH: 'NRF91_KEYGEN_DIGEST_MISMATCH',
  /** The attestation names a different sec_tag than the one requested. details: { expected, actual } */
  NRF91_KEYGEN_SEC_TAG_MISMATCH: 'NRF91_KEYGEN_SEC_TAG_MISMATCH',
  /** The COSE_Sign1 ES256 signature does not verify under the given device identity key. */
  NRF91_KEYGEN_SIGNATURE_INVALID: 'NRF91_KEYGEN_SIGNATURE_INVALID',
} as const;

export type Nrf91KeygenErrorCode = (typeof Nrf91KeygenErrorCodes)[keyof typeof Nrf91KeygenErrorCodes];
