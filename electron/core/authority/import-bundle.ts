/**
 * Ceremony: activate this station with the bundle its upstream custodian
 * signed (the certificate for our pending key + the chain to the root), or
 * migrate an existing CA (an OpenSSL-made key + its bundle) into the vault.
 *
 * Checks, each with its own code:
 *   the station knows its upstream root (root-pin.ts) ... AUTHORITY_ROOT_NOT_PINNED
 *   a certificate in the bundle is for our key .......... AUTHORITY_KEY_MISMATCH
 *   the bundle ends in a self-signed root ............... AUTHORITY_CHAIN_NO_ROOT
 *   that root is the pinned one ......................... AUTHORITY_ROOT_MISMATCH
 *   the chain verifies (signatures, CA, keyCertSign,
 *     pathLen, validity nesting, now valid) ............. CHAIN_* (pki validator)
 *   the issuer leaves path length room for a CA ......... AUTHORITY_PATHLEN_NO_ROOM
 *   our declared pathLen fits under the issuer's ........ CHAIN_PATHLEN_EXCEEDED
 *   no name on the path holds an unsafe character ....... PROFILE_UNSAFE_NAME_CHARACTER
 *   no name on the path repeats one above it ............ AUTHORITY_SUBJECT_DUPLICATES_ISSUER
 */
import { CustodianError } from '../errors';
import { Oid, assertSafeName, fromPem, nameAttribute, pathLenRoom, readCertificate, signatureVerifies, PkiCodes, type CertificateFacts, type ChainLink } from '../pki/index';
import { AuthorityCodes } from './codes';
import type { AuthorityContext } from './context';
import { assertNoAuthority } from './init-root';
import { importExistingKey, spkiOfPrivateKeyPem, spkiSha256 } from './keys';
import { resolvePin, validateUnderPin, type RootPinInput } from './root-pin';
import { assertDistinctNames } from './subject';
import { AUTHORITY_FORMAT } from './store';

export interface ImportBundleParams {
  /** An existing CA private key (PEM: PKCS#8, SEC1 or PKCS#1) to migrate into the vault with this bundle. */
  key?: Uint8Array | string;
  /** With `key`: the new passphrase to seal it under (≥ 8 characters). */
  passphrase?: string;
  /**
   * The upstream root from the hand-over (its certificate or SHA-256).
   * Required unless `authority request` pinned one; when both are given they must agree.
   */
  root?: RootPinInput;
}

export interface ImportBundleResult {
  kind: 'root' | 'subordinate';
  subject: string;
  fingerprint: string;
  notAfter: Date;
  /** This CA first, root last. */
  chain: ChainLink[];
  keyImported: boolean;
  /** Non-fatal observations (e.g. expiring soon, extra certificates ignored). */
  warnings: string[];
  /** The pinned root and the root the chain ends in (equal, or the import was refused). */
  root: { pinnedSha256: string; chainSha256: string; pinnedBy: 'certificate' | 'sha256' };
}

const DAY_MS = 86_400_000;

export function parseBundle(bundle: string | Uint8Array): CertificateFacts[] {
  let ders: Uint8Array[];
  try {
    if (typeof bundle !== 'string' && bundle.length > 0 && bundle[0] === 0x30) ders = [bundle];
    else ders = fromPem(typeof bundle === 'string' ? bundle : Buffer.from(bundle).toString('latin1'), 'CERTIFICATE').map((b) => b.der);
  } catch (e) {
    throw new CustodianError(AuthorityCodes.BUNDLE_MALFORMED, `the bundle's PEM is broken: ${(e as Error).message}`, {}, { cause: e });
  }
  if (ders.length === 0) throw new CustodianError(AuthorityCodes.BUNDLE_MALFORMED, 'the bundle holds no CERTIFICATE', {});
  return ders.map((d, i) => {
    try {
      return readCertificate(d);
    } catch (e) {
      throw new CustodianError(AuthorityCodes.BUNDLE_MALFORMED, `certificate #${i + 1} of the bundle is not readable`, { index: i }, { cause: e });
    }
  });
}

const selfSignatureVerifies = (c: CertificateFacts): boolean => signatureVerifies(c.der, c.spki);

export interface CheckedBundle {
  /** The certificate for our key. */
  leaf: CertificateFacts;
  /** Our certificate first, root last. */
  path: CertificateFacts[];
  kind: 'root' | 'subordinate';
  report: ReturnType<typeof validateUnderPin>['report'];
  anchor: CertificateFacts;
  warnings: string[];
}

/** Every check of the header table on a bundle for the key `ourSpki`, under the pinned root. */
export function checkSignedBundle(certs: CertificateFacts[], ourSpki: Uint8Array, pin: ReturnType<typeof resolvePin>, now: Date, noLeafMessage: string): CheckedBundle {
  const leaf = certs.find((c) => Buffer.from(c.spki).equals(Buffer.from(ourSpki)));
  if (!leaf) {
    throw new CustodianError(AuthorityCodes.KEY_MISMATCH, noLeafMessage, {
      expectedSpkiSha256: spkiSha256(ourSpki),
      bundleSubjects: certs.map((c) => c.subject),
    });
  }
  const { report, byFingerprint } = validateUnderPin(pin, leaf, certs, now);
  const path = report.path.map((l) => byFingerprint.get(l.fingerprintSha256)!);
  const anchor = path[path.length - 1]!;
  if (!selfSignatureVerifies(anchor)) {
    throw new CustodianError(PkiCodes.CHAIN_SIGNATURE_INVALID, `the root ${anchor.subject} is not validly self-signed`, { subject: anchor.subject, fingerprintSha256: anchor.fingerprintSha256 });
  }
  // Every name on the path becomes part of what this station signs and shows.
  for (const c of path) assertSafeName(c.subjectDer, { where: `the subject of ${c.fingerprintSha256.slice(0, 16)}… in the bundle:` });
  assertDistinctNames(path);
  const kind: 'root' | 'subordinate' = path.length === 1 ? 'root' : 'subordinate';
  if (kind === 'subordinate') {
    const parentRoom = pathLenRoom(path.slice(1).map((c) => c.der));
    if (parentRoom !== null && parentRoom < 1) {
      throw new CustodianError(AuthorityCodes.PATHLEN_NO_ROOM, `${path[1]!.subject} leaves no path length room for a CA below it: this certificate could sign nothing that validates`, { issuer: path[1]!.subject, room: parentRoom });
    }
    const declared = leaf.basicConstraints?.pathLen;
    if (parentRoom !== null && declared !== undefined && declared > parentRoom - 1) {
      throw new CustodianError(PkiCodes.CHAIN_PATHLEN_EXCEEDED, `the certificate declares pathLen ${declared} but its chain allows at most ${parentRoom - 1}`, { declared, allowed: parentRoom - 1 });
    }
  }
  const warnings: string[] = [];
  const extra = certs.filter((c) => !path.includes(c));
  if (extra.length > 0) warnings.push(strayCertificatesWarning(extra.map((c) => c.subject)));
  const daysLeft = Math.floor((report.validUntil.getTime() - now.getTime()) / DAY_MS);
  if (daysLeft < 30) warnings.push(`the chain stops validating in ${daysLeft} day(s) (${report.validUntil.toISOString()})`);
  return { leaf, path, kind, report, anchor, warnings };
}

export async function importBundle(ctx: AuthorityContext, bundle: string | Uint8Array, p: ImportBundleParams = {}): Promise<ImportBundleResult> {
  const keyPem = p.key === undefined ? undefined : typeof p.key === 'string' ? Buffer.from(p.key, 'utf8') : p.key;
  let ourSpki: Uint8Array;
  if (keyPem) {
    assertNoAuthority(ctx);
    if (p.passphrase === undefined) throw new CustodianError(AuthorityCodes.BAD_INPUT, 'importing a key needs a new passphrase to seal it under', {});
    ourSpki = spkiOfPrivateKeyPem(keyPem);
  } else {
    if (!ctx.meta) throw new CustodianError(AuthorityCodes.NO_PENDING_REQUEST, 'there is no pending request on this station: create one with `authority request`, or import an existing CA with its key', {});
    if (ctx.meta.state !== 'pending') assertNoAuthority(ctx);
    ourSpki = Buffer.from(ctx.meta.spkiDer, 'base64');
  }
  const now = ctx.now();
  const pin = resolvePin(ctx.meta?.pinnedRoot, p.root, now);
  const { leaf, path, kind, report, anchor, warnings } = checkSignedBundle(parseBundle(bundle), ourSpki, pin, now,
    keyPem ? 'no certificate in the bundle is for the given key' : 'no certificate in the bundle is for this station\'s pending key: was it signed from another request?');

  let keyImported = false;
  if (keyPem) {
    const key = await importExistingKey(keyPem, ctx.store.keyFile, p.passphrase!, ctx.logN);
    ctx.key = { privateKey: key.privateKey, publicKey: key.publicKey, spec: key.spec };
    keyImported = true;
  }
  ctx.store.writeChain(path.map((c) => c.der));
  const cn = nameAttribute(leaf.subjectDer, Oid.commonName) ?? leaf.subject;
  const o = nameAttribute(leaf.subjectDer, Oid.organization);
  const prev = ctx.meta;
  ctx.meta = {
    format: AUTHORITY_FORMAT,
    state: 'active',
    kind,
    subject: o !== undefined ? { commonName: cn, organization: o } : { commonName: cn },
    keySpec: ctx.key?.spec ?? prev?.keySpec ?? 'unknown',
    keyOrigin: keyImported ? 'imported' : (prev?.keyOrigin ?? 'generated'),
    spkiSha256: spkiSha256(ourSpki),
    spkiDer: Buffer.from(ourSpki).toString('base64'),
    createdAt: prev?.createdAt ?? now.toISOString(),
    activatedAt: now.toISOString(),
    request: prev?.request ?? null,
    certificateFingerprint: leaf.fingerprintSha256,
    pinnedRoot: pin,
    // A pending key in a token stays there; an imported key goes to the vault.
    ...(!keyImported && prev?.keyLocation ? { keyLocation: prev.keyLocation } : {}),
  };
  ctx.store.writeMeta(ctx.meta);
  await ctx.emit({
    type: 'authority.imported',
    at: now.toISOString(),
    kind,
    subject: leaf.subject,
    fingerprint: leaf.fingerprintSha256,
    chain: path.map((c) => c.fingerprintSha256),
    keyImported,
    notAfter: leaf.notAfter.toISOString(),
  });
  return {
    kind, subject: leaf.subject, fingerprint: leaf.fingerprintSha256, notAfter: leaf.notAfter, chain: report.path, keyImported, warnings,
    root: { pinnedSha256: pin.sha256, chainSha256: anchor.fingerprintSha256, pinnedBy: pin.certificate !== null ? 'certificate' : 'sha256' },
  };
}

/** How many stray certificates the warning names; the rest are counted. */
export const STRAY_NAMED = 3;

/** `ignored 1602 certificates not on the path to the root: CN=a; CN=b; CN=c; and 1599 more`. */
export function strayCertificatesWarning(subjects: readonly string[]): string {
  const n = subjects.length;
  const named = subjects.slice(0, STRAY_NAMED).join('; ');
  const rest = n > STRAY_NAMED ? `; and ${n - STRAY_NAMED} more` : '';
  return `ignored ${n} certificate${n === 1 ? '' : 's'} not on the path to the root: ${named}${rest}`;
}
