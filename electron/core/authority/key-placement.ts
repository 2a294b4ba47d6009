/**
 * Where a new CA key is made and how an existing one is loaded: sealed in the
 * vault under a passphrase (ca-key.age), or generated in a PKCS#11 token and
 * used there under its PIN. The ceremonies see a LoadedKey either way.
 */
import { CustodianError } from '../errors';
import type { CaKeySpec } from '../pki/index';
import { AuthorityCodes } from './codes';
import type { AuthorityContext, LoadedKey } from './context';
import { createSealedKey, unlockSealedKey } from './keys';
import type { AuthorityMeta, TokenKeyLocation } from './store';
import { createTokenKey, unlockTokenKey } from './token-keys';

/** Exactly one of: a new passphrase for the vault, or a token URI and its PIN. */
export interface CaKeyPlacement {
  /** New passphrase for the key file (vault). */
  passphrase?: string;
  /** Generate the key in this token instead (RFC 7512 URI with module-path, token label/serial, object label/id). */
  token?: { uri: string; pin: string };
}

export type PlacedKey = LoadedKey & { spki: Uint8Array; location: TokenKeyLocation | null };

/** `keyFile`: where a vault key is sealed (default the authority's ca-key.age; a successor's in its generation folder). */
export async function createCaKey(ctx: AuthorityContext, spec: CaKeySpec, p: CaKeyPlacement, keyFile: string = ctx.store.keyFile): Promise<PlacedKey> {
  if ((p.token === undefined) === (p.passphrase === undefined)) {
    throw new CustodianError(AuthorityCodes.BAD_INPUT, 'give either a passphrase (key sealed in the vault) or a token URI and PIN (key generated in the token)', {});
  }
  if (p.token) return createTokenKey(p.token.uri, spec, p.token.pin, ctx.keyRemoved);
  return { ...(await createSealedKey(keyFile, spec, p.passphrase!, ctx.logN)), location: null };
}

/** Load the authority's key with its secret: the vault passphrase, or the token PIN. */
export async function unlockCaKey(ctx: AuthorityContext, meta: AuthorityMeta, secret: string): Promise<LoadedKey & { spki: Uint8Array }> {
  if (meta.keyLocation?.kind === 'token') return unlockTokenKey(meta.keyLocation, secret, ctx.keyRemoved);
  return unlockSealedKey(ctx.store.keyFileOf(meta), secret);
}
