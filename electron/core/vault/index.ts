/** The key vault: CA private keys encrypted at rest in age v1 / scrypt files. */
export { VaultCodes, type VaultCode } from './codes';
export {
  sealKeyFile,
  openKeyFile,
  keyFileInfo,
  changeKeyFilePassphrase,
  checkNewPassphrase,
  MIN_PASSPHRASE_LENGTH,
  type SealOptions,
  type KeyFileInfo,
} from './key-file';
export {
  ageEncryptScrypt,
  ageDecryptScrypt,
  readScryptParams,
  parseHeader,
  DEFAULT_LOG_N,
  MIN_WRITE_LOG_N,
  MAX_READ_LOG_N,
} from './age';
export { writeFileAtomic, ensurePrivateDir, type AtomicWriteOptions } from './atomic-file';
