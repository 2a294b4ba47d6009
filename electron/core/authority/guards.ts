/** State preconditions shared by the ceremonies, each with its own code. */
import { CustodianError } from '../errors';
import { AuthorityCodes } from './codes';
import type { AuthorityContext, LoadedKey } from './context';
import type { AuthorityMeta } from './store';

export function requireConfigured(ctx: AuthorityContext): AuthorityMeta {
  if (!ctx.meta) {
    throw new CustodianError(AuthorityCodes.NOT_CONFIGURED, `no certificate authority is set up on this station (${ctx.store.dir})`, { dir: ctx.store.dir });
  }
  return ctx.meta;
}

export function requireActive(ctx: AuthorityContext): { meta: AuthorityMeta; chain: Uint8Array[] } {
  const meta = requireConfigured(ctx);
  if (meta.state !== 'active') {
    throw new CustodianError(AuthorityCodes.NOT_ACTIVE, `the authority "${meta.subject.commonName}" is waiting for its signed bundle: import it first`, { state: meta.state });
  }
  return { meta, chain: ctx.store.readChain() };
}

export function requireUnlocked(ctx: AuthorityContext): LoadedKey {
  if (!ctx.key) throw new CustodianError(AuthorityCodes.LOCKED, 'the CA key is locked: unlock it with its passphrase first', {});
  return ctx.key;
}
