/**
 * Key handling for the ceremonies: create a CA key and seal it in the vault,
 * unlock it from the vault, and bring in an existing OpenSSL key. The clear
 * PKCS#8 exists only transiently and is zeroed; what stays in memory is a
 * non-extractable CryptoKey.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { CustodianError } from '../errors';
import { exportPkcs8, exportSpki, fingerprintSha256, generateKeyPair, importPrivateKeyPkcs8, CA_KEY_SPECS, type CaKeySpec } from '../pki/index';
import { openKeyFile, sealKeyFile } from '../vault/index';
import { AuthorityCodes } from './codes';
import type { LoadedKey } from './context';

export function assertKeySpec(spec: string): asserts spec is CaKeySpec {
  if (!(CA_KEY_SPECS as readonly string[]).includes(spec)) {
    throw new CustodianError(AuthorityCodes.BAD_INPUT, `key spec must be one of ${CA_KEY_SPECS.join(', ')}`, { keySpec: spec });
  }
}

/** Generate a CA key, seal it at `keyFile`, return it re-imported as non-extractable. */
export async function createSealedKey(keyFile: string, spec: CaKeySpec, passphrase: string, logN: number): Promise<LoadedKey & { spki: Uint8Array }> {
  assertKeySpec(spec);
  const pair = await generateKeyPair(spec, { extractable: true });
  const der = await exportPkcs8(pair.privateKey);
  try {
    await sealKeyFile(keyFile, der, passphrase, { logN });
    const loaded = await importPrivateKeyPkcs8(der, { extractable: false });
    return { ...loaded, spki: await exportSpki(loaded.publicKey) };
  } finally {
    der.fill(0);
  }
}

/** Unlock the sealed key as a non-extractable CryptoKey. */
export async function unlockSealedKey(keyFile: string, passphrase: string): Promise<LoadedKey & { spki: Uint8Array }> {
  const loaded = await openKeyFile(keyFile, passphrase, (der) => importPrivateKeyPkcs8(der, { extractable: false }));
  return { ...loaded, spki: await exportSpki(loaded.publicKey) };
}

/**
 * Parse an existing private key PEM as OpenSSL writes it (PKCS#8 `PRIVATE
 * KEY`, SEC1 `EC PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`), seal it as PKCS#8 at
 * `keyFile`, and return it as a non-extractable CryptoKey.
 */
export async function importExistingKey(keyPem: Uint8Array, keyFile: string, passphrase: string, logN: number): Promise<LoadedKey & { spki: Uint8Array }> {
  const text = Buffer.from(keyPem.buffer, keyPem.byteOffset, keyPem.byteLength);
  if (text.includes('ENCRYPTED') ) {
    throw new CustodianError(AuthorityCodes.KEY_UNREADABLE, 'the key file is passphrase-protected PEM; decrypt it first (openssl pkey -in key.pem -out clear.pem) on this air-gapped station', {});
  }
  let ko: KeyObject;
  try {
    ko = createPrivateKey({ key: text, format: 'pem' });
  } catch (e) {
    throw new CustodianError(AuthorityCodes.KEY_UNREADABLE, 'not a readable PEM private key (expected PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY)', {}, { cause: e });
  }
  const der = ko.export({ type: 'pkcs8', format: 'der' });
  try {
    // Check the type before writing anything (throws KEY_UNSUPPORTED_SPEC).
    await importPrivateKeyPkcs8(der, { extractable: false });
    await sealKeyFile(keyFile, der, passphrase, { logN });
    const loaded = await importPrivateKeyPkcs8(der, { extractable: false });
    return { ...loaded, spki: await exportSpki(loaded.publicKey) };
  } finally {
    der.fill(0);
  }
}

/** SPKI DER of a private key PEM, without keeping the key. */
export function spkiOfPrivateKeyPem(keyPem: Uint8Array): Uint8Array {
  try {
    const pub = createPublicKey({ key: Buffer.from(keyPem.buffer, keyPem.byteOffset, keyPem.byteLength), format: 'pem' });
    return new Uint8Array(pub.export({ type: 'spki', format: 'der' }));
  } catch (e) {
    throw new CustodianError(AuthorityCodes.KEY_UNREADABLE, 'not a readable PEM private key (expected PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY; encrypted PEM is not accepted)', {}, { cause: e });
  }
}

export const spkiSha256 = (spki: Uint8Array): string => fingerprintSha256(spki);
