/**
 * An Ed25519 key held by a token (PKCS#11 v3.0: CKK_EC_EDWARDS,
 * CKM_EC_EDWARDS_KEY_PAIR_GEN, CKM_EDDSA), for signatures that are not
 * X.509: the ledger's checkpoints. Tokens without those mechanisms (many
 * v2.40 tokens) cannot hold it; `supportsEd25519` says which. pkcs11js
 * predates v3.0, so the constants are spelled out here.
 */
import { randomBytes } from 'node:crypto';
import { CustodianError } from '../errors';
import { encodeOid, readElement, tlv } from '../pki/der';
import { TokenCodes } from './codes';
import { pkcs11Binding } from './pkcs11-module';
import type { TokenSession } from './token-session';

export const CKK_EC_EDWARDS = 0x40;
export const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
export const CKM_EDDSA = 0x1057;
const ED25519_OID = '1.3.101.112';

export async function supportsEd25519(session: TokenSession): Promise<boolean> {
  const m = await session.mechanisms();
  return m.includes(CKM_EC_EDWARDS_KEY_PAIR_GEN) && m.includes(CKM_EDDSA);
}

export class Ed25519TokenKey {
  /** The raw 32-byte public key (RFC 8032). */
  readonly publicKey: Uint8Array;
  readonly idHex: string;
  readonly #session: TokenSession;
  readonly #handle: Buffer;

  private constructor(session: TokenSession, handle: Buffer, publicKey: Uint8Array, idHex: string) {
    this.#session = session;
    this.#handle = handle;
    this.publicKey = publicKey;
    this.idHex = idHex;
  }

  /** Generate a non-extractable Ed25519 pair on the (logged-in) token; TOKEN_MECHANISM_UNSUPPORTED when it has no EdDSA. */
  static async generate(session: TokenSession, label: string): Promise<Ed25519TokenKey> {
    if (!(await supportsEd25519(session))) {
      throw new CustodianError(TokenCodes.MECHANISM_UNSUPPORTED, `the token "${session.identity.label}" offers no Ed25519 (CKM_EDDSA)`, { token: session.identity.label });
    }
    const id = randomBytes(16);
    return session.run('generating an Ed25519 key', async (lib, s) => {
      const b = pkcs11Binding();
      const common = [{ type: b.CKA_TOKEN, value: true }, { type: b.CKA_KEY_TYPE, value: CKK_EC_EDWARDS }, { type: b.CKA_ID, value: id }, { type: b.CKA_LABEL, value: label }];
      const pair = await lib.C_GenerateKeyPairAsync(
        s,
        { mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN },
        [...common, { type: b.CKA_CLASS, value: b.CKO_PUBLIC_KEY }, { type: b.CKA_EC_PARAMS, value: Buffer.from(tlv(0x06, encodeOid(ED25519_OID))) }, { type: b.CKA_VERIFY, value: true }],
        [...common, { type: b.CKA_CLASS, value: b.CKO_PRIVATE_KEY }, { type: b.CKA_PRIVATE, value: true }, { type: b.CKA_SENSITIVE, value: true }, { type: b.CKA_EXTRACTABLE, value: false }, { type: b.CKA_SIGN, value: true }],
      );
      const [point] = lib.C_GetAttributeValue(s, pair.publicKey, [{ type: b.CKA_EC_POINT }]).map((a) => (a.value as Buffer | undefined) ?? Buffer.alloc(0));
      // CKA_EC_POINT: the 32 bytes, DER OCTET STRING wrapped (some tokens give them bare).
      const raw = point!.length === 32 ? point! : readElement(point!).content;
      if (raw.length !== 32) throw new CustodianError(TokenCodes.KEY_UNSUITABLE, 'the token returned an Ed25519 public key that is not 32 bytes', { token: session.identity.label });
      return new Ed25519TokenKey(session, pair.privateKey, new Uint8Array(raw), id.toString('hex'));
    });
  }

  /** The Ed25519 pair with CKA_ID `idHex` on the (logged-in) token; TOKEN_KEY_NOT_FOUND when it is not there. */
  static async find(session: TokenSession, idHex: string): Promise<Ed25519TokenKey> {
    const id = Buffer.from(idHex, 'hex');
    return session.run('finding an Ed25519 key', (lib, s) => {
      const b = pkcs11Binding();
      const one = (cls: number): Buffer | null => {
        lib.C_FindObjectsInit(s, [{ type: b.CKA_CLASS, value: cls }, { type: b.CKA_KEY_TYPE, value: CKK_EC_EDWARDS }, { type: b.CKA_ID, value: id }]);
        try {
          const found = lib.C_FindObjects(s, 2);
          return found.length === 1 ? found[0]! : null;
        } finally {
          lib.C_FindObjectsFinal(s);
        }
      };
      const priv = one(b.CKO_PRIVATE_KEY);
      const pub = one(b.CKO_PUBLIC_KEY);
      if (!priv || !pub) throw new CustodianError(TokenCodes.KEY_NOT_FOUND, `the token "${session.identity.label}" holds no Ed25519 key with id ${idHex}`, { token: session.identity.label, id: idHex });
      const [point] = lib.C_GetAttributeValue(s, pub, [{ type: b.CKA_EC_POINT }]).map((a) => (a.value as Buffer | undefined) ?? Buffer.alloc(0));
      const raw = point!.length === 32 ? point! : readElement(point!).content;
      if (raw.length !== 32) throw new CustodianError(TokenCodes.KEY_UNSUITABLE, 'the token returned an Ed25519 public key that is not 32 bytes', { token: session.identity.label });
      return new Ed25519TokenKey(session, priv, new Uint8Array(raw), idHex);
    });
  }

  /**
   * The same signature at once (no queue), for the ledger's synchronous
   * checkpoints: the key's session must be its own (TokenSession.runNow).
   */
  signNow(message: Uint8Array): Uint8Array {
    return this.#session.runNow('signing with Ed25519', (lib, s) => {
      lib.C_SignInit(s, { mechanism: CKM_EDDSA }, this.#handle);
      return new Uint8Array(lib.C_Sign(s, Buffer.from(message), Buffer.alloc(64)));
    });
  }

  /** A pure Ed25519 signature (64 bytes) over `message`, queued on the session. */
  sign(message: Uint8Array): Promise<Uint8Array> {
    return this.#session.run('signing with Ed25519', async (lib, s) => {
      lib.C_SignInit(s, { mechanism: CKM_EDDSA }, this.#handle);
      return new Uint8Array(await lib.C_SignAsync(s, Buffer.from(message), Buffer.alloc(64)));
    });
  }
}
