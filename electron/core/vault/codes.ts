/**
 * VAULT_* codes: the CA key file (age v1, scrypt recipient; docs/vault-format.md).
 * Published codes are never renamed or reused.
 */
export const VaultCodes = {
  /** The passphrase does not unwrap the file key (or the stanza body was altered: age cannot tell). */
  WRONG_PASSPHRASE: 'VAULT_WRONG_PASSPHRASE',
  /** Not a well-formed age v1 file, header MAC mismatch, or payload authentication failure. */
  CORRUPTED: 'VAULT_CORRUPTED',
  /** A valid age file we do not open: non-scrypt recipients, ASCII armor, several stanzas. */
  UNSUPPORTED: 'VAULT_UNSUPPORTED',
  /** The file asks for an scrypt work factor above the read limit (DoS guard). */
  WORK_FACTOR_TOO_HIGH: 'VAULT_WORK_FACTOR_TOO_HIGH',
  /** Refusing to write a file with a work factor below the minimum. */
  WORK_FACTOR_TOO_LOW: 'VAULT_WORK_FACTOR_TOO_LOW',
  /** Refusing to seal a key under an empty or too short passphrase. */
  WEAK_PASSPHRASE: 'VAULT_WEAK_PASSPHRASE',
  /** scrypt could not run (usually: not enough memory for the work factor). */
  KDF_FAILED: 'VAULT_KDF_FAILED',
  /** The key file does not exist. */
  KEY_FILE_MISSING: 'VAULT_KEY_FILE_MISSING',
  /** Refusing to overwrite an existing key file. */
  KEY_FILE_EXISTS: 'VAULT_KEY_FILE_EXISTS',
  /** The key file (or its directory) is readable or writable by group/others. */
  INSECURE_PERMISSIONS: 'VAULT_INSECURE_PERMISSIONS',
  /** The file decrypts, but its content is not a PEM PKCS#8 private key. */
  NOT_A_KEY: 'VAULT_NOT_A_KEY',
  /** Reading or writing the key file failed (I/O). */
  IO: 'VAULT_IO',
} as const;

export type VaultCode = (typeof VaultCodes)[keyof typeof VaultCodes];
