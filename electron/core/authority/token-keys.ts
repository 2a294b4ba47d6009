/**
 * CA keys held in a PKCS#11 token: create one there, or find it again by the
 * URI the authority stored, logging in with the token PIN. What the
 * ceremonies get back is a LoadedKey like the vault's; only `release` (log
 * out, close) and `present` (is the token still there) are particular to it.
 */
import { CustodianError, isCustodianError } from '../errors';
import { subtle, type CryptoKey } from '../pki/crypto';
import { webCryptoAlgorithm } from '../pki/keys';
import type { CaKeySpec, ExternalSigningKey, SignatureHash } from '../pki/index';
import { formatPkcs11Uri, parsePkcs11Uri, requireKeyName, TokenCodes, TokenKey, TokenSession, type Pkcs11Uri, type TokenCurve } from '../token/index';
import { AuthorityCodes } from './codes';
import type { LoadedKey } from './context';
import type { TokenKeyLocation } from './store';

export type LoadedTokenKey = LoadedKey & { spki: Uint8Array; location: TokenKeyLocation };

function curveOf(spec: CaKeySpec): TokenCurve {
  if (spec === 'P-256' || spec === 'P-384') return spec;
  throw new CustodianError(AuthorityCodes.BAD_INPUT, `a CA key in a token is EC P-256 or P-384, not ${spec}`, { keySpec: spec });
}

function locationOf(session: TokenSession, key: TokenKey, uri: Pkcs11Uri): TokenKeyLocation {
  const facts = key.facts;
  // The stored URI names the token by label and serial and the key by id, so another token or key never matches it.
  const canonical: Pkcs11Uri = {
    modulePath: uri.modulePath,
    tokenLabel: session.identity.label,
    tokenSerial: session.identity.serial,
    ...(facts.label !== null ? { objectLabel: facts.label } : {}),
    objectId: facts.id,
  };
  return {
    kind: 'token', uri: formatPkcs11Uri(canonical), modulePath: uri.modulePath,
    tokenLabel: session.identity.label, tokenSerial: session.identity.serial,
    tokenModel: session.identity.model, tokenManufacturer: session.identity.manufacturer,
    keyLabel: facts.label, keyIdHex: facts.idHex,
  };
}

/**
 * The signing key handed to issuance: the token key, except that a token
 * found gone while signing calls `onRemoved` (the authority locks at once).
 */
function watched(key: TokenKey, onRemoved: () => void): ExternalSigningKey {
  return {
    type: 'external',
    extractable: false,
    algorithm: key.algorithm,
    async sign(data: Uint8Array, hash: SignatureHash): Promise<Uint8Array> {
      try {
        return await key.sign(data, hash);
      } catch (e) {
        if (isCustodianError(e, TokenCodes.REMOVED)) onRemoved();
        throw e;
      }
    },
  };
}

/** The public half as a WebCrypto key, for the self-signed root and the CSR. */
function importPublicSpki(spki: Uint8Array, spec: CaKeySpec): Promise<CryptoKey> {
  return subtle.importKey('spki', Uint8Array.from(spki), webCryptoAlgorithm(spec), true, ['verify']);
}

async function loaded(session: TokenSession, key: TokenKey, uri: Pkcs11Uri, onRemoved: () => void): Promise<LoadedTokenKey> {
  const spec: CaKeySpec = key.facts.curve;
  return {
    privateKey: watched(key, onRemoved),
    publicKey: await importPublicSpki(key.facts.spki, spec),
    spec,
    spki: key.facts.spki,
    location: locationOf(session, key, uri),
    release: () => session.close(),
    present: () => key.present(),
  };
}

async function withSession<T>(uriText: string, pin: string, fn: (s: TokenSession, uri: Pkcs11Uri) => Promise<T>): Promise<T> {
  const uri = parsePkcs11Uri(uriText);
  requireKeyName(uri);
  const session = TokenSession.open(uri);
  try {
    await session.login(pin);
    return await fn(session, uri);
  } catch (e) {
    await session.close();
    throw e;
  }
}

/** Generate the CA key on the token the URI names (object label and/or id from the URI). */
export function createTokenKey(uriText: string, spec: CaKeySpec, pin: string, onRemoved: () => void): Promise<LoadedTokenKey> {
  const curve = curveOf(spec);
  return withSession(uriText, pin, async (session, uri) => {
    const key = await TokenKey.generate(session, curve, { ...(uri.objectLabel !== undefined ? { label: uri.objectLabel } : {}), ...(uri.objectId ? { id: uri.objectId } : {}) });
    return loaded(session, key, uri, onRemoved);
  });
}

/** Log in and find the stored key again (by its URI: token label + serial, key id). */
export function unlockTokenKey(location: TokenKeyLocation, pin: string, onRemoved: () => void): Promise<LoadedTokenKey> {
  return withSession(location.uri, pin, async (session, uri) => {
    const key = await TokenKey.find(session, { ...(uri.objectId ? { id: uri.objectId } : {}), ...(uri.objectId ? {} : { label: uri.objectLabel! }) });
    return loaded(session, key, uri, onRemoved);
  });
}
