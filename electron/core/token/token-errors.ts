/** PKCS#11 return values as CustodianErrors with TOKEN_* codes. */
import { CustodianError } from '../errors';
import { TokenCodes, type TokenCode } from './codes';
import { pkcs11Binding } from './pkcs11-module';

/** The CKR_ name of a pkcs11js error, or null when it is not one. */
export function ckrName(e: unknown): string | null {
  const m = /\b(CKR_[A-Z_]+)/.exec(e instanceof Error ? e.message : String(e));
  return m ? m[1]! : null;
}

/** Return values that mean the token (or our session with it) is gone. */
export const GONE = new Set([
  'CKR_DEVICE_REMOVED', 'CKR_TOKEN_NOT_PRESENT', 'CKR_TOKEN_NOT_RECOGNIZED', 'CKR_SESSION_HANDLE_INVALID',
  'CKR_SESSION_CLOSED', 'CKR_DEVICE_ERROR', 'CKR_SLOT_ID_INVALID', 'CKR_CRYPTOKI_NOT_INITIALIZED',
]);

const BY_CKR: Readonly<Record<string, TokenCode>> = {
  CKR_PIN_INCORRECT: TokenCodes.PIN_INCORRECT,
  CKR_PIN_LOCKED: TokenCodes.PIN_LOCKED,
  CKR_PIN_INVALID: TokenCodes.PIN_INVALID,
  CKR_PIN_LEN_RANGE: TokenCodes.PIN_INVALID,
  CKR_USER_NOT_LOGGED_IN: TokenCodes.NOT_LOGGED_IN,
  CKR_MECHANISM_INVALID: TokenCodes.MECHANISM_UNSUPPORTED,
  CKR_MECHANISM_PARAM_INVALID: TokenCodes.MECHANISM_UNSUPPORTED,
  CKR_KEY_HANDLE_INVALID: TokenCodes.KEY_NOT_FOUND,
  CKR_OBJECT_HANDLE_INVALID: TokenCodes.KEY_NOT_FOUND,
  CKR_KEY_TYPE_INCONSISTENT: TokenCodes.KEY_UNSUITABLE,
  CKR_KEY_FUNCTION_NOT_PERMITTED: TokenCodes.KEY_UNSUITABLE,
};

export function tokenError(e: unknown, what: string, details: Record<string, unknown> = {}): CustodianError {
  if (e instanceof CustodianError) return e;
  const ckr = ckrName(e);
  const code: TokenCode = ckr && GONE.has(ckr) ? TokenCodes.REMOVED : (ckr ? BY_CKR[ckr] : undefined) ?? TokenCodes.FAILED;
  const message = code === TokenCodes.REMOVED
    ? `the token is no longer available (${ckr}) while ${what}; the CA key is locked`
    : `${what} failed on the token${ckr ? ` (${ckr})` : ''}`;
  return new CustodianError(code, message, { ...details, ...(ckr ? { ckr } : { reason: e instanceof Error ? e.message : String(e) }) }, { cause: e });
}

/** Token info flags, as the PIN codes need them. */
export function pinFlags(flags: number): { locked: boolean; finalTry: boolean; countLow: boolean } {
  const b = pkcs11Binding();
  return {
    locked: (flags & b.CKF_USER_PIN_LOCKED) !== 0,
    finalTry: (flags & b.CKF_USER_PIN_FINAL_TRY) !== 0,
    countLow: (flags & b.CKF_USER_PIN_COUNT_LOW) !== 0,
  };
}
