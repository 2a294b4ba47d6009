/**
 * The upstream root a station belongs to. A subordinate station must know
 * it before it accepts a bundle: otherwise a chain that ends in any
 * self-signed root named like the real one would activate it. The officer
 * gives the root certificate from the upstream hand-over, or its SHA-256
 * fingerprint, at `request` or at `import`; the authority metadata keeps it
 * (docs/ceremonies.md §The upstream root).
 *
 *   no root pinned, none given ............................ AUTHORITY_ROOT_NOT_PINNED
 *   a root given that differs from the one pinned, or a
 *     bundle whose chain ends in another root ............. AUTHORITY_ROOT_MISMATCH
 *   the root file is not one self-signed CA certificate,
 *     or the fingerprint is not 64 hex digits ............. AUTHORITY_ROOT_INVALID
 */
import { CustodianError } from '../errors';
import { fromPem, readCertificate, signatureVerifies, validateChain, type CertificateFacts, type ChainReport } from '../pki/index';
import { AuthorityCodes } from './codes';
import type { AuthorityMeta } from './store';

/** The root as the officer gives it: its certificate (PEM or DER), or the SHA-256 of its DER. */
export type RootPinInput = { certificate: string | Uint8Array } | { sha256: string };

export type PinnedRoot = NonNullable<AuthorityMeta['pinnedRoot']>;

const selfIssued = (c: CertificateFacts): boolean => Buffer.from(c.subjectDer).equals(Buffer.from(c.issuerDer));

const invalid = (message: string, details: Record<string, unknown> = {}): CustodianError =>
  new CustodianError(AuthorityCodes.ROOT_INVALID, message, details);

/**
 * Lowercase hex of a SHA-256 fingerprint as people copy it: 64 hex digits,
 * in either case, optionally in colon-separated pairs (OpenSSL's
 * `-fingerprint -sha256`), optionally after OpenSSL's `sha256 Fingerprint=`.
 */
export function normalizeSha256(text: string): string {
  const t = text.trim().replace(/^sha-?256 fingerprint=/i, '');
  const hex = /^[0-9a-f]{64}$/i.test(t) ? t : /^[0-9a-f]{2}(?::[0-9a-f]{2}){31}$/i.test(t) ? t.replace(/:/g, '') : null;
  if (hex === null) throw invalid('the root fingerprint must be a SHA-256: 64 hex digits, optionally in colon-separated pairs', { length: t.length });
  return hex.toLowerCase();
}

function readRootCertificate(input: string | Uint8Array): CertificateFacts {
  let ders: Uint8Array[];
  try {
    if (typeof input !== 'string' && input.length > 0 && input[0] === 0x30) ders = [input];
    else ders = fromPem(typeof input === 'string' ? input : Buffer.from(input).toString('latin1'), 'CERTIFICATE').map((b) => b.der);
  } catch (e) {
    throw invalid(`the root file is not a readable certificate: ${(e as Error).message}`);
  }
  if (ders.length !== 1) throw invalid(`the root file must hold exactly one certificate, the upstream root; it holds ${ders.length}`, { certificates: ders.length });
  let c: CertificateFacts;
  try {
    c = readCertificate(ders[0]!);
  } catch {
    throw invalid('the root file is not a readable certificate');
  }
  if (!selfIssued(c) || !signatureVerifies(c.der, c.spki)) {
    throw invalid(`${c.subject} is not a self-signed root certificate (issued by ${c.issuer})`, { subject: c.subject, fingerprintSha256: c.fingerprintSha256 });
  }
  if (c.basicConstraints?.ca !== true) throw invalid(`${c.subject} is not a CA certificate`, { subject: c.subject, fingerprintSha256: c.fingerprintSha256 });
  return c;
}

/** Check what the officer gave and turn it into the pin the metadata keeps. */
export function pinFrom(input: RootPinInput, now: Date): PinnedRoot {
  if ('certificate' in input) {
    const c = readRootCertificate(input.certificate);
    return { sha256: c.fingerprintSha256, subject: c.subject, certificate: Buffer.from(c.der).toString('base64'), pinnedAt: now.toISOString() };
  }
  return { sha256: normalizeSha256(input.sha256), subject: null, certificate: null, pinnedAt: now.toISOString() };
}

/**
 * The pin an import goes by: the one stored at `request`, the one given at import,
 * or both when they agree (the certificate kept from whichever has it).
 */
export function resolvePin(stored: PinnedRoot | null | undefined, given: RootPinInput | undefined, now: Date): PinnedRoot {
  const fresh = given === undefined ? null : pinFrom(given, now);
  if (!stored && !fresh) {
    throw new CustodianError(
      AuthorityCodes.ROOT_NOT_PINNED,
      'this station does not know which root it belongs to: give the upstream root certificate (--root <file>) or its SHA-256 (--root-sha256 <hex>), taken from the upstream hand-over, not from the bundle',
      {},
    );
  }
  if (!stored) return fresh!;
  if (!fresh) return stored;
  if (stored.sha256 !== fresh.sha256) {
    throw new CustodianError(
      AuthorityCodes.ROOT_MISMATCH,
      `the root given at import (SHA-256 ${fresh.sha256}) is not the root pinned when the request was made (SHA-256 ${stored.sha256})`,
      { pinnedSha256: stored.sha256, givenSha256: fresh.sha256 },
    );
  }
  return stored.certificate !== null ? stored : { ...fresh, pinnedAt: stored.pinnedAt };
}

/** AUTHORITY_ROOT_MISMATCH for a bundle that ends in `roots` instead of the pinned root. */
export function rootMismatch(pin: PinnedRoot, roots: readonly CertificateFacts[]): CustodianError {
  const names = roots.map((r) => `${r.subject} (SHA-256 ${r.fingerprintSha256})`).join('; ');
  return new CustodianError(
    AuthorityCodes.ROOT_MISMATCH,
    `the bundle's chain ends in ${names}, not in the pinned root${pin.subject ? ` ${pin.subject}` : ''} (SHA-256 ${pin.sha256}): it was not issued under the root this station belongs to`,
    { pinnedSha256: pin.sha256, bundleRootSha256: roots.map((r) => r.fingerprintSha256), bundleRootSubjects: roots.map((r) => r.subject) },
  );
}

/**
 * Validate the bundle's chain for `leaf` with the pinned root as the only
 * trust anchor: the bundle's copy of it, or the pinned certificate when the
 * bundle leaves the root out. Other self-signed certificates in the bundle
 * are never anchors; when the chain validates to one of them instead, the
 * refusal is AUTHORITY_ROOT_MISMATCH naming both fingerprints. Returns the
 * report and every certificate the path may use, by fingerprint.
 */
export function validateUnderPin(
  pin: PinnedRoot, leaf: CertificateFacts, certs: readonly CertificateFacts[], at: Date,
): { report: ChainReport; byFingerprint: Map<string, CertificateFacts> } {
  const byFingerprint = new Map(certs.map((c) => [c.fingerprintSha256, c]));
  const bundleRoots = certs.filter(selfIssued);
  const alien = bundleRoots.filter((c) => c.fingerprintSha256 !== pin.sha256);
  let anchor = bundleRoots.find((c) => c.fingerprintSha256 === pin.sha256);
  if (!anchor && pin.certificate !== null) {
    anchor = readCertificate(Buffer.from(pin.certificate, 'base64'));
    byFingerprint.set(anchor.fingerprintSha256, anchor);
  }
  if (!anchor) {
    if (alien.length > 0) throw rootMismatch(pin, alien);
    throw new CustodianError(
      AuthorityCodes.CHAIN_NO_ROOT,
      `the bundle does not reach a root: it must end with the pinned root certificate (SHA-256 ${pin.sha256}), or give that certificate with --root`,
      { pinnedSha256: pin.sha256, bundleSubjects: certs.map((c) => c.subject) },
    );
  }
  const intermediates = certs.filter((c) => c !== leaf && !selfIssued(c)).map((c) => c.der);
  const input = { leaf: leaf.der, intermediates, at, expectLeaf: 'ca' as const };
  try {
    return { report: validateChain({ ...input, roots: [anchor.der] }), byFingerprint };
  } catch (e) {
    // A chain that holds up under another root of the bundle was issued under that root: say so.
    let other: ChainReport | null = null;
    if (alien.length > 0) {
      try { other = validateChain({ ...input, roots: alien.map((c) => c.der) }); } catch { other = null; }
    }
    if (other) throw rootMismatch(pin, [byFingerprint.get(other.path[other.path.length - 1]!.fingerprintSha256)!]);
    throw e;
  }
}
