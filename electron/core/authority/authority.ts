/**
 * The station's certificate authority: its on-disk state under
 * `<home>/authority/` and, while unlocked, its non-extractable CA CryptoKey.
 *
 *   const a = Authority.open({ home });            // reads metadata; no passphrase
 *   await a.unlock(passphrase);                    // vault → non-extractable CryptoKey
 *   const r = await a.signSubordinate(csrPem, { pathLen: 0, days: 1825 });
 *   a.lock();                                      // drops the key
 *
 * Every ceremony is a plain async method taking explicit parameters and
 * returning a typed result; none returns key bytes. Files handed to other
 * custodians (CSR, bundle, verification certificate, chain) are returned as
 * content; the caller (CLI or UI) decides where to write them.
 */
import { CustodianError, isCustodianError } from '../errors';
import { bytesEqual } from '../pki/bytes';
import { DEFAULT_LOG_N, MIN_WRITE_LOG_N, VaultCodes } from '../vault/index';
import { AuthorityCodes } from './codes';
import { withAuthorityLock } from './lock-file';
import type { AuthorityContext, LoadedKey } from './context';
import type { AuthorityEvent, AuthorityListener } from './events';
import type { AuthorityJournal } from './journal';
import { requireActive, requireConfigured, requireUnlocked } from './guards';
import { importBundle, type ImportBundleParams, type ImportBundleResult } from './import-bundle';
import { assertNoAuthority, initRoot, type InitRootParams, type InitRootResult } from './init-root';
import { spkiSha256 } from './keys';
import { unlockCaKey } from './key-placement';
import { TokenCodes } from '../token/codes';
import { exportChain, show, type AuthorityReport, type ExportedChain } from './report';
import { createRequest, type CreateRequestParams, type CreateRequestResult } from './request';
import {
  createSuccessorRequest, generations, importSuccessor, unlockRetired, type CaGeneration, type RetiredSigner, type SuccessorRequestParams, type SuccessorRequestResult,
} from './rollover';
import { resolvePin, type RootPinInput } from './root-pin';
import { signSubordinate, type SignSubordinateParams, type SignSubordinateResult } from './sign-subordinate';
import { AuthorityStore, type AuthorityMeta } from './store';
import { UnlockThrottle } from './unlock-throttle';
import { verificationCert, type VerificationCertParams, type VerificationCertResult } from './verification';
import { workOrderSigner, type WorkOrderSignerParams, type WorkOrderSignerResult } from './work-order-signer';
import { fingerprintSha256, readCertificate, toPem, type SigningKey, type TbsSigner } from '../pki/index';
import { loadedKey } from './init-root';

export interface AuthorityOptions {
  /** Station state directory; the authority lives in `<home>/authority/`. */
  home: string;
  /** Receives authority events (awaited). */
  listener?: AuthorityListener;
  /**
   * Records subordinate-CA and verification signings before and after the key
   * signs (fail closed); its `listener`, if any, also receives the events.
   */
  journal?: AuthorityJournal;
  /** scrypt work factor (log2 N) for key files written by this authority: default 18, minimum 17. */
  workFactor?: number;
  /** Clock, for tests. */
  now?: () => Date;
  /** Signs the certificates this authority issues with its key; defaults to the pki's signTbs (an HSM or a test can stand in). */
  signer?: TbsSigner;
  /** Waits between wrong-passphrase unlocks (unlock-throttle.ts); tests give one with a fake clock and sleep. */
  unlockThrottle?: UnlockThrottle;
  /** How often a token-held key checks its token is still there (ms; default 1000; 0 = only when signing). */
  presenceIntervalMs?: number;
}

/** Unlock failures that count as a wrong secret (throttled, journalled): a wrong passphrase or a wrong / last-try / locked PIN. */
const WRONG_SECRET: ReadonlySet<string> = new Set([VaultCodes.WRONG_PASSPHRASE, TokenCodes.PIN_INCORRECT, TokenCodes.PIN_FINAL_TRY, TokenCodes.PIN_LOCKED]);

/**
 * What the provisioning workflow needs to sign device certificates. Compatible
 * with `StationIssuer` (electron/core/station/issuer.ts). The private key is a
 * non-extractable CryptoKey: it can sign, it cannot be exported.
 */
export interface UnlockedIssuer {
  /** This CA's certificate (DER). */
  certificate: Uint8Array;
  /** A vault key (CryptoKey) or a token key: issuance signs with either. */
  privateKey: SigningKey;
  /** This CA first, then each issuer up to and including the root (DER). */
  chain: Uint8Array[];
  /** Same as `chain` (the name StationIssuer uses). */
  caChain: Uint8Array[];
  /** SHA-256 of `certificate`, lowercase hex. */
  fingerprint: string;
}

export type AuthorityState = 'none' | 'pending' | 'active';

export class Authority {
  readonly #ctx: AuthorityContext;
  readonly #throttle: UnlockThrottle;
  readonly #presenceMs: number;
  #presenceTimer: ReturnType<typeof setInterval> | null = null;

  private constructor(ctx: AuthorityContext, throttle: UnlockThrottle, presenceMs: number) {
    this.#ctx = ctx;
    this.#throttle = throttle;
    this.#presenceMs = presenceMs;
  }

  /** Open (without unlocking) the authority under `home`. Works when none exists yet. */
  static open(opts: AuthorityOptions): Authority {
    const logN = opts.workFactor ?? DEFAULT_LOG_N;
    if (!Number.isInteger(logN) || logN < MIN_WRITE_LOG_N) {
      throw new CustodianError(VaultCodes.WORK_FACTOR_TOO_LOW, `the scrypt work factor must be at least ${MIN_WRITE_LOG_N}`, { logN, minLogN: MIN_WRITE_LOG_N });
    }
    const store = new AuthorityStore(opts.home);
    const listener = opts.listener;
    const journalListener = opts.journal?.listener;
    let self: Authority | null = null;
    const ctx: AuthorityContext = {
      store,
      logN,
      now: opts.now ?? (() => new Date()),
      meta: store.readMeta(),
      key: null,
      emit: async (e: AuthorityEvent) => {
        if (listener) await listener(e);
        if (journalListener) await journalListener(e);
      },
      journal: opts.journal ?? null,
      keyRemoved: () => { if (self) void self.#lockNow('token-removed'); },
      signer: opts.signer,
    };
    self = new Authority(ctx, opts.unlockThrottle ?? new UnlockThrottle(), opts.presenceIntervalMs ?? 1000);
    return self;
  }

  get dir(): string { return this.#ctx.store.dir; }
  get state(): AuthorityState { return this.#ctx.meta?.state ?? 'none'; }
  get kind(): 'root' | 'subordinate' | null { return this.#ctx.meta?.kind ?? null; }
  get unlocked(): boolean { return this.#ctx.key !== null; }
  /** What unlocks the key: the vault passphrase, or the PIN of the token that holds it. */
  get secretKind(): 'passphrase' | 'pin' { return this.#ctx.meta?.keyLocation?.kind === 'token' ? 'pin' : 'passphrase'; }
  /** Metadata snapshot (names, fingerprints; no secrets), or null when none. */
  get metadata(): Readonly<AuthorityMeta> | null { return this.#ctx.meta ? { ...this.#ctx.meta } : null; }

  /**
   * Load the CA key with its secret: the vault passphrase (decrypted into a
   * non-extractable CryptoKey), or the token PIN (logs in; the key stays in
   * the token). Checks the key is the one the station's certificate (or
   * pending request) is for. Throws VAULT_WRONG_PASSPHRASE, VAULT_*,
   * TOKEN_PIN_INCORRECT / TOKEN_PIN_FINAL_TRY / TOKEN_PIN_LOCKED, TOKEN_*,
   * AUTHORITY_NOT_CONFIGURED, AUTHORITY_KEY_MISMATCH. A wrong secret is
   * emitted as `authority.unlock-failed` (the journal records it) and makes
   * the next attempt wait (unlock-throttle.ts); it is never retried here.
   */
  async unlock(secret: string): Promise<void> {
    const meta = requireConfigured(this.#ctx);
    await this.#throttle.turn();
    let key: Awaited<ReturnType<typeof unlockCaKey>>;
    try {
      key = await unlockCaKey(this.#ctx, meta, secret);
    } catch (e) {
      if (!isCustodianError(e) || !WRONG_SECRET.has(e.code)) throw e;
      const { attempt, delayMs } = this.#throttle.failed();
      // A failed attempt the journal cannot record fails with the journal's error.
      await this.#ctx.emit({
        type: 'authority.unlock-failed', at: this.#ctx.now().toISOString(), code: e.code, attempt, delayMs,
        spkiSha256: meta.spkiSha256, fingerprint: meta.certificateFingerprint,
      });
      const wait = delayMs > 0 ? `; the next attempt waits ${Math.ceil(delayMs / 1000)} s` : '';
      throw new CustodianError(e.code, `${e.message} (${attempt} wrong in a row${wait})`, { ...e.details, attempt, retryDelayMs: delayMs }, { cause: e });
    }
    this.#throttle.succeeded();
    try {
      if (!bytesEqual(key.spki, Buffer.from(meta.spkiDer, 'base64'))) {
        throw new CustodianError(AuthorityCodes.KEY_MISMATCH, `the ${key.release ? 'token' : 'key file'} does not hold the key this authority was set up with`, {
          expectedSpkiSha256: meta.spkiSha256,
          actualSpkiSha256: spkiSha256(key.spki),
        });
      }
      if (meta.state === 'active') {
        const chain = this.#ctx.store.readChain();
        if (!bytesEqual(readCertificate(chain[0]!).spki, key.spki)) {
          throw new CustodianError(AuthorityCodes.KEY_MISMATCH, 'the key does not match the station certificate', { certificateFingerprint: meta.certificateFingerprint });
        }
      }
    } catch (e) {
      await key.release?.();
      throw e;
    }
    await this.#release();
    this.#ctx.key = loadedKey(key);
    try {
      await this.#ctx.emit({ type: 'authority.unlocked', at: this.#ctx.now().toISOString(), state: meta.state, spkiSha256: meta.spkiSha256, fingerprint: meta.certificateFingerprint });
    } catch (e) {
      await this.#release(); // a key load the journal could not record does not stay loaded
      throw e;
    }
    this.#watchPresence();
  }

  /** Whether the loaded key's token is still there (true for a vault key, or when locked); a removed token locks at once. */
  async keyPresent(): Promise<boolean> {
    const key = this.#ctx.key;
    if (!key?.present) return true;
    const there = await key.present();
    if (!there && this.#ctx.key === key) await this.#lockNow('token-removed');
    return there;
  }

  /** Poll a token-held key's token; a removed token locks the authority at once. */
  #watchPresence(): void {
    this.#stopWatching();
    if (!this.#ctx.key?.present || this.#presenceMs <= 0) return;
    this.#presenceTimer = setInterval(() => { void this.keyPresent(); }, this.#presenceMs);
    this.#presenceTimer.unref?.();
  }

  #stopWatching(): void {
    if (this.#presenceTimer) clearInterval(this.#presenceTimer);
    this.#presenceTimer = null;
  }

  /** Drop the loaded key where it is held (log out of the token). */
  async #release(): Promise<void> {
    const key = this.#ctx.key;
    this.#ctx.key = null;
    this.#stopWatching();
    await key?.release?.().catch(() => undefined);
  }

  /** Throws AUTHORITY_ALREADY_CONFIGURED when an authority (or a pending request) exists. */
  assertNone(): void { assertNoAuthority(this.#ctx); }

  /**
   * Throws AUTHORITY_ROOT_NOT_PINNED unless an import could go by a pinned
   * root (`root`, or the one `request` pinned); AUTHORITY_ROOT_INVALID /
   * AUTHORITY_ROOT_MISMATCH when `root` is unusable or differs from the pin.
   */
  assertRootPinned(root?: RootPinInput): void { resolvePin(this.#ctx.meta?.pinnedRoot, root, this.#ctx.now()); }

  /** Throws AUTHORITY_NOT_CONFIGURED / AUTHORITY_NOT_ACTIVE unless the authority can sign (once unlocked). */
  assertActive(): void { requireActive(this.#ctx); }

  /** Drop the CA key (a token: log out and close its session). Idempotent; resolves once the key is let go. */
  lock(): Promise<void> { return this.#lockNow(); }

  #lockNow(reason?: 'token-removed'): Promise<void> {
    const was = this.#ctx.key !== null;
    const released = this.#release();
    if (was) {
      const event = { type: 'authority.locked' as const, at: this.#ctx.now().toISOString(), ...(reason ? { reason } : {}) };
      void Promise.resolve(this.#ctx.emit(event)).catch(() => undefined);
    }
    return released;
  }

  /** Run a state-changing ceremony under the station lock, against fresh metadata. */
  #mutate<T>(fn: () => Promise<T>): Promise<T> {
    return withAuthorityLock(this.#ctx.store.dir, async () => {
      this.#ctx.meta = this.#ctx.store.readMeta();
      return fn();
    });
  }

  /** Create a self-signed root; leaves the authority unlocked (a token-held key watched for removal, as after unlock). */
  async initRoot(params: InitRootParams): Promise<InitRootResult> {
    const r = await this.#mutate(() => initRoot(this.#ctx, params));
    this.#watchPresence();
    return r;
  }

  /** Create the CA key (sealed) and a CSR for the upstream custodian; state becomes 'pending'. */
  createRequest(params: CreateRequestParams): Promise<CreateRequestResult> { return this.#mutate(() => createRequest(this.#ctx, params)); }

  /** Sign a downstream CA's CSR (PEM or DER). Needs an active, unlocked authority. */
  signSubordinate(csr: string | Uint8Array, params: SignSubordinateParams): Promise<SignSubordinateResult> {
    return signSubordinate(this.#ctx, csr, params);
  }

  /**
   * Activate with a signed bundle (PEM or DER); or, with `key`, migrate an
   * existing CA. On an active station with a pending successor, the bundle is
   * the successor's: it becomes the signer (rollover.ts, `previous` names the
   * retired CA) and the authority is locked.
   */
  importBundle(bundle: string | Uint8Array, params: ImportBundleParams = {}): Promise<ImportBundleResult & { previous?: string }> {
    return this.#mutate(() => {
      const m = this.#ctx.meta;
      if (m?.state === 'active' && m.successor && params.key === undefined) {
        return importSuccessor(this.#ctx, bundle, params.root ? { root: params.root } : {}).finally(() => this.#stopWatching());
      }
      return importBundle(this.#ctx, bundle, params);
    });
  }

  /** A successor CA key and CSR while this CA keeps signing (rollover.ts); imported later with `importBundle`. */
  createSuccessorRequest(params: SuccessorRequestParams): Promise<SuccessorRequestResult> {
    return this.#mutate(() => createSuccessorRequest(this.#ctx, params));
  }

  /** This station's CA generations: the signer first, then the retired ones kept for CRLs and chains. */
  generations(): CaGeneration[] { return generations(this.#ctx); }

  /** A retired CA's key for one signature (its CRL), unlocked with its own secret; the caller releases it. */
  unlockRetired(fingerprint: string, secret: string): Promise<RetiredSigner> { return unlockRetired(this.#ctx, fingerprint, secret); }

  /** How a retired CA's key is unlocked: its vault passphrase or its token's PIN. */
  retiredSecretKind(fingerprint: string): 'passphrase' | 'pin' {
    const r = (this.#ctx.meta?.retired ?? []).find((g) => g.certificateFingerprint.startsWith(fingerprint.trim().toLowerCase().replace(/:/g, '')));
    return r?.keyLocation ? 'pin' : 'passphrase';
  }

  /** The chains (PEM, CA first) of the CAs a rollover retired, for audit bundles; empty unless active. */
  retiredChainsPem(): string[] {
    if (this.#ctx.meta?.state !== 'active') return [];
    return generations(this.#ctx).filter((g) => g.role === 'retired').map((g) => g.chain.map((d) => toPem(d, 'CERTIFICATE')).join(''));
  }

  /** Hub/DPS proof-of-possession certificate with CN = `code`. Needs an active, unlocked authority. */
  verificationCert(code: string, params: VerificationCertParams = {}): Promise<VerificationCertResult> {
    return verificationCert(this.#ctx, code, params);
  }

  /** A work-order signing certificate and its sealed key (docs/work-orders.md). Needs an active, unlocked authority. */
  workOrderSigner(params: WorkOrderSignerParams): Promise<WorkOrderSignerResult> {
    return workOrderSigner(this.#ctx, params);
  }

  /** The authority's state and chain (no passphrase needed). */
  show(): AuthorityReport { return show(this.#ctx); }

  /** The public chain PEM (this CA first, root last). Never contains the key. */
  exportChain(): ExportedChain { return exportChain(this.#ctx); }

  /** The public chain as DER (this CA first, root last); empty unless active. */
  chain(): Uint8Array[] { return this.#ctx.meta?.state === 'active' ? this.#ctx.store.readChain() : []; }

  /** The unlocked issuer for the provisioning workflow. Throws AUTHORITY_NOT_ACTIVE / AUTHORITY_LOCKED. */
  issuer(): UnlockedIssuer {
    const { chain } = requireActive(this.#ctx);
    const key = requireUnlocked(this.#ctx);
    return { certificate: chain[0]!, privateKey: key.privateKey, chain, caChain: chain, fingerprint: fingerprintSha256(chain[0]!) };
  }
}
