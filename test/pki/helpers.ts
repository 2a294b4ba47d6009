/** Shared helpers for the pki tests (not a test file itself). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { isCustodianError } from '../../electron/core/errors';
import type { CryptoKey } from '../../electron/core/pki/crypto';
import { buildCertificate } from '../../electron/core/pki/certificate-builder';
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  keyIdentifierFromPublicKeyBits,
  keyUsageExtension,
  subjectKeyIdentifierExtension,
  extendedKeyUsageExtension,
  type KeyUsageName,
} from '../../electron/core/pki/extensions';
import { describeSpki, fromPem, importPrivateKeyPkcs8, encodeName, exportSpki, type RandomSource } from '../../electron/core/pki/index';
import { Oid } from '../../electron/core/pki/oids';

export const FIXTURES = fileURLToPath(new URL('../fixtures/pki/', import.meta.url));

export function fixtureDer(name: string): Uint8Array {
  return fromPem(readFileSync(join(FIXTURES, name), 'utf8'))[0]!.der;
}

export async function fixtureKey(name: string) {
  return importPrivateKeyPkcs8(fixtureDer(`${name}.pkcs8.pem`), { extractable: false });
}

export function tempDir(prefix = 'custodian-pki-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function openssl(args: string[], cwd: string, input?: Uint8Array): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('/usr/bin/openssl', args, { cwd, input, encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Deterministic "random" bytes: byte i of the stream is (seed + i) mod 256. */
export function countingRandom(seed = 0): RandomSource {
  let next = seed;
  return (n) => Uint8Array.from({ length: n }, () => next++ & 0xff);
}

export async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  let caught: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected CustodianError ${code}, nothing was thrown`).toBeDefined();
  if (!isCustodianError(caught)) throw caught;
  expect({ code: caught.code, message: caught.message }).toMatchObject({ code });
}

export const hex = (b: Uint8Array | ArrayBuffer): string => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString('hex');

export interface RawCertSpec {
  subjectCN: string;
  issuerCN: string;
  subjectKey: CryptoKey | Uint8Array;
  signingKey: CryptoKey;
  issuerKey: CryptoKey | Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** undefined → no basicConstraints extension at all */
  ca?: boolean;
  pathLen?: number;
  /** undefined → no keyUsage extension at all */
  keyUsage?: KeyUsageName[];
  clientAuth?: boolean;
  /** override the AKI bytes */
  aki?: Uint8Array;
  serial?: Uint8Array;
}

const spkiOf = async (k: CryptoKey | Uint8Array): Promise<Uint8Array> => (k instanceof Uint8Array ? k : exportSpki(k));

/**
 * Builds any certificate, including ones the issuer refuses to make (for
 * validator tests), with the policy-free low-level builder.
 */
export async function rawCert(s: RawCertSpec): Promise<Uint8Array> {
  const spki = await spkiOf(s.subjectKey);
  const issuerSpki = await spkiOf(s.issuerKey);
  const ski = keyIdentifierFromPublicKeyBits(describeSpki(spki).publicKeyBits);
  const aki = s.aki ?? keyIdentifierFromPublicKeyBits(describeSpki(issuerSpki).publicKeyBits);
  const extensions = [
    ...(s.ca !== undefined ? [basicConstraintsExtension(s.ca, s.pathLen, true)] : []),
    ...(s.keyUsage ? [keyUsageExtension(s.keyUsage, true)] : []),
    ...(s.clientAuth ? [extendedKeyUsageExtension([Oid.clientAuth], false)] : []),
    subjectKeyIdentifierExtension(ski),
    authorityKeyIdentifierExtension(aki),
  ];
  const hash = s.signingKey.algorithm.name === 'ECDSA' && (s.signingKey.algorithm as { namedCurve?: string }).namedCurve === 'P-384' ? 'SHA-384' : 'SHA-256';
  const { der } = await buildCertificate(
    {
      serial: s.serial ?? Uint8Array.of(0x01, Math.floor(Math.random() * 200) + 1),
      issuerName: encodeName({ commonName: s.issuerCN }),
      subjectName: encodeName({ commonName: s.subjectCN }),
      notBefore: s.notBefore,
      notAfter: s.notAfter,
      spki,
      extensions,
      signatureHash: hash,
    },
    s.signingKey,
  );
  return der;
}
