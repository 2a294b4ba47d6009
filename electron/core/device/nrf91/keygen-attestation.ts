/**
 * The COSE_Sign1 payload the nRF91 modem attaches to `AT%KEYGEN` output.
 *
 * What is known (sources: nRFCloud/utils python/modem-firmware-1.3+/modem_credentials_parser.py,
 * parse_cose(); and the two real outputs decoded in that folder's README.md):
 *
 *   payload = 55799([            ; self-described CBOR tag (d9 d9 f7) — present on real output, optional here
 *     payload_id: uint,          ; 9 = "CSR_msg_v1", 8 = "pubkey_msg_v2" (payload_id_dict)
 *     device_uuid: bstr(16),     ; printed as an RFC 4122 UUID; it is the CN of the CSR in both examples
 *     sec_tag: bstr .cbor uint,  ; the sec_tag, wrapped as CBOR inside a bstr (42 → h'182a')
 *     digest: bstr(32),          ; SHA-256 of the first (CSR / public key DER) part of the KEYGEN output
 *     nonce: bstr,               ; 16 bytes in both examples; its origin is not documented there — kept raw
 *   ])
 *
 * Exactly 5 elements are required; extra elements would mean a format we have not seen.
 */
import { CustodianError } from '../../errors';
import { CborTag, decodeCbor, type CborValue } from './cbor';
import { Nrf91KeygenErrorCodes } from './keygen-codes';

export const CBOR_SELF_DESCRIBE_TAG = 55799;

export const KeygenPayloadId = {
  /** AT%KEYGEN=<tag>,2,1 — public key message, v2. */
  PUBKEY_MSG_V2: 8,
  /** AT%KEYGEN=<tag>,2,0 — CSR message, v1. */
  CSR_MSG_V1: 9,
} as const;

export interface KeygenAttestation {
  /** 9 = CSR_msg_v1, 8 = pubkey_msg_v2; other values are refused. */
  readonly payloadId: (typeof KeygenPayloadId)[keyof typeof KeygenPayloadId];
  readonly deviceUuid: Uint8Array;
  /** Lower-case 8-4-4-4-12 form of deviceUuid (no version check: the bytes are shown as the modem gives them). */
  readonly deviceUuidString: string;
  readonly secTag: number;
  /** SHA-256 of the KEYGEN body (CSR DER for payloadId 9). */
  readonly digest: Uint8Array;
  /** Raw nonce bytes. */
  readonly nonce: Uint8Array;
}

function invalid(reason: string): never {
  throw new CustodianError(
    Nrf91KeygenErrorCodes.NRF91_KEYGEN_ATTESTATION_INVALID,
    `invalid KEYGEN attestation payload: ${reason}`,
    { reason },
  );
}

export function formatUuid(b: Uint8Array): string {
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function bytesOf(v: CborValue | undefined, what: string, len?: number): Uint8Array {
  if (!(v instanceof Uint8Array)) invalid(`${what} is not a byte string`);
  if (len !== undefined && v.length !== len) invalid(`${what} is not ${len} bytes`);
  return v;
}

/** Parses the COSE payload bytes of a KEYGEN answer. Throws NRF91_CBOR_INVALID / NRF91_KEYGEN_ATTESTATION_INVALID. */
export function parseKeygenAttestation(payload: Uint8Array): KeygenAttestation {
  let v = decodeCbor(payload);
  if (v instanceof CborTag) {
    if (v.tag !== CBOR_SELF_DESCRIBE_TAG) invalid('unexpected tag');
    v = v.value;
  }
  if (!Array.isArray(v) || v.length !== 5) invalid('not a 5-element array');
  const [id, uuid, secTagWrapped, digest, nonce] = v;
  if (id !== KeygenPayloadId.CSR_MSG_V1 && id !== KeygenPayloadId.PUBKEY_MSG_V2) invalid('unknown payload id');
  const deviceUuid = bytesOf(uuid, 'device UUID', 16);
  let secTag: CborValue;
  try {
    secTag = decodeCbor(bytesOf(secTagWrapped, 'sec_tag'));
  } catch (e) {
    if (e instanceof CustodianError && e.code === Nrf91KeygenErrorCodes.NRF91_CBOR_INVALID) invalid('sec_tag is not CBOR');
    throw e;
  }
  // The AT command manual limits sec_tag to 0..2147483647.
  if (typeof secTag !== 'number' || secTag < 0 || secTag > 0x7fffffff) invalid('sec_tag is not an unsigned 31-bit integer');
  const nonceBytes = bytesOf(nonce, 'nonce');
  if (nonceBytes.length === 0 || nonceBytes.length > 64) invalid('nonce length out of range');
  return {
    payloadId: id,
    deviceUuid,
    deviceUuidString: formatUuid(deviceUuid),
    secTag,
    digest: bytesOf(digest, 'digest', 32),
    nonce: nonceBytes,
  };
}
