/**
 * The per-station ledger signing key: Ed25519, dedicated to checkpoints (never
 * the CA key). Stored as an unencrypted PKCS#8 DER file with mode 0600 next to
 * the ledger (not sealed in the vault); the
 * public half is exported as a C2SP vkey (`ledger.vkey`).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { CustodianError } from '../errors';
import { LedgerCodes } from './codes';
import { ed25519Signer, generateEd25519, privateKeyFromPkcs8, type NoteSigner } from './note';
import { atomicWrite, nodeIo, type LedgerIo } from './files';

export const KEY_FILE = 'ledger.key';
export const VKEY_FILE = 'ledger.vkey';

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

/** Load the ledger key; refuses a key file readable by group or others. */
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

export function readVkey(dir: string): string {
  return readFileSync(join(dir, VKEY_FILE), 'utf8').trim();
}
