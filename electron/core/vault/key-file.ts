/**
 * The CA key vault: one PKCS#8 private key, PEM-encoded, encrypted at rest as
 * an age v1 file with an scrypt recipient (docs/vault-format.md), so that an
 * officer can always recover it with the standard `age` tool.
 *
 * The clear key never touches disk and never leaves electron/core: it exists
 * only inside `openKeyFile`'s callback (which imports it as a non-extractable
 * CryptoKey) and is zeroed as soon as the callback settles.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { INPUT_LIMITS, readBoundedSync } from '../bounded-read';
import { CustodianError, isCustodianError } from '../errors';
import { newPassphraseProblem, PASSPHRASE_RULE } from '../../shared/passphrase-rule';
import { ageDecryptScrypt, ageEncryptScrypt, DEFAULT_LOG_N, MAX_READ_LOG_N, readScryptParams, type ScryptKdf } from './age';
import { ensurePrivateDir, writeFileAtomic } from './atomic-file';
import { VaultCodes } from './codes';
import { pemDecodeSecret, pemEncodeSecret } from './secret-bytes';

/** The fewest characters of a new passphrase (the whole rule: electron/shared/passphrase-rule.ts). */
export const MIN_PASSPHRASE_LENGTH = PASSPHRASE_RULE.minLength;

export interface SealOptions {
  /** scrypt work factor log2(N); default 18, minimum 17. */
  logN?: number;
  /** Replace an existing key file (default false). */
  overwrite?: boolean;
}

export interface KeyFileInfo {
  path: string;
  format: 'age-v1-scrypt';
  logN: number;
  saltHex: string;
  mode: number;
  sizeBytes: number;
}

/** VAULT_WEAK_PASSPHRASE unless `passphrase` meets the rule for sealing a new key (docs/vault-format.md §Passphrases). */
export function checkNewPassphrase(passphrase: string): void {
  const problem = newPassphraseProblem(passphrase);
  if (problem) {
    throw new CustodianError(VaultCodes.WEAK_PASSPHRASE, `${problem.message}; nothing was written`, { rule: problem.kind, minLength: PASSPHRASE_RULE.minLength });
  }
}

/**
 * Encrypt `pkcs8Der` under `passphrase` and write it to `path` (mode 0600,
 * directory 0700, atomic). Does not keep or zero `pkcs8Der`: the caller does.
 */
export async function sealKeyFile(path: string, pkcs8Der: Uint8Array, passphrase: string, opts: SealOptions = {}): Promise<KeyFileInfo> {
  checkNewPassphrase(passphrase);
  if (!opts.overwrite && existsSync(path)) {
    // Checked early to avoid a pointless scrypt run; the atomic link below is the real guard.
    throw new CustodianError(VaultCodes.KEY_FILE_EXISTS, `refusing to overwrite the existing key file ${path}`, { path });
  }
  const pem = pemEncodeSecret('PRIVATE KEY', pkcs8Der);
  let file: Buffer;
  try {
    file = await ageEncryptScrypt(pem, passphrase, opts.logN ?? DEFAULT_LOG_N);
  } finally {
    pem.fill(0);
  }
  try {
    ensurePrivateDir(dirname(path));
    writeFileAtomic(path, file, { mode: 0o600, overwrite: opts.overwrite ?? false });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CustodianError(VaultCodes.KEY_FILE_EXISTS, `refusing to overwrite the existing key file ${path}`, { path });
    throw new CustodianError(VaultCodes.IO, `cannot write the key file ${path}: ${(e as Error).message}`, { path, reason: code });
  }
  return keyFileInfo(path);
}

function readKeyFile(path: string): Buffer {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CustodianError(VaultCodes.KEY_FILE_MISSING, `no key file at ${path}`, { path });
    throw new CustodianError(VaultCodes.IO, `cannot read the key file ${path}`, { path, reason: (e as NodeJS.ErrnoException).code });
  }
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new CustodianError(
      VaultCodes.INSECURE_PERMISSIONS,
      `the key file ${path} is accessible to other users (mode ${(st.mode & 0o777).toString(8)}); run: chmod 600 ${path}`,
      { path, mode: (st.mode & 0o777).toString(8) },
    );
  }
  try {
    // A sealed key is a few KiB: a key file replaced by a device or a FIFO stops at the bound.
    return readBoundedSync(path, { limit: INPUT_LIMITS.key, what: 'key file' });
  } catch (e) {
    if (isCustodianError(e)) throw e;
    throw new CustodianError(VaultCodes.IO, `cannot read the key file ${path}`, { path, reason: (e as NodeJS.ErrnoException).code });
  }
}

/** The key file's recorded format and KDF parameters (no passphrase needed). */
export function keyFileInfo(path: string): KeyFileInfo {
  const bytes = readKeyFile(path);
  const { salt, logN } = readScryptParams(bytes);
  const st = statSync(path);
  return { path, format: 'age-v1-scrypt', logN, saltHex: salt.toString('hex'), mode: st.mode & 0o777, sizeBytes: st.size };
}

/**
 * Decrypt the key file and hand the clear PKCS#8 DER to `use`, which must
 * turn it into something non-secret to return (typically a non-extractable
 * CryptoKey). The DER and the decrypted PEM are zeroed when `use` settles;
 * `use` must not keep a reference to the buffer. `opts.kdf` replaces scrypt
 * (tests count its runs).
 */
export async function openKeyFile<T>(
  path: string,
  passphrase: string,
  use: (pkcs8Der: Uint8Array) => Promise<T>,
  opts: { maxLogN?: number; kdf?: ScryptKdf } = {},
): Promise<T> {
  const file = readKeyFile(path);
  let plain: Buffer;
  try {
    plain = await ageDecryptScrypt(file, passphrase, { maxLogN: opts.maxLogN ?? MAX_READ_LOG_N, kdf: opts.kdf });
  } catch (e) {
    // The passphrase is taken exactly as given: say so when blanks at its ends may be the difference.
    if (isCustodianError(e, VaultCodes.WRONG_PASSPHRASE) && passphrase !== passphrase.trim()) {
      throw new CustodianError(VaultCodes.WRONG_PASSPHRASE, `${e.message} (the passphrase given begins or ends with a space or another blank, which counts as part of it)`, { ...e.details, edgeWhitespace: true }, { cause: e });
    }
    throw e;
  }
  let decoded: { label: string; der: Buffer } | null = null;
  try {
    try {
      decoded = pemDecodeSecret(plain, ['PRIVATE KEY']);
    } catch (e) {
      throw new CustodianError(VaultCodes.NOT_A_KEY, `the key file decrypts, but its PEM is malformed: ${(e as Error).message}`, { path });
    }
    if (!decoded) throw new CustodianError(VaultCodes.NOT_A_KEY, 'the key file decrypts, but holds no "PRIVATE KEY" (PKCS#8) PEM block', { path });
    return await use(decoded.der);
  } finally {
    plain.fill(0);
    decoded?.der.fill(0);
  }
}

/** Re-encrypt the key under a new passphrase and/or work factor (atomic replace). */
export async function changeKeyFilePassphrase(path: string, oldPassphrase: string, newPassphrase: string, opts: { logN?: number } = {}): Promise<KeyFileInfo> {
  checkNewPassphrase(newPassphrase);
  return openKeyFile(path, oldPassphrase, async (der) => sealKeyFile(path, der, newPassphrase, { logN: opts.logN ?? DEFAULT_LOG_N, overwrite: true }));
}
