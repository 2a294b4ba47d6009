/**
 * The per-station checkpoint key: Ed25519, dedicated to checkpoints (never
 * the CA key); its public half is the C2SP vkey in `ledger.vkey`. Where the
 * private key is kept (`LedgerKeyPlacement`):
 *
 *   token   on the authority's PKCS#11 token; `ledger.key.uri` names it
 *   sealed  `ledger.key.age`: PKCS#8 sealed by the vault (age v1 / scrypt)
 *           under the authority's passphrase, opened when the authority unlocks
 *           (both kept by electron/core/line/ledger-key.ts: the ledger knows no vault)
 *   plain   `ledger.key`: unencrypted PKCS#8, mode 0600, from stations made
 *           before sealed keys; `custodian ledger seal-key` moves it away
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { CustodianError } from '../errors';
import { LedgerCodes } from './codes';
import { ed25519Signer, generateEd25519, privateKeyFromPkcs8, type NoteSigner } from './note';
import { atomicWrite, nodeIo, type LedgerIo } from './files';

export const KEY_FILE = 'ledger.key';
export const SEALED_KEY_FILE = 'ledger.key.age';
export const TOKEN_KEY_FILE = 'ledger.key.uri';
export const VKEY_FILE = 'ledger.vkey';

export type LedgerKeyPlacement = 'token' | 'sealed' | 'plain' | 'none';

/** The command that moves a plain key into the vault or the token (named wherever a plain key is reported). */
export const SEAL_KEY_COMMAND = 'custodian ledger seal-key';

/** Where this ledger's checkpoint key is kept; a sealed or token key wins over a plain file left by an interrupted seal-key. */
export function ledgerKeyPlacement(dir: string): LedgerKeyPlacement {
  if (existsSync(join(dir, TOKEN_KEY_FILE))) return 'token';
  if (existsSync(join(dir, SEALED_KEY_FILE))) return 'sealed';
  if (existsSync(join(dir, KEY_FILE))) return 'plain';
  return 'none';
}

/** A plain key file, for stations made before sealed keys (and tests of them). */
export function createLedgerKey(dir: string, origin: string, io: LedgerIo = nodeIo): NoteSigner {
  const path = join(dir, KEY_FILE);
  if (existsSync(path)) throw new CustodianError(LedgerCodes.EXISTS, 'a ledger key already exists', { path });
  const { privateKey } = generateEd25519();
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  atomicWrite(io, path, der, 0o600);
  const signer = ed25519Signer(origin, privateKey);
  atomicWrite(io, join(dir, VKEY_FILE), Buffer.from(`${signer.vkey}\n`));
  return signer;
}

/** Load the plain ledger key; refuses a key file readable by group or others. */
export function loadLedgerKey(dir: string, origin: string): NoteSigner {
  const path = join(dir, KEY_FILE);
  let key: KeyObject;
  try {
    if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
      throw new CustodianError(LedgerCodes.KEY_INVALID, 'ledger key file must be mode 0600', { path });
    }
    key = privateKeyFromPkcs8(readFileSync(path));
  } catch (e) {
    if (e instanceof CustodianError) throw e;
    throw new CustodianError(LedgerCodes.KEY_INVALID, 'cannot read the ledger key', { path }, { cause: e });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new CustodianError(LedgerCodes.KEY_INVALID, 'ledger key is not Ed25519', { path });
  return ed25519Signer(origin, key);
}

/** Remove the plain key file once a rotation has put a sealed or token key in force. */
export function removePlainLedgerKey(dir: string): void {
  rmSync(join(dir, KEY_FILE), { force: true });
}

export function readVkey(dir: string): string {
  return readFileSync(join(dir, VKEY_FILE), 'utf8').trim();
}
