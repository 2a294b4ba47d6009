/**
 * What the ceremony functions share with the Authority object. Internal to
 * electron/core/authority: the CryptoKey lives here and nowhere else.
 */
import type { CaKeySpec, CryptoKey, TbsSigner } from '../pki/index';
import type { AuthorityEvent } from './events';
import type { AuthorityJournal } from './journal';
import type { AuthorityMeta, AuthorityStore } from './store';

export interface LoadedKey {
  /** Non-extractable signing key. */
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  spec: CaKeySpec;
}

export interface AuthorityContext {
  readonly store: AuthorityStore;
  /** scrypt work factor for key files this authority writes. */
  readonly logN: number;
  now(): Date;
  meta: AuthorityMeta | null;
  key: LoadedKey | null;
  emit(e: AuthorityEvent): Promise<void>;
  /** Records CA signings before and after the key signs; null = not journalled (library use, tests). */
  readonly journal: AuthorityJournal | null;
  /** Passed to every issueCertificate call; undefined = the pki's default signer. */
  readonly signer: TbsSigner | undefined;
}

/** CA certificates start a little in the past, so stations with slightly slow clocks accept them. */
export const BACKDATE_MS = 5 * 60 * 1000;
