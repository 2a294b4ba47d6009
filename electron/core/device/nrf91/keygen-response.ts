/**
 * Parser for the answer to `AT%KEYGEN=<sec_tag>,2,0[,"<attributes>"]`:
 *
 *   %KEYGEN: "<base64url(CSR DER)>.<base64url(COSE_Sign1)>"
 *
 * Format sources: Nordic's AT command reference (security / %KEYGEN) and nRFCloud/utils
 * python/modem-firmware-1.3+/README.md ("Each command outputs two base64 strings joined by a `.`
 * character. The first string is the command specific data. The second string is the COSE signature").
 * The modem emits base64url without padding (the README examples contain '-' and '_', never '=').
 *
 * Checks, in order: line shape → strict base64url → size bounds → CSR is one DER SEQUENCE →
 * COSE_Sign1 (ES256) → attestation payload → payload id is CSR_msg_v1 → digest == SHA-256(CSR DER)
 * → optional expected sec_tag. Signature verification needs the device identity public key
 * (kid -2), which the modem does not print here, so it is a separate, explicit step.
 */
import { createHash, timingSafeEqual, type KeyObject } from 'node:crypto';
import { CustodianError } from '../../errors';
import { parseCoseSign1, verifyCoseSign1, type CoseSign1 } from './cose-sign1';
import { KeygenPayloadId, parseKeygenAttestation, type KeygenAttestation } from './keygen-attestation';
import { Nrf91KeygenErrorCodes as C } from './keygen-codes';

/** Bounds: a P-256 CSR is ~270 bytes; with attributes (SAN, …) we still expect well under 2 KiB. */
export const KEYGEN_MAX_CSR_BYTES = 2048;
/** The observed COSE part is 125 bytes; 512 leaves room for a longer kid or nonce. */
export const KEYGEN_MAX_COSE_BYTES = 512;
const b64Len = (n: number): number => Math.ceil((n * 4) / 3);
const PREFIX = '%KEYGEN: "';
export const KEYGEN_MAX_LINE_CHARS = PREFIX.length + b64Len(KEYGEN_MAX_CSR_BYTES) + 1 + b64Len(KEYGEN_MAX_COSE_BYTES) + 1;

export interface KeygenResponse {
  readonly csrDer: Uint8Array;
  readonly coseSign1: CoseSign1;
  readonly attestation: KeygenAttestation;
  /**
   * Verifies the COSE_Sign1 ES256 signature under the modem's identity public key
   * (KeyObject or SPKI DER). Throws NRF91_KEYGEN_SIGNATURE_INVALID or NRF91_COSE_KEY_INVALID.
   */
  verifyIdentity(publicKey: KeyObject | Uint8Array): void;
}

export interface ParseKeygenOptions {
  /** If set, the attestation's sec_tag must equal it (NRF91_KEYGEN_SEC_TAG_MISMATCH). */
  readonly expectedSecTag?: number;
}

function format(reason: string): never {
  throw new CustodianError(C.NRF91_KEYGEN_FORMAT, `malformed %KEYGEN answer: ${reason}`, { reason });
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/** Strict, unpadded, canonical base64url (unused trailing bits must be zero). */
export function decodeBase64UrlStrict(s: string, part: string): Uint8Array {
  if (!B64URL.test(s) || s.length % 4 === 1) {
    throw new CustodianError(C.NRF91_KEYGEN_BASE64, `${part} is not unpadded base64url`, { part });
  }
  const out = Buffer.from(s, 'base64url');
  if (out.toString('base64url') !== s) {
    throw new CustodianError(C.NRF91_KEYGEN_BASE64, `${part} is not canonical base64url`, { part });
  }
  return new Uint8Array(out);
}

function bounded(s: string, part: string, maxBytes: number): Uint8Array {
  if (s.length > b64Len(maxBytes)) {
    throw new CustodianError(C.NRF91_KEYGEN_TOO_LARGE, `${part} is too large`, { part, length: s.length, max: b64Len(maxBytes) });
  }
  return decodeBase64UrlStrict(s, part);
}

/** The CSR must be exactly one DER SEQUENCE (definite, minimal length). Full CSR checks live elsewhere. */
function checkDerSequence(der: Uint8Array): void {
  const bad = (): never => {
    throw new CustodianError(C.NRF91_KEYGEN_CSR_MALFORMED, 'CSR part is not a single DER SEQUENCE');
  };
  if (der.length < 2 || der[0] !== 0x30) bad();
  const l0 = der[1] ?? 0;
  let len: number;
  let hdr: number;
  if (l0 < 0x80) [len, hdr] = [l0, 2];
  else {
    const n = l0 & 0x7f;
    if (n === 0 || n > 2 || der.length < 2 + n) bad();
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[2 + i] ?? 0);
    if (len < 0x80 || (n === 2 && len < 0x100)) bad();
    hdr = 2 + n;
  }
  if (hdr + len !== der.length) bad();
}

/** Parses the quoted payload `<b64url>.<b64url>` (without the quotes). */
export function parseKeygenPayload(payload: string, options: ParseKeygenOptions = {}): KeygenResponse {
  const parts = payload.split('.');
  if (parts.length !== 2) format('expected exactly two dot-separated parts');
  const [csrB64, coseB64] = parts as [string, string];
  if (csrB64.length === 0 || coseB64.length === 0) format('empty part');
  const csrDer = bounded(csrB64, 'csr', KEYGEN_MAX_CSR_BYTES);
  const coseBytes = bounded(coseB64, 'cose', KEYGEN_MAX_COSE_BYTES);
  checkDerSequence(csrDer);
  const coseSign1 = parseCoseSign1(coseBytes);
  const attestation = parseKeygenAttestation(coseSign1.payload);
  if (attestation.payloadId !== KeygenPayloadId.CSR_MSG_V1) {
    throw new CustodianError(C.NRF91_KEYGEN_ATTESTATION_INVALID, 'attestation is not a CSR message', {
      reason: 'not CSR_msg_v1',
    });
  }
  const digest = createHash('sha256').update(csrDer).digest();
  if (!timingSafeEqual(digest, attestation.digest)) {
    throw new CustodianError(C.NRF91_KEYGEN_DIGEST_MISMATCH, 'attested digest does not match the CSR');
  }
  if (options.expectedSecTag !== undefined && attestation.secTag !== options.expectedSecTag) {
    throw new CustodianError(C.NRF91_KEYGEN_SEC_TAG_MISMATCH, 'attestation names another sec_tag', {
      expected: options.expectedSecTag,
      actual: attestation.secTag,
    });
  }
  return {
    csrDer,
    coseSign1,
    attestation,
    verifyIdentity(publicKey) {
      if (!verifyCoseSign1(coseSign1, publicKey)) {
        throw new CustodianError(C.NRF91_KEYGEN_SIGNATURE_INVALID, 'COSE signature does not verify under the identity key');
      }
    },
  };
}

/** Parses one full response line `%KEYGEN: "<b64url>.<b64url>"` (no CR/LF, no surrounding space). */
export function parseKeygenResponse(line: string, options: ParseKeygenOptions = {}): KeygenResponse {
  if (line.length > KEYGEN_MAX_LINE_CHARS) {
    throw new CustodianError(C.NRF91_KEYGEN_TOO_LARGE, 'line is too large', { part: 'line', length: line.length, max: KEYGEN_MAX_LINE_CHARS });
  }
  if (!line.startsWith(PREFIX)) format('missing %KEYGEN: " prefix');
  if (!line.endsWith('"') || line.length < PREFIX.length + 1) format('missing closing quote');
  const inner = line.slice(PREFIX.length, -1);
  if (inner.includes('"')) format('stray quote');
  return parseKeygenPayload(inner, options);
}
