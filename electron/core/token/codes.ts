/**
 * TOKEN_* codes: CA keys held in a PKCS#11 token (docs/hsm.md). PIN problems
 * each have their own code, since what the operator must do differs.
 * Published codes are never renamed or reused.
 */
export const TokenCodes = {
  /** The `pkcs11:` URI is malformed, or lacks what is needed to find the token or the key. */
  URI_INVALID: 'TOKEN_URI_INVALID',
  /** The PKCS#11 module could not be loaded or initialised (path wrong, not a PKCS#11 library). */
  MODULE_UNAVAILABLE: 'TOKEN_MODULE_UNAVAILABLE',
  /** A module path named from the app is not a root-owned library (module-trust.ts). details: { path, reason } */
  MODULE_UNTRUSTED: 'TOKEN_MODULE_UNTRUSTED',
  /** The native PKCS#11 binding (pkcs11js) is not installed or not built for this runtime. */
  BINDING_UNAVAILABLE: 'TOKEN_BINDING_UNAVAILABLE',
  /** No token with the URI's label / serial is present. */
  NOT_FOUND: 'TOKEN_NOT_FOUND',
  /** More than one present token matches the URI: add the serial. */
  AMBIGUOUS: 'TOKEN_AMBIGUOUS',
  /** The token was removed (or its session closed) while in use; the key is locked. */
  REMOVED: 'TOKEN_REMOVED',
  /** The PIN is wrong; the token counts the attempt. */
  PIN_INCORRECT: 'TOKEN_PIN_INCORRECT',
  /** The PIN is wrong and the next wrong PIN locks the token. */
  PIN_FINAL_TRY: 'TOKEN_PIN_FINAL_TRY',
  /** The user PIN is locked: only the security officer can reset it. */
  PIN_LOCKED: 'TOKEN_PIN_LOCKED',
  /** The PIN was refused before reaching the token (empty, too long, not text). */
  PIN_INVALID: 'TOKEN_PIN_INVALID',
  /** No private key on the token matches the URI's object label / id. */
  KEY_NOT_FOUND: 'TOKEN_KEY_NOT_FOUND',
  /** Refusing to create a key: one with the same label or id is already on the token. */
  KEY_EXISTS: 'TOKEN_KEY_EXISTS',
  /** The key on the token is not one we can sign with (not EC P-256/P-384, or readable / exportable). */
  KEY_UNSUITABLE: 'TOKEN_KEY_UNSUITABLE',
  /** The token does not offer a mechanism this key needs (e.g. CKM_ECDSA, CKM_EDDSA). */
  MECHANISM_UNSUPPORTED: 'TOKEN_MECHANISM_UNSUPPORTED',
  /** The token's session is not logged in: unlock with the PIN first. */
  NOT_LOGGED_IN: 'TOKEN_NOT_LOGGED_IN',
  /** Any other PKCS#11 failure; details carry the CKR_ name. */
  FAILED: 'TOKEN_FAILED',
} as const;

export type TokenCode = (typeof TokenCodes)[keyof typeof TokenCodes];
