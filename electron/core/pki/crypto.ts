// @peculiar/x509 relies on decorator metadata: reflect-metadata must be loaded
// before the library. Every pki module imports x509 from here, never directly.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
export const subtle = webcrypto.subtle;
export const crypto = webcrypto;

// The node tsconfig has no DOM lib: WebCrypto types come from node:crypto.
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;
export type EcKeyAlgorithm = webcrypto.EcKeyAlgorithm;
export type RsaHashedKeyAlgorithm = webcrypto.RsaHashedKeyAlgorithm;
export type EcKeyImportParams = webcrypto.EcKeyImportParams;
export type RsaHashedImportParams = webcrypto.RsaHashedImportParams;
export type RsaHashedKeyGenParams = webcrypto.RsaHashedKeyGenParams;
export type WebCryptoKeyUsage = webcrypto.KeyUsage;
export type BufferSource = webcrypto.BufferSource;
