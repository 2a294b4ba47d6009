/**
 * The modem's credential storage (`AT%CMNG`, Nordic's nRF91 AT command
 * reference, "Credential storage management"): the command text the station
 * sends and the answers it reads.
 *
 * - Write: `AT%CMNG=0,<sec_tag>,<type>,"<content>"`. Certificates go as PEM
 *   text inside the double quotes, their line breaks sent as they are (the
 *   modem ends a command line only at a line end outside quotes). PEM never
 *   contains a double quote, so no escaping is needed; anything that would is refused.
 * - List: `AT%CMNG=1[,<sec_tag>[,<type>]]` → `%CMNG: <sec_tag>,<type>,"<SHA-256 hex>"` per item.
 * - Read: `AT%CMNG=2,<sec_tag>,<type>` → `%CMNG: <sec_tag>,<type>,"<SHA-256 hex>","<content>"`
 *   (certificates only; keys are never readable).
 * - Delete: `AT%CMNG=3,<sec_tag>,<type>`.
 * One item per (sec_tag, type): the station deletes before it writes.
 */
import { createHash } from 'node:crypto';
import { CustodianError } from '../../errors';
import { Nrf91ErrorCodes } from './codes';

export const CredentialType = {
  ROOT_CA: 0,
  CLIENT_CERT: 1,
  CLIENT_KEY: 2,
} as const;
export type CredentialType = (typeof CredentialType)[keyof typeof CredentialType];

/** sec_tags the station may use: above 2147483647 they are the modem's own. */
export const SEC_TAG_MAX = 2_147_483_647;

/**
 * The modem's AT host takes at most 4095 characters in one command and
 * silently truncates a longer one (the write then never completes). The
 * station keeps the content to what fits with the longest header it can send,
 * `AT%CMNG=0,2147483647,1,""` (26 characters), rounded down; a chain that does
 * not fit is refused before anything is signed (docs/devices/nrf91.md).
 */
export const AT_COMMAND_MAX_CHARS = 4095;
export const MAX_CREDENTIAL_BYTES = 4000;

export function assertSecTag(secTag: number): number {
  if (!Number.isInteger(secTag) || secTag < 0 || secTag > SEC_TAG_MAX) {
    throw new CustodianError('DEVICE_BAD_ARGUMENT', `sec_tag must be an integer 0..${SEC_TAG_MAX}, got ${String(secTag)}`, { secTag });
  }
  return secTag;
}

/** Certificates as the modem stores them: PEM blocks, 64 base64 characters a line, LF line ends, leaf first. */
export function pemText(ders: readonly Uint8Array[]): string {
  let out = '';
  for (const der of ders) {
    const b64 = Buffer.from(der).toString('base64');
    out += '-----BEGIN CERTIFICATE-----\n';
    for (let i = 0; i < b64.length; i += 64) out += b64.slice(i, i + 64) + '\n';
    out += '-----END CERTIFICATE-----\n';
  }
  return out;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END CERTIFICATE-----\r?\n?/gy;

/** The certificates (DER) in PEM text read back from the modem; anything else in it is NRF91_CMNG_FORMAT. */
export function certificatesFromPem(text: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  PEM_BLOCK.lastIndex = 0;
  let at = 0;
  for (let m = PEM_BLOCK.exec(text); m; m = PEM_BLOCK.exec(text)) {
    const b64 = m[1]!.replace(/\r?\n/g, '');
    const der = Buffer.from(b64, 'base64');
    if (der.length === 0 || der.toString('base64') !== b64) throw cmngFormat('a PEM block is not canonical base64');
    out.push(new Uint8Array(der));
    at = PEM_BLOCK.lastIndex;
  }
  if (at !== text.length) throw cmngFormat('the stored content is not PEM certificates only');
  return out;
}

const cmngFormat = (reason: string): CustodianError => new CustodianError(Nrf91ErrorCodes.NRF91_CMNG_FORMAT, `unexpected %CMNG answer: ${reason}`, { reason });

export function writeCommand(secTag: number, type: CredentialType, content: string): string {
  if (content.includes('"')) throw new CustodianError('DEVICE_BAD_ARGUMENT', 'credential content cannot carry a double quote');
  return `AT%CMNG=0,${assertSecTag(secTag)},${type},"${content}"`;
}
export const listCommand = (secTag?: number): string => (secTag === undefined ? 'AT%CMNG=1' : `AT%CMNG=1,${assertSecTag(secTag)}`);
export const readCommand = (secTag: number, type: CredentialType): string => `AT%CMNG=2,${assertSecTag(secTag)},${type}`;
export const deleteCommand = (secTag: number, type: CredentialType): string => `AT%CMNG=3,${assertSecTag(secTag)},${type}`;

export interface ListedCredential {
  secTag: number;
  type: number;
  /** Upper-case hex SHA-256, when the modem gives one. */
  sha256?: string;
}

const LIST_LINE = /^%CMNG: ?([0-9]{1,10}), ?([0-9]{1,2})(?:, ?"([0-9A-Fa-f]{64})")?$/;

export function parseList(lines: readonly string[]): ListedCredential[] {
  return lines.map((l) => {
    const m = LIST_LINE.exec(l.trim());
    if (!m) throw cmngFormat('a list line is not `%CMNG: <sec_tag>,<type>,"<sha>"`');
    return { secTag: Number(m[1]), type: Number(m[2]), ...(m[3] ? { sha256: m[3].toUpperCase() } : {}) };
  });
}

const READ_LINE = /^%CMNG: ?([0-9]{1,10}), ?([0-9]{1,2}), ?"([0-9A-Fa-f]{64})", ?"([^"]*)"$/s;

export interface ReadCredential extends ListedCredential {
  sha256: string;
  content: string;
}

export function parseRead(lines: readonly string[], secTag: number, type: CredentialType): ReadCredential {
  if (lines.length !== 1) throw cmngFormat(`a read answered ${lines.length} lines, not one`);
  const m = READ_LINE.exec(lines[0]!.trim());
  if (!m) throw cmngFormat('a read line is not `%CMNG: <sec_tag>,<type>,"<sha>","<content>"`');
  const got = { secTag: Number(m[1]), type: Number(m[2]) };
  if (got.secTag !== secTag || got.type !== type) throw cmngFormat(`asked for ${secTag},${type} and got ${got.secTag},${got.type}`);
  return { ...got, sha256: m[3]!.toUpperCase(), content: m[4]! };
}

/** The digest the modem lists for content stored as these bytes. */
export const contentSha256 = (content: string): string => createHash('sha256').update(content, 'utf8').digest('hex').toUpperCase();
