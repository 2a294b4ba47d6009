/**
 * What the ceremony functions share with the Authority object. Internal to
 * electron/core/authority: the CryptoKey lives here and nowhere else.
 */
import type { CaKeySpec, CryptoKey, SigningKey, TbsSigner } from '../pki/index';
import type { AuthorityEvent } from './events';
import type { AuthorityJournal } from './journal';
import type { AuthorityMeta, AuthorityStore } from './store';

export interface LoadedKey {
  /** Non-extractable signing key: a vault key as a CryptoKey, or a token key that signs on the token. */
  privateKey: SigningKey;
  publicKey: CryptoKey;
  spec: CaKeySpec;
  /** Let go of the key where it is held (a token: log out and close the session). */
  release?: () => Promise<void>;
  /** False once the device holding the key is gone (a token removed); absent = always there. */
  present?: () => Promise<boolean>;
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
  /** Called when the device holding the loaded key goes away mid-use: the authority locks at once. */
  readonly keyRemoved: () => void;
  /** Passed to every issueCertificate call; undefined = the pki's default signer. */
  readonly signer: TbsSigner | undefined;
}

/** CA certificates start a little in the past, so stations with slightly slow clocks accept them. */
export const BACKDATE_MS = 5 * 60 * 1000;
