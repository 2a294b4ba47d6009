/**
 * The auditor's cosigning key (Ed25519, C2SP tlog-cosignature v1, type 0x04).
 * Stored as `<dir>/cosigner.key` (PKCS#8 DER, mode 0600) and `<dir>/cosigner.vkey`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { INPUT_LIMITS, readBoundedSync } from '../bounded-read';
import { CustodianError, isCustodianError } from '../errors';
import { InputCodes } from '../input-codes';
import { AuditCodes } from './codes';
import { addCosignature, ed25519Cosigner, type Cosigner } from './checkpoint';
import { atomicWrite, nodeIo } from './files';
import { generateEd25519, parseVkey, privateKeyFromPkcs8 } from './note';

export function createCosignerKey(dir: string, name: string): Cosigner {
  mkdirSync(dir, { recursive: true });
  if (existsSync(join(dir, 'cosigner.key'))) throw new CustodianError(AuditCodes.INPUT_INVALID, 'a cosigner key already exists', { dir });
  const { privateKey } = generateEd25519();
  const cosigner = ed25519Cosigner(name, privateKey);
  atomicWrite(nodeIo, join(dir, 'cosigner.key'), privateKey.export({ format: 'der', type: 'pkcs8' }), 0o600);
  atomicWrite(nodeIo, join(dir, 'cosigner.vkey'), Buffer.from(`${cosigner.vkey}\n`));
  return cosigner;
}

export function loadCosigner(dir: string): Cosigner {
  try {
    const { name } = parseVkey(readBoundedSync(join(dir, 'cosigner.vkey'), { limit: INPUT_LIMITS.note, what: 'cosigner vkey file' }).toString('utf8'));
    return ed25519Cosigner(name, privateKeyFromPkcs8(readBoundedSync(join(dir, 'cosigner.key'), { limit: INPUT_LIMITS.key, what: 'cosigner key file' })));
  } catch (e) {
    if (isCustodianError(e, InputCodes.TOO_LARGE)) throw e;
    throw new CustodianError(AuditCodes.INPUT_INVALID, `cannot load the cosigner key in ${dir}`, { dir }, { cause: e });
  }
}

/** Cosign a station checkpoint the audit accepted; the result goes back to the station. */
export function cosignCheckpoint(note: string, cosigner: Cosigner, timestamp?: number): string {
  return addCosignature(note, cosigner, timestamp);
}
