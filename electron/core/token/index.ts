/** CA keys held in PKCS#11 tokens (docs/hsm.md). Loaded only by the main process and the CLI. */
export { TokenCodes, type TokenCode } from './codes';
export { formatPkcs11Uri, parsePkcs11Uri, requireKeyName, type Pkcs11Uri } from './pkcs11-uri';
export { assertTrustedModule } from './module-trust';
export { TokenSession, type TokenIdentity } from './token-session';
export { TokenKey, type TokenKeyFacts, type TokenKeyName } from './token-key';
export type { TokenCurve } from './ec-public-key';
export { Ed25519TokenKey, supportsEd25519 } from './ed25519-key';
