/**
 * Where the ledger's checkpoint key is kept beyond the ledger itself
 * (docs/ledger-format.md §The checkpoint key):
 *
 *   token   generated on the token that holds the authority's key, when it
 *           offers Ed25519 (CKM_EDDSA): sensitive, never extractable, named
 *           by `ledger.key.uri`, opened with the token PIN at unlock;
 *   sealed  `ledger.key.age`, the vault's key file format under the
 *           authority's passphrase, opened when the authority unlocks.
 *
 * `moveLedgerKey` is the one-time move of a plain `ledger.key` into one of
 * them (`custodian ledger seal-key`): a key rotation the old key vouches for.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CustodianError } from '../errors';
import { openKeyFile, sealKeyFile, writeFileAtomic } from '../vault/index';
import { Ed25519TokenKey, formatPkcs11Uri, parsePkcs11Uri, supportsEd25519, TokenSession } from '../token/index';
import {
  Ledger, LedgerCodes, SEALED_KEY_FILE, SIG_ED25519, TOKEN_KEY_FILE, computeKeyId, ed25519Signer, formatVkey, generateEd25519, ledgerKeyPlacement,
  privateKeyFromPkcs8, removePlainLedgerKey, type NoteSigner,
} from '../ledger/index';

/** A checkpoint key held open: close() ends its token session (nothing to do for a sealed key). */
export interface HeldLedgerKey extends NoteSigner {
  /**
   * On the token: it signs only while the token is logged in, so the ledger
   * must lockKey() before the authority locks (PKCS#11 logs every session of
   * the process out at once); what is written after waits for the next unlock.
   */
  readonly onToken: boolean;
  close(): Promise<void>;
}

/** What the move needs of the authority: its secret kind and, for a token-held key, which token. */
export interface AuthorityKeyFacts {
  secretKind: 'passphrase' | 'pin';
  token?: { modulePath: string; tokenLabel?: string | undefined; tokenSerial?: string | undefined } | undefined;
}

/** CKA_LABEL of the checkpoint key on the token. */
export const TOKEN_KEY_LABEL = 'custodian-ledger-checkpoint';

const held = (signer: NoteSigner): HeldLedgerKey => ({ ...signer, sign: (m) => signer.sign(m), onToken: false, close: async () => undefined });

/** Generate a checkpoint key and seal it under `passphrase` at `path`; the clear key stays in this process. */
export async function createSealedLedgerKey(path: string, origin: string, passphrase: string, opts: { logN?: number } = {}): Promise<HeldLedgerKey> {
  const { privateKey } = generateEd25519();
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  try {
    await sealKeyFile(path, der, passphrase, { overwrite: true, ...(opts.logN !== undefined ? { logN: opts.logN } : {}) });
  } finally {
    der.fill(0);
  }
  return held(ed25519Signer(origin, privateKey));
}

/** Open a sealed checkpoint key with the authority's passphrase (VAULT_WRONG_PASSPHRASE otherwise). */
export async function unsealLedgerKey(path: string, origin: string, passphrase: string): Promise<HeldLedgerKey> {
  const key = await openKeyFile(path, passphrase, async (der) => privateKeyFromPkcs8(der));
  if (key.asymmetricKeyType !== 'ed25519') throw new CustodianError(LedgerCodes.KEY_INVALID, 'the sealed ledger key is not Ed25519', { path });
  return held(ed25519Signer(origin, key));
}

/** A note signer over a token key, on a session of its own (its signatures are synchronous). */
function tokenSigner(origin: string, session: TokenSession, key: Ed25519TokenKey): HeldLedgerKey {
  return {
    name: origin,
    keyId: computeKeyId(origin, SIG_ED25519, key.publicKey),
    vkey: formatVkey(origin, SIG_ED25519, key.publicKey),
    sign: (message) => Buffer.from(key.signNow(message)),
    onToken: true,
    close: () => session.close(),
  };
}

async function loggedIn(uri: ReturnType<typeof parsePkcs11Uri>, pin: string): Promise<TokenSession> {
  const session = TokenSession.open(uri);
  try {
    await session.login(pin);
  } catch (e) {
    await session.close();
    throw e;
  }
  return session;
}

/**
 * Generate the checkpoint key on the authority's token and write its URI to
 * `path`; null when the token offers no Ed25519 (the caller seals it instead).
 */
export async function createTokenLedgerKey(path: string, origin: string, token: NonNullable<AuthorityKeyFacts['token']>, pin: string): Promise<HeldLedgerKey | null> {
  const session = await loggedIn({
    modulePath: token.modulePath, ...(token.tokenLabel !== undefined ? { tokenLabel: token.tokenLabel } : {}), ...(token.tokenSerial !== undefined ? { tokenSerial: token.tokenSerial } : {}),
  }, pin);
  try {
    if (!(await supportsEd25519(session))) {
      await session.close();
      return null;
    }
    const key = await Ed25519TokenKey.generate(session, TOKEN_KEY_LABEL);
    const uri = formatPkcs11Uri({
      modulePath: token.modulePath, tokenLabel: session.identity.label, tokenSerial: session.identity.serial,
      objectLabel: TOKEN_KEY_LABEL, objectId: Buffer.from(key.idHex, 'hex'),
    });
    writeFileAtomic(path, Buffer.from(`${uri}\n`), { mode: 0o644, overwrite: true });
    return tokenSigner(origin, session, key);
  } catch (e) {
    await session.close();
    throw e;
  }
}

/** Open the checkpoint key named by the URI in `path` with the token PIN. */
export async function openTokenLedgerKey(path: string, origin: string, pin: string): Promise<HeldLedgerKey> {
  const uri = parsePkcs11Uri(readFileSync(path, 'utf8').trim());
  if (!uri.objectId) throw new CustodianError(LedgerCodes.KEY_INVALID, `${path} names no key id`, { path });
  const session = await loggedIn(uri, pin);
  try {
    return tokenSigner(origin, session, await Ed25519TokenKey.find(session, Buffer.from(uri.objectId).toString('hex')));
  } catch (e) {
    await session.close();
    throw e;
  }
}

/**
 * Unlock the checkpoint key with the secret that just unlocked the authority
 * (the passphrase for a sealed key, the PIN for a token key) and sign the
 * checkpoints deferred while it was locked. Null when there is nothing to
 * unlock (a plain key, loaded at open; a key of the other kind). The caller
 * closes the key after the ledger is closed.
 */
export async function unlockLedgerKey(ledger: Ledger, secretKind: 'passphrase' | 'pin', secret: string): Promise<HeldLedgerKey | null> {
  if (!ledger.keyLocked) return null;
  const placement = ledgerKeyPlacement(ledger.dir);
  let key: HeldLedgerKey;
  if (placement === 'sealed' && secretKind === 'passphrase') key = await unsealLedgerKey(join(ledger.dir, SEALED_KEY_FILE), ledger.origin, secret);
  else if (placement === 'token' && secretKind === 'pin') key = await openTokenLedgerKey(join(ledger.dir, TOKEN_KEY_FILE), ledger.origin, secret);
  else return null;
  try {
    ledger.unlockKey(key);
  } catch (e) {
    await key.close();
    throw e;
  }
  return key;
}

export interface MoveKeyResult {
  /** The key-rotation record (-1 when an interrupted move was only finished). */
  index: number;
  previous: string;
  vkey: string;
  location: 'sealed' | 'token';
  /** The sealed key file, or the token key's URI. */
  ref: string;
}

/**
 * Move a plain checkpoint key away: onto the authority's token when its key
 * is there and the token offers Ed25519, else sealed under the authority's
 * passphrase. The new key is stored first, the ledger rotates to it (the old
 * key signs the checkpoint covering the rotation), then the plain key file
 * is removed. A run interrupted after the rotation is finished by running it again.
 * Returns the new key held open (the caller closes it after the ledger).
 */
export async function moveLedgerKey(ledger: Ledger, authority: AuthorityKeyFacts, secret: string, operator: string, opts: { logN?: number } = {}): Promise<MoveKeyResult & { key: HeldLedgerKey }> {
  const placement = ledgerKeyPlacement(ledger.dir);
  if (placement !== 'plain') {
    throw new CustodianError(LedgerCodes.EXISTS, `the ledger's checkpoint key is already ${placement === 'token' ? 'on the token' : placement === 'sealed' ? 'sealed' : 'missing'}`, { dir: ledger.dir, key: placement });
  }
  const finalOf = (location: 'sealed' | 'token') => join(ledger.dir, location === 'token' ? TOKEN_KEY_FILE : SEALED_KEY_FILE);
  const pendingOf = (location: 'sealed' | 'token') => `${finalOf(location)}.new`;
  const location: 'sealed' | 'token' = authority.secretKind === 'pin' ? 'token' : 'sealed';
  const pending = pendingOf(location);
  const install = (): string => {
    renameSync(pending, finalOf(location));
    removePlainLedgerKey(ledger.dir);
    return location === 'token' ? readFileSync(finalOf(location), 'utf8').trim() : finalOf(location);
  };

  if (ledger.keyLocked && existsSync(pending)) {
    // The rotation was recorded, the rename was not: finish it.
    const key = location === 'token' ? await openTokenLedgerKey(pending, ledger.origin, secret) : await unsealLedgerKey(pending, ledger.origin, secret);
    if (key.vkey !== ledger.vkey) {
      await key.close();
      throw new CustodianError(LedgerCodes.KEY_INVALID, 'ledger.key is not the checkpoint key in force, and the pending key is not either', { dir: ledger.dir });
    }
    ledger.unlockKey(key);
    return { index: -1, previous: ledger.vkeys.at(-2) ?? '', vkey: key.vkey, location, ref: install(), key };
  }

  let key: HeldLedgerKey | null;
  if (location === 'token') {
    if (!authority.token) throw new CustodianError(LedgerCodes.KEY_INVALID, 'the authority names no token', {});
    key = await createTokenLedgerKey(pending, ledger.origin, authority.token, secret);
    if (!key) {
      throw new CustodianError(LedgerCodes.KEY_UNSUPPORTED, `the token "${authority.token.tokenLabel ?? '?'}" offers no Ed25519 (CKM_EDDSA), and a PIN is too short to seal the key under: the plain key stays in use`, { token: authority.token.tokenLabel });
    }
  } else {
    key = await createSealedLedgerKey(pending, ledger.origin, secret, opts);
  }
  const previous = ledger.vkey;
  let index: number;
  try {
    index = ledger.rotateKey(key, { location, operator, ...(location === 'token' ? { keyRef: readFileSync(pending, 'utf8').trim() } : {}) }).index;
  } catch (e) {
    if (ledger.vkey !== key.vkey) rmSync(pending, { force: true });
    await key.close();
    throw e;
  }
  return { index, previous, vkey: key.vkey, location, ref: install(), key };
}

/**
 * Create a new station's ledger with its checkpoint key where the
 * authority's new key goes: on that token when it offers Ed25519, else sealed
 * under the new passphrase. Returns the key held open (hand it to the opened
 * ledger with unlockKey), or null when nothing was created: a token without
 * Ed25519, whose PIN is too short to seal under (the ledger is then created
 * with a plain key, as before, and reported as unsealed).
 */
export async function createKeyedLedger(
  dir: string, stationId: string, where: { passphrase: string; logN?: number | undefined } | { token: { uri: string; pin: string } },
): Promise<HeldLedgerKey | null> {
  const origin = `custodian.station/${stationId}`;
  mkdirSync(dir, { recursive: true });
  let key: HeldLedgerKey | null;
  if ('token' in where) {
    const uri = parsePkcs11Uri(where.token.uri);
    key = await createTokenLedgerKey(join(dir, TOKEN_KEY_FILE), origin, uri, where.token.pin);
    if (!key) return null;
  } else {
    key = await createSealedLedgerKey(join(dir, SEALED_KEY_FILE), origin, where.passphrase, where.logN !== undefined ? { logN: where.logN } : {});
  }
  try {
    Ledger.create({ dir, stationId, origin, signer: key }).close();
  } catch (e) {
    await key.close();
    throw e;
  }
  return key;
}
