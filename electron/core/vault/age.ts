/**
 * age v1 (https://age-encryption.org/v1, C2SP age spec), restricted to what
 * the key vault needs: exactly one `scrypt` recipient stanza, binary (not
 * armored) files. Implemented with node:crypto only:
 *
 *   age-encryption.org/v1
 *   -> scrypt <base64(salt, 16 bytes)> <logN>
 *   <base64(ChaCha20-Poly1305(scrypt key, zero nonce, file key))>
 *   --- <base64(HMAC-SHA-256(HKDF(file key, "", "header"), header up to "---"))>
 *   <16-byte payload nonce><STREAM payload>
 *
 * scrypt key = scrypt(passphrase, "age-encryption.org/v1/scrypt" ‖ salt, N=2^logN, r=8, p=1, 32 bytes).
 * Base64 is standard alphabet, no padding, canonical; stanza bodies wrap at 64 columns.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { CustodianError } from '../errors';
import { PAYLOAD_NONCE_SIZE, PayloadError, payloadKey, streamDecrypt, streamEncrypt } from './age-stream';
import { VaultCodes } from './codes';

export const AGE_VERSION_LINE = 'age-encryption.org/v1';
export const SCRYPT_LABEL = 'age-encryption.org/v1/scrypt';
/** Never write below this work factor (N = 2^17: ~128 MiB, ~0.3 s). */
export const MIN_WRITE_LOG_N = 17;
export const DEFAULT_LOG_N = 18;
/** Never attempt more than this when reading (N = 2^22: 4 GiB); a hostile file could ask for 2^60. */
export const MAX_READ_LOG_N = 22;
const FILE_KEY_SIZE = 16;
const SALT_SIZE = 16;
const COLUMNS = 64;

export interface Stanza {
  type: string;
  args: string[];
  body: Buffer;
}

export interface ParsedAgeHeader {
  stanzas: Stanza[];
  /** Header bytes covered by the MAC: from the version line through `---`. */
  macInput: Buffer;
  mac: Buffer;
  /** Offset of the payload (first byte after the MAC line's newline). */
  payloadOffset: number;
}

export interface ScryptParams {
  salt: Buffer;
  logN: number;
}

function corrupted(reason: string, details: Record<string, unknown> = {}): CustodianError {
  return new CustodianError(VaultCodes.CORRUPTED, `the key file is damaged or is not an age file (${reason})`, { reason, ...details });
}

const B64_RE = /^[A-Za-z0-9+/]*$/;

/** Strict, canonical, unpadded standard base64. */
export function b64decode(s: string): Buffer {
  if (!B64_RE.test(s) || s.length % 4 === 1) throw corrupted('invalid base64');
  const buf = Buffer.from(s, 'base64');
  if (b64encode(buf) !== s) throw corrupted('non-canonical base64');
  return buf;
}

export function b64encode(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64').replace(/=+$/, '');
}

function isVchar(s: string): boolean {
  return s.length > 0 && /^[\x21-\x7e]+$/.test(s);
}

/** Parse the textual header. Throws VAULT_CORRUPTED / VAULT_UNSUPPORTED. */
export function parseHeader(file: Uint8Array): ParsedAgeHeader {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (buf.subarray(0, 34).toString('latin1').startsWith('-----BEGIN AGE ENCRYPTED FILE-----')) {
    throw new CustodianError(VaultCodes.UNSUPPORTED, 'ASCII-armored age files are not supported: use a binary age file (age without -a)', { reason: 'armored' });
  }
  let pos = 0;
  const nextLine = (): string => {
    const nl = buf.indexOf(0x0a, pos);
    if (nl === -1) throw corrupted('header truncated');
    const line = buf.subarray(pos, nl).toString('latin1');
    pos = nl + 1;
    return line;
  };
  if (nextLine() !== AGE_VERSION_LINE) throw corrupted('missing age-encryption.org/v1 header');
  const stanzas: Stanza[] = [];
  for (;;) {
    const lineStart = pos;
    const line = nextLine();
    if (line.startsWith('---')) {
      if (!line.startsWith('--- ')) throw corrupted('malformed MAC line');
      const mac = b64decode(line.slice(4));
      if (mac.length !== 32) throw corrupted('malformed MAC');
      return { stanzas, macInput: buf.subarray(0, lineStart + 3), mac, payloadOffset: pos };
    }
    if (!line.startsWith('-> ')) throw corrupted('malformed stanza line');
    const parts = line.slice(3).split(' ');
    if (!parts.every(isVchar)) throw corrupted('malformed stanza arguments');
    const [type, ...args] = parts as [string, ...string[]];
    const chunks: Buffer[] = [];
    for (;;) {
      const bodyLine = nextLine();
      if (bodyLine.length > COLUMNS) throw corrupted('stanza body line too long');
      chunks.push(b64decode(bodyLine));
      if (bodyLine.length < COLUMNS) break;
    }
    stanzas.push({ type, args, body: Buffer.concat(chunks) });
  }
}

function formatStanza(s: Stanza): string {
  const b64 = b64encode(s.body);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += COLUMNS) lines.push(b64.slice(i, i + COLUMNS));
  if (b64.length % COLUMNS === 0) lines.push(''); // a final short (possibly empty) line ends the body
  return `-> ${[s.type, ...s.args].join(' ')}\n${lines.join('\n')}\n`;
}

function headerMac(fileKey: Uint8Array, macInput: Uint8Array): Buffer {
  const macKey = Buffer.from(hkdfSync('sha256', fileKey, Buffer.alloc(0), 'header', 32));
  try {
    return createHmac('sha256', macKey).update(macInput).digest();
  } finally {
    macKey.fill(0);
  }
}

/** Validate the single scrypt stanza; returns its parameters. */
export function scryptParams(header: ParsedAgeHeader, maxLogN = MAX_READ_LOG_N): ScryptParams & { body: Buffer } {
  const scryptStanzas = header.stanzas.filter((s) => s.type === 'scrypt');
  if (scryptStanzas.length === 0) {
    throw new CustodianError(VaultCodes.UNSUPPORTED, 'the key file is not passphrase-encrypted (no scrypt recipient)', {
      reason: 'no-scrypt-stanza',
      recipients: header.stanzas.map((s) => s.type),
    });
  }
  if (header.stanzas.length !== 1) throw corrupted('an scrypt stanza must be the only stanza');
  const s = scryptStanzas[0]!;
  if (s.args.length !== 2) throw corrupted('scrypt stanza must have two arguments');
  const salt = b64decode(s.args[0]!);
  if (salt.length !== SALT_SIZE) throw corrupted('scrypt salt must be 16 bytes');
  const logNText = s.args[1]!;
  if (!/^[1-9][0-9]?$/.test(logNText)) throw corrupted('scrypt work factor is not a decimal number');
  const logN = Number(logNText);
  if (logN > maxLogN) {
    throw new CustodianError(VaultCodes.WORK_FACTOR_TOO_HIGH, `the key file asks for scrypt work factor 2^${logN}; the limit is 2^${maxLogN}`, { logN, maxLogN });
  }
  if (s.body.length !== FILE_KEY_SIZE + 16) throw corrupted('scrypt stanza body must be 32 bytes');
  return { salt, logN, body: s.body };
}

/** Derives the 32-byte wrap key; scryptKey, unless a test counts the runs. */
export type ScryptKdf = (passphrase: Uint8Array, salt: Uint8Array, logN: number) => Promise<Buffer>;

/** scrypt(passphrase, label ‖ salt, N=2^logN, r=8, p=1) → 32 bytes, off the main thread. */
export function scryptKey(passphrase: Uint8Array, salt: Uint8Array, logN: number): Promise<Buffer> {
  const N = 2 ** logN;
  const saltInput = Buffer.concat([Buffer.from(SCRYPT_LABEL, 'latin1'), salt]);
  // Node refuses by default above 32 MiB; scrypt needs 128·N·r bytes, plus slack.
  const maxmem = 128 * N * 8 + 32 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(passphrase, saltInput, 32, { N, r: 8, p: 1, maxmem }, (err, key) => {
      if (err) reject(new CustodianError(VaultCodes.KDF_FAILED, `scrypt with work factor 2^${logN} failed: ${err.message}`, { logN }));
      else resolve(key);
    });
  });
}

/** Encrypt `plaintext` to a binary age v1 file with one scrypt recipient. */
export async function ageEncryptScrypt(plaintext: Uint8Array, passphrase: string, logN = DEFAULT_LOG_N): Promise<Buffer> {
  if (!Number.isInteger(logN) || logN < MIN_WRITE_LOG_N) {
    throw new CustodianError(VaultCodes.WORK_FACTOR_TOO_LOW, `refusing to write a key file with scrypt work factor 2^${logN}; the minimum is 2^${MIN_WRITE_LOG_N}`, { logN, minLogN: MIN_WRITE_LOG_N });
  }
  if (logN > MAX_READ_LOG_N) {
    throw new CustodianError(VaultCodes.WORK_FACTOR_TOO_HIGH, `work factor 2^${logN} is above what the station will read back (2^${MAX_READ_LOG_N})`, { logN, maxLogN: MAX_READ_LOG_N });
  }
  const fileKey = randomBytes(FILE_KEY_SIZE);
  const salt = randomBytes(SALT_SIZE);
  const pass = Buffer.from(passphrase, 'utf8');
  const wrapKey = await scryptKey(pass, salt, logN).finally(() => pass.fill(0));
  let pkey: Buffer | undefined;
  try {
    const c = createCipheriv('chacha20-poly1305', wrapKey, Buffer.alloc(12), { authTagLength: 16 });
    const body = Buffer.concat([c.update(fileKey), c.final(), c.getAuthTag()]);
    const headerNoMac = `${AGE_VERSION_LINE}\n${formatStanza({ type: 'scrypt', args: [b64encode(salt), String(logN)], body })}---`;
    const mac = headerMac(fileKey, Buffer.from(headerNoMac, 'latin1'));
    const nonce = randomBytes(PAYLOAD_NONCE_SIZE);
    pkey = payloadKey(fileKey, nonce);
    return Buffer.concat([Buffer.from(`${headerNoMac} ${b64encode(mac)}\n`, 'latin1'), nonce, streamEncrypt(pkey, plaintext)]);
  } finally {
    wrapKey.fill(0);
    fileKey.fill(0);
    pkey?.fill(0);
  }
}

/**
 * Decrypt a binary age v1 file with one scrypt recipient. The caller owns the
 * returned plaintext and must zero it after use.
 */
export async function ageDecryptScrypt(file: Uint8Array, passphrase: string, opts: { maxLogN?: number; kdf?: ScryptKdf } = {}): Promise<Buffer> {
  const header = parseHeader(file);
  const { salt, logN, body } = scryptParams(header, opts.maxLogN ?? MAX_READ_LOG_N);
  const pass = Buffer.from(passphrase, 'utf8');
  const wrapKey = await (opts.kdf ?? scryptKey)(pass, salt, logN).finally(() => pass.fill(0));
  let fileKey: Buffer;
  try {
    const d = createDecipheriv('chacha20-poly1305', wrapKey, Buffer.alloc(12), { authTagLength: 16 });
    d.setAuthTag(body.subarray(FILE_KEY_SIZE));
    fileKey = Buffer.concat([d.update(body.subarray(0, FILE_KEY_SIZE)), d.final()]);
  } catch {
    throw new CustodianError(VaultCodes.WRONG_PASSPHRASE, 'wrong passphrase: it does not open this key file', { logN });
  } finally {
    wrapKey.fill(0);
  }
  let pkey: Buffer | undefined;
  try {
    const expected = headerMac(fileKey, header.macInput);
    if (!timingSafeEqual(expected, header.mac)) throw corrupted('header MAC mismatch');
    const payload = Buffer.from(file.buffer, file.byteOffset, file.byteLength).subarray(header.payloadOffset);
    if (payload.length < PAYLOAD_NONCE_SIZE) throw corrupted('payload truncated');
    pkey = payloadKey(fileKey, payload.subarray(0, PAYLOAD_NONCE_SIZE));
    try {
      return streamDecrypt(pkey, payload.subarray(PAYLOAD_NONCE_SIZE));
    } catch (e) {
      if (e instanceof PayloadError) throw corrupted(e.message);
      throw e;
    }
  } finally {
    fileKey.fill(0);
    pkey?.fill(0);
  }
}

/** The scrypt parameters recorded in a file, without decrypting it. */
export function readScryptParams(file: Uint8Array): ScryptParams {
  const { salt, logN } = scryptParams(parseHeader(file), 99);
  return { salt, logN };
}
