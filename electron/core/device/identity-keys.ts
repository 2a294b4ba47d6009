/**
 * The device identity public keys a brand owner supplies, so the station can
 * check a device's key attestation before it signs: a JSON object from the
 * device's identity name (an nRF91 modem's UUID, lower-case 8-4-4-4-12) to its
 * identity public key as SPKI PEM (P-256, the modem's identity key kind).
 *
 *   { "50503041-3633-4261-803d-1e2b8f70111a": "-----BEGIN PUBLIC KEY-----\n…" }
 */
import { CustodianError, isCustodianError } from '../errors';
import { fromPem } from '../pki/pem';
import { keyInfoFromSpki } from '../pki/keys';
import { DeviceErrorCodes } from './codes';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const invalid = (reason: string, entry?: string): CustodianError =>
  new CustodianError(DeviceErrorCodes.DEVICE_IDENTITY_KEYS_INVALID, `the device identity keys file is not usable: ${reason}`, {
    reason,
    ...(entry !== undefined ? { entry: entry.slice(0, 64) } : {}),
  });

export function parseIdentityKeys(bytes: Uint8Array): ReadonlyMap<string, Uint8Array> {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw invalid('it is not JSON');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw invalid('it is not a JSON object of UUID → public key PEM');
  const out = new Map<string, Uint8Array>();
  for (const [name, value] of Object.entries(doc as Record<string, unknown>)) {
    const uuid = name.toLowerCase();
    if (!UUID.test(uuid)) throw invalid(`the name ${JSON.stringify(name.slice(0, 64))} is not a UUID`, name);
    if (out.has(uuid)) throw invalid(`the device ${uuid} is listed twice`, name);
    if (typeof value !== 'string') throw invalid(`the key of ${uuid} is not a PEM string`, name);
    let blocks;
    try {
      blocks = fromPem(value);
    } catch {
      throw invalid(`the key of ${uuid} is not PEM`, name);
    }
    if (blocks.length !== 1 || blocks[0]!.label !== 'PUBLIC KEY') throw invalid(`the key of ${uuid} is not one PUBLIC KEY block`, name);
    const spki = blocks[0]!.der;
    try {
      const info = keyInfoFromSpki(spki);
      if (info.kind !== 'EC' || info.curve !== 'P-256') throw invalid(`the key of ${uuid} is ${info.kind === 'EC' ? info.curve : `RSA-${info.bits}`}, not P-256`, name);
    } catch (e) {
      if (isCustodianError(e, DeviceErrorCodes.DEVICE_IDENTITY_KEYS_INVALID)) throw e;
      throw invalid(`the key of ${uuid} is not a public key the station reads`, name);
    }
    out.set(uuid, spki);
  }
  return out;
}
