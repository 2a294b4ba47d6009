/**
 * A logged-in (or not yet logged-in) session with one PKCS#11 token, found
 * by its label and/or serial. All calls run through the session's operation
 * queue. Object handles are valid only within a login, so keys are looked up
 * again after every login (token-key.ts does).
 */
import { CustodianError } from '../errors';
import { TokenCodes } from './codes';
import { OperationQueue } from './operation-queue';
import { acquireModule, pkcs11Binding, releaseModule, type Pkcs11 } from './pkcs11-module';
import type { Pkcs11Uri } from './pkcs11-uri';
import { ckrName, GONE, pinFlags, tokenError } from './token-errors';

export interface TokenIdentity {
  label: string;
  serial: string;
  manufacturer: string;
  model: string;
}

/** PKCS#11 pads token info strings with blanks. */
const unpad = (s: string): string => s.replace(/[\s\0]+$/, '');

/** Limits on a PIN before it is sent (PKCS#11 tokens take at most a few dozen bytes). */
const MAX_PIN_BYTES = 128;

export class TokenSession {
  readonly identity: TokenIdentity;
  readonly modulePath: string;
  readonly #lib: Pkcs11;
  readonly #release: () => void;
  readonly #slot: Buffer;
  readonly #queue = new OperationQueue();
  #session: Buffer | null;
  #loggedIn = false;
  #gone = false;
  /** Operations queued by run() and not yet settled (runNow refuses while any are). */
  #queued = 0;

  private constructor(lib: Pkcs11, release: () => void, modulePath: string, slot: Buffer, session: Buffer, identity: TokenIdentity) {
    this.#lib = lib;
    this.#release = release;
    this.modulePath = modulePath;
    this.#slot = slot;
    this.#session = session;
    this.identity = identity;
  }

  /** Find the token the URI names among the present ones and open a read-write session with it. */
  static open(uri: Pkcs11Uri): TokenSession {
    const lib = acquireModule(uri.modulePath);
    return TokenSession.onModule(lib, uri, () => releaseModule(uri.modulePath));
  }

  /** open() on an initialised module the caller owns; `release` runs when the session closes (or fails to open). */
  static onModule(lib: Pkcs11, uri: Pkcs11Uri, release: () => void): TokenSession {
    try {
      const b = pkcs11Binding();
      const matches: { slot: Buffer; identity: TokenIdentity }[] = [];
      for (const slot of lib.C_GetSlotList(true)) {
        let info;
        try { info = lib.C_GetTokenInfo(slot); } catch { continue; } // a token leaving while we look
        if ((info.flags & b.CKF_TOKEN_INITIALIZED) === 0) continue;
        const identity = { label: unpad(info.label), serial: unpad(info.serialNumber), manufacturer: unpad(info.manufacturerID), model: unpad(info.model) };
        if (uri.tokenLabel !== undefined && identity.label !== uri.tokenLabel) continue;
        if (uri.tokenSerial !== undefined && identity.serial !== uri.tokenSerial) continue;
        matches.push({ slot, identity });
      }
      const wanted = { tokenLabel: uri.tokenLabel ?? null, tokenSerial: uri.tokenSerial ?? null, modulePath: uri.modulePath };
      if (matches.length === 0) {
        throw new CustodianError(TokenCodes.NOT_FOUND, `no token ${describe(uri)} is present (module ${uri.modulePath})`, wanted);
      }
      if (matches.length > 1) {
        throw new CustodianError(TokenCodes.AMBIGUOUS, `${matches.length} present tokens match ${describe(uri)}: add serial=… to the URI`, { ...wanted, serials: matches.map((m) => m.identity.serial) });
      }
      const { slot, identity } = matches[0]!;
      let session: Buffer;
      try {
        session = lib.C_OpenSession(slot, b.CKF_RW_SESSION | b.CKF_SERIAL_SESSION);
      } catch (e) {
        throw tokenError(e, 'opening a session', { token: identity.label });
      }
      return new TokenSession(lib, release, uri.modulePath, slot, session, identity);
    } catch (e) {
      release();
      throw e;
    }
  }

  get loggedIn(): boolean { return this.#loggedIn && !this.#gone; }
  get closed(): boolean { return this.#session === null; }
  get lib(): Pkcs11 { return this.#lib; }

  #details(): Record<string, unknown> {
    return { token: this.identity.label, serial: this.identity.serial };
  }

  /** The session handle, or TOKEN_REMOVED once the token went away. */
  #handle(): Buffer {
    if (!this.#session && !this.#gone) {
      throw new CustodianError(TokenCodes.NOT_LOGGED_IN, `the session with the token "${this.identity.label}" is closed: the CA key is locked; unlock it with the token PIN`, this.#details());
    }
    if (this.#gone || !this.#session) {
      throw new CustodianError(TokenCodes.REMOVED, `the token "${this.identity.label}" is no longer available; the CA key is locked`, this.#details());
    }
    return this.#session;
  }

  /** Run `op` on this session, in turn; PKCS#11 failures become TOKEN_* errors (TOKEN_REMOVED marks the session gone). */
  run<T>(what: string, op: (lib: Pkcs11, session: Buffer) => T | Promise<T>): Promise<T> {
    this.#queued++;
    return this.#queue.run(async () => {
      const session = this.#handle();
      try {
        return await op(this.#lib, session);
      } catch (e) {
        const err = tokenError(e, what, this.#details());
        if (err.code === TokenCodes.REMOVED) this.markGone();
        throw err;
      }
    }).finally(() => { this.#queued--; });
  }

  /**
   * Run a synchronous `op` at once, for a caller that must not wait (the
   * ledger signs its checkpoints synchronously): only on a session nothing
   * else is using, so it refuses while queued operations are under way.
   */
  runNow<T>(what: string, op: (lib: Pkcs11, session: Buffer) => T): T {
    if (this.#queued > 0) throw new CustodianError(TokenCodes.FAILED, `${what}: the token session is busy with another operation`, this.#details());
    const session = this.#handle();
    try {
      return op(this.#lib, session);
    } catch (e) {
      const err = tokenError(e, what, this.#details());
      if (err.code === TokenCodes.REMOVED) this.markGone();
      throw err;
    }
  }

  /**
   * Log in as the token user. A wrong PIN is never retried: the token counts
   * it. The three PIN outcomes each have their code, read from the token's
   * flags after the refusal (FINAL_TRY: one attempt left; LOCKED: none).
   */
  login(pin: string): Promise<void> {
    if (typeof pin !== 'string' || pin.length === 0) return Promise.reject(new CustodianError(TokenCodes.PIN_INVALID, 'the token PIN is empty', this.#details()));
    if (Buffer.byteLength(pin, 'utf8') > MAX_PIN_BYTES || /[\0\r\n]/.test(pin)) {
      return Promise.reject(new CustodianError(TokenCodes.PIN_INVALID, `a token PIN is one line of at most ${MAX_PIN_BYTES} bytes`, this.#details()));
    }
    return this.#queue.run(() => {
      const session = this.#handle();
      const b = pkcs11Binding();
      const before = this.#pinState();
      if (before.locked) throw this.#pinLocked();
      try {
        this.#lib.C_Login(session, b.CKU_USER, pin);
      } catch (e) {
        const ckr = ckrName(e);
        if (ckr === 'CKR_USER_ALREADY_LOGGED_IN') { this.#loggedIn = true; return; }
        if (ckr === 'CKR_PIN_INCORRECT') {
          const after = this.#pinState();
          if (after.locked) throw this.#pinLocked();
          if (after.finalTry) {
            throw new CustodianError(TokenCodes.PIN_FINAL_TRY, `the PIN is not correct, and the next wrong PIN locks the token "${this.identity.label}"`, { ...this.#details(), ckr });
          }
          throw new CustodianError(TokenCodes.PIN_INCORRECT, `the PIN is not correct for the token "${this.identity.label}"${after.countLow ? ' (few attempts are left)' : ''}`, { ...this.#details(), ckr, countLow: after.countLow });
        }
        if (ckr === 'CKR_PIN_LOCKED') throw this.#pinLocked();
        const err = tokenError(e, 'logging in', this.#details());
        if (err.code === TokenCodes.REMOVED) this.markGone();
        throw err;
      }
      this.#loggedIn = true;
    });
  }

  #pinState(): ReturnType<typeof pinFlags> {
    try {
      return pinFlags(this.#lib.C_GetTokenInfo(this.#slot).flags);
    } catch (e) {
      const err = tokenError(e, 'reading the token state', this.#details());
      if (err.code === TokenCodes.REMOVED) this.markGone();
      throw err;
    }
  }

  #pinLocked(): CustodianError {
    return new CustodianError(TokenCodes.PIN_LOCKED, `the user PIN of the token "${this.identity.label}" is locked: its security officer must reset it`, this.#details());
  }

  /** Log out (every session of this process with the token: PKCS#11 login state is per application). */
  logout(): Promise<void> {
    return this.#queue.run(() => {
      const was = this.#loggedIn;
      this.#loggedIn = false;
      if (!was || this.#gone || !this.#session) return;
      try { this.#lib.C_Logout(this.#session); } catch { /* not logged in, or the token is gone: either way logged out */ }
    });
  }

  /**
   * Whether the token is still there, this session still open and, given
   * `stillThere`, whatever it looks for still on the token (SoftHSM keeps
   * answering for a token whose files are gone, but finds no objects in it).
   * Queued like any call; once false, stays false.
   */
  present(stillThere?: (lib: Pkcs11, session: Buffer) => boolean): Promise<boolean> {
    return this.#queue.run(() => {
      if (this.#gone || !this.#session) return false;
      try {
        this.#lib.C_GetSessionInfo(this.#session);
        this.#lib.C_GetTokenInfo(this.#slot);
        if (stillThere && !stillThere(this.#lib, this.#session)) this.markGone();
      } catch {
        // Fail closed: a token that cannot say it is there is taken as gone (SoftHSM answers CKR_GENERAL_ERROR for vanished files).
        this.markGone();
      }
      return !this.#gone;
    });
  }

  /** The mechanisms (CKM_* numbers) the token offers. */
  mechanisms(): Promise<number[]> {
    return this.run('listing the token\'s mechanisms', (lib) => lib.C_GetMechanismList(this.#slot));
  }

  /** The token (or the key on it) was found gone: refuse everything from now on. */
  markGone(): void {
    this.#gone = true;
    this.#loggedIn = false;
  }

  /** Log out, close the session and release the module. Idempotent. */
  async close(): Promise<void> {
    if (!this.#session) return;
    await this.logout().catch(() => undefined);
    const s = this.#session;
    this.#session = null;
    try { this.#lib.C_CloseSession(s); } catch { /* gone already */ }
    this.#release();
  }
}

export function describe(uri: Pick<Pkcs11Uri, 'tokenLabel' | 'tokenSerial'>): string {
  return [uri.tokenLabel !== undefined ? `labelled "${uri.tokenLabel}"` : '', uri.tokenSerial !== undefined ? `with serial ${uri.tokenSerial}` : ''].filter(Boolean).join(' ');
}
