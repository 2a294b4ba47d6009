// @peculiar/x509 relies on decorator metadata: reflect-metadata must be loaded
// before the library. Every pki module imports x509 from here, never directly.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };
export const subtle = webcrypto.subtle;
export const crypto = webcrypto;
