/**
 * A CA key pair held by a token: generated there (CKA_TOKEN, CKA_PRIVATE,
 * CKA_SENSITIVE true; CKA_EXTRACTABLE false) or found there by label / id.
 * It signs through its session's queue and is never read out. Signing
 * computes the digest here and asks the token for CKM_ECDSA over it (SoftHSM
 * offers no CKM_ECDSA_SHA256), then turns the raw r||s into DER for X.509.
 */
import { createHash, randomBytes } from 'node:crypto';
import { CustodianError } from '../errors';
import { ecdsaP1363ToDer } from '../pki/der';
import type { ExternalSigningKey } from '../pki/signing-key';
import type { SignatureHash } from '../pki/profiles';
import { TokenCodes } from './codes';
import { CURVES, curveOfParams, ecParams, spkiFromEcPoint, type TokenCurve } from './ec-public-key';
import { pkcs11Binding, type Pkcs11 } from './pkcs11-module';
import { ckrName } from './token-errors';
import type { TokenSession } from './token-session';

export interface TokenKeyName {
  label?: string;
  id?: Uint8Array;
}

/** Where the key is, as `authority show` reports it. */
export interface TokenKeyFacts {
  curve: TokenCurve;
  label: string | null;
  /** CKA_ID, lowercase hex. */
  idHex: string;
  id: Uint8Array;
  spki: Uint8Array;
}

const NODE_HASH: Record<SignatureHash, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384' };

function template(name: TokenKeyName, klass: number): { type: number; value: number | Buffer | string }[] {
  const b = pkcs11Binding();
  const t: { type: number; value: number | Buffer | string }[] = [{ type: b.CKA_CLASS, value: klass }];
  if (name.label !== undefined) t.push({ type: b.CKA_LABEL, value: name.label });
  if (name.id !== undefined) t.push({ type: b.CKA_ID, value: Buffer.from(name.id) });
  return t;
}

function findAll(lib: Pkcs11, session: Buffer, tmpl: ReturnType<typeof template>): Buffer[] {
  lib.C_FindObjectsInit(session, tmpl);
  try {
    return lib.C_FindObjects(session, 16);
  } finally {
    lib.C_FindObjectsFinal(session);
  }
}

const describeName = (n: TokenKeyName): string =>
  [n.label !== undefined ? `labelled "${n.label}"` : '', n.id !== undefined ? `with id ${Buffer.from(n.id).toString('hex')}` : ''].filter(Boolean).join(' ');

export class TokenKey implements ExternalSigningKey {
  readonly type = 'external' as const;
  readonly extractable = false as const;
  readonly algorithm: { name: 'ECDSA'; namedCurve: TokenCurve };
  readonly facts: TokenKeyFacts;
  readonly #session: TokenSession;
  /** The private key's handle in the current login; null while logged out. */
  #handle: Buffer | null = null;

  private constructor(session: TokenSession, facts: TokenKeyFacts) {
    this.#session = session;
    this.facts = facts;
    this.algorithm = { name: 'ECDSA', namedCurve: facts.curve };
  }

  get session(): TokenSession { return this.#session; }

  /**
   * Generate a key pair on the (logged-in) token. Refuses (TOKEN_KEY_EXISTS)
   * when an object with the label or id is there already. A random 16-byte
   * CKA_ID is chosen when none is given.
   */
  static async generate(session: TokenSession, curve: TokenCurve, name: TokenKeyName): Promise<TokenKey> {
    const id = name.id ?? new Uint8Array(randomBytes(16));
    const full = { ...name, id };
    const facts = await session.run('generating the CA key', async (lib, s) => {
      const b = pkcs11Binding();
      for (const probe of [{ label: full.label }, { id }]) {
        if (probe.label === undefined && probe.id === undefined) continue;
        const p = { ...(probe.label !== undefined ? { label: probe.label } : {}), ...(probe.id !== undefined ? { id: probe.id } : {}) };
        if (findAll(lib, s, template(p, b.CKO_PRIVATE_KEY)).length > 0 || findAll(lib, s, template(p, b.CKO_PUBLIC_KEY)).length > 0) {
          throw new CustodianError(TokenCodes.KEY_EXISTS, `the token "${session.identity.label}" already holds a key ${describeName(p)}: choose another object label`, { token: session.identity.label, ...(p.label !== undefined ? { label: p.label } : {}) });
        }
      }
      const common = [
        { type: b.CKA_TOKEN, value: true },
        { type: b.CKA_KEY_TYPE, value: b.CKK_EC },
        { type: b.CKA_ID, value: Buffer.from(id) },
        ...(full.label !== undefined ? [{ type: b.CKA_LABEL, value: full.label }] : []),
      ];
      const pair = await lib.C_GenerateKeyPairAsync(
        s,
        { mechanism: b.CKM_EC_KEY_PAIR_GEN },
        [...common, { type: b.CKA_CLASS, value: b.CKO_PUBLIC_KEY }, { type: b.CKA_EC_PARAMS, value: ecParams(curve) }, { type: b.CKA_VERIFY, value: true }, { type: b.CKA_PRIVATE, value: false }],
        [...common, { type: b.CKA_CLASS, value: b.CKO_PRIVATE_KEY }, { type: b.CKA_PRIVATE, value: true }, { type: b.CKA_SENSITIVE, value: true },
          { type: b.CKA_EXTRACTABLE, value: false }, { type: b.CKA_SIGN, value: true }, { type: b.CKA_DERIVE, value: false }, { type: b.CKA_DECRYPT, value: false }, { type: b.CKA_UNWRAP, value: false }],
      );
      return readFacts(lib, s, pair.privateKey, pair.publicKey, session.identity.label);
    });
    const key = new TokenKey(session, facts);
    await key.bind();
    return key;
  }

  /** Find the key the name designates on the token (logged in: private objects are hidden otherwise). */
  static async find(session: TokenSession, name: TokenKeyName): Promise<TokenKey> {
    const facts = await session.run('looking up the CA key', (lib, s) => {
      const b = pkcs11Binding();
      const privs = findAll(lib, s, template(name, b.CKO_PRIVATE_KEY));
      if (privs.length === 0) {
        throw new CustodianError(TokenCodes.KEY_NOT_FOUND, `the token "${session.identity.label}" holds no private key ${describeName(name)}${session.loggedIn ? '' : ' visible without logging in'}`, { token: session.identity.label, ...(name.label !== undefined ? { label: name.label } : {}) });
      }
      if (privs.length > 1) {
        throw new CustodianError(TokenCodes.KEY_UNSUITABLE, `the token "${session.identity.label}" holds ${privs.length} private keys ${describeName(name)}: add id=… to the URI`, { token: session.identity.label });
      }
      const [{ value: idValue }] = lib.C_GetAttributeValue(s, privs[0]!, [{ type: b.CKA_ID }]) as unknown as [{ value?: Buffer }];
      const pubs = findAll(lib, s, template({ id: idValue ?? new Uint8Array(0) }, b.CKO_PUBLIC_KEY));
      if (pubs.length !== 1) {
        throw new CustodianError(TokenCodes.KEY_UNSUITABLE, `the token "${session.identity.label}" holds no public key with the private key's id: its public half cannot be read`, { token: session.identity.label });
      }
      return readFacts(lib, s, privs[0]!, pubs[0]!, session.identity.label);
    });
    const key = new TokenKey(session, facts);
    await key.bind();
    return key;
  }

  /** Look up the private key's handle for the current login (handles do not survive a logout). */
  async bind(): Promise<void> {
    this.#handle = await this.#session.run('looking up the CA key', (lib, s) => {
      const b = pkcs11Binding();
      const found = findAll(lib, s, template({ id: this.facts.id }, b.CKO_PRIVATE_KEY));
      if (found.length !== 1) {
        throw new CustodianError(TokenCodes.KEY_NOT_FOUND, `the CA key (id ${this.facts.idHex}) is no longer on the token "${this.#session.identity.label}"`, { token: this.#session.identity.label, keyId: this.facts.idHex });
      }
      return found[0]!;
    });
  }

  unbind(): void { this.#handle = null; }

  /** Whether the token and this key on it are still there (false once the token or its files went away). */
  present(): Promise<boolean> {
    return this.#session.present((lib, s) => findAll(lib, s, template({ id: this.facts.id }, pkcs11Binding().CKO_PRIVATE_KEY)).length === 1);
  }

  /** ExternalSigningKey: a DER ECDSA signature over `data` hashed with `hash`, queued on the session. */
  sign(data: Uint8Array, hash: SignatureHash): Promise<Uint8Array> {
    const digest = createHash(NODE_HASH[hash]).update(data).digest();
    return this.#session.run('signing', async (lib, s) => {
      const handle = this.#handle;
      if (!handle || !this.#session.loggedIn) {
        throw new CustodianError(TokenCodes.NOT_LOGGED_IN, `the CA key on the token "${this.#session.identity.label}" is locked: unlock it with the token PIN`, { token: this.#session.identity.label });
      }
      const b = pkcs11Binding();
      try {
        lib.C_SignInit(s, { mechanism: b.CKM_ECDSA }, handle);
        const raw = await lib.C_SignAsync(s, digest, Buffer.alloc(2 * CURVES[this.facts.curve].bytes));
        return ecdsaP1363ToDer(new Uint8Array(raw));
      } catch (e) {
        // A key that was there at login and is not now: the token went away under us.
        if (ckrName(e) === 'CKR_OBJECT_HANDLE_INVALID' || ckrName(e) === 'CKR_KEY_HANDLE_INVALID') {
          this.#session.markGone();
          throw new CustodianError(TokenCodes.REMOVED, `the CA key is no longer on the token "${this.#session.identity.label}" (${ckrName(e)}); the CA key is locked`, { token: this.#session.identity.label, ckr: ckrName(e) }, { cause: e });
        }
        throw e;
      }
    });
  }
}

/** Read the pair's public half and check the private half is what a CA key must be. */
function readFacts(lib: Pkcs11, s: Buffer, priv: Buffer, pub: Buffer, token: string): TokenKeyFacts {
  const b = pkcs11Binding();
  const attrs = lib.C_GetAttributeValue(s, priv, [
    { type: b.CKA_KEY_TYPE }, { type: b.CKA_SENSITIVE }, { type: b.CKA_EXTRACTABLE }, { type: b.CKA_SIGN },
    { type: b.CKA_LABEL }, { type: b.CKA_ID }, { type: b.CKA_TOKEN },
  ]);
  const v = (i: number): Buffer => (attrs[i]!.value as Buffer | undefined) ?? Buffer.alloc(0);
  const flag = (i: number): boolean => v(i).length > 0 && v(i)[0] !== 0;
  const keyType = v(0).length ? v(0).readUIntLE(0, Math.min(v(0).length, 6)) : -1;
  const problems: string[] = [];
  if (keyType !== b.CKK_EC) problems.push('it is not an EC key');
  if (!flag(1)) problems.push('it is not sensitive (CKA_SENSITIVE false)');
  if (flag(2)) problems.push('it is extractable (CKA_EXTRACTABLE true)');
  if (!flag(3)) problems.push('it may not sign (CKA_SIGN false)');
  if (!flag(6)) problems.push('it is a session object, not stored on the token (CKA_TOKEN false)');
  if (problems.length) throw new CustodianError(TokenCodes.KEY_UNSUITABLE, `the key on the token "${token}" cannot be a CA key: ${problems.join('; ')}`, { token, problems });
  const [params, point] = lib.C_GetAttributeValue(s, pub, [{ type: b.CKA_EC_PARAMS }, { type: b.CKA_EC_POINT }]).map((a) => (a.value as Buffer | undefined) ?? Buffer.alloc(0));
  const curve = curveOfParams(params!);
  if (!curve) throw new CustodianError(TokenCodes.KEY_UNSUITABLE, `the key on the token "${token}" is on a curve other than P-256 or P-384`, { token });
  const id = new Uint8Array(v(5));
  return { curve, label: v(4).length ? v(4).toString('utf8') : null, idHex: Buffer.from(id).toString('hex'), id, spki: spkiFromEcPoint(curve, point!) };
}
