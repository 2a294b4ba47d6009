/**
 * Chain validation for what the station issues and receives (RFC 5280 §6,
 * reduced to what our hierarchy needs). Paths are built by exact issuer/subject
 * name bytes, preferring candidates whose SKI equals the child's AKI; each link
 * is then checked in a fixed order so the first failure names the real cause:
 *
 *   signature → issuer is CA → issuer has keyCertSign → pathLen →
 *   child validity inside issuer's → every certificate valid at `at` →
 *   unknown critical extensions → leaf kind.
 */
import { CustodianError } from '../errors';
import { bytesEqual, toBytes } from './bytes';
import { readCertificate, signatureVerifies, type CertificateFacts } from './certificate-facts';
import { PkiCodes } from './codes';
import { readIssuer } from './issuer-checks';
import { extensionName } from './oids';

export interface ChainInput {
  leaf: Uint8Array;
  intermediates: readonly Uint8Array[];
  /** Trust anchors. A root is trusted as given; only its validity and CA-ness are checked. */
  roots: readonly Uint8Array[];
  at: Date;
  /** 'end-entity' (default): the leaf must not be a CA. 'ca': the leaf must be a CA with keyCertSign. */
  expectLeaf?: 'end-entity' | 'ca';
}

export interface ChainLink {
  subject: string;
  fingerprintSha256: string;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  /** For CA certificates: how many more CA certificates may appear below this one (`null` = unlimited). */
  pathLenRoom?: number | null;
}

export interface ChainReport {
  /** Leaf first, trust anchor last. */
  path: ChainLink[];
  trustAnchor: string;
  /** The earliest notAfter on the path: when the chain stops validating. */
  validUntil: Date;
}

const MAX_DEPTH = 8;

function fail(code: string, message: string, cert: CertificateFacts, extra: Record<string, unknown> = {}): never {
  throw new CustodianError(code, message, { subject: cert.subject, fingerprintSha256: cert.fingerprintSha256, ...extra });
}

function parseAll(list: readonly Uint8Array[]): CertificateFacts[] {
  return list.map((d) => readCertificate(toBytes(d)));
}

/**
 * CA certificates (intermediates, roots) through the parsed-issuer cache: a
 * station validates device chains against the same few CAs every time, and a
 * schema parse costs ~1 ms. Facts are never mutated.
 */
function parseCas(list: readonly Uint8Array[]): CertificateFacts[] {
  return list.map((d) => readIssuer(toBytes(d)));
}

const keyIdMatches = (child: CertificateFacts, cand: CertificateFacts): boolean =>
  child.authorityKeyIdentifier === undefined || cand.subjectKeyIdentifier === undefined || bytesEqual(child.authorityKeyIdentifier, cand.subjectKeyIdentifier);

/** Leaf-first path ending in a member of `roots`, or a typed error saying why none exists. */
/**
 * The path from `leaf` to a root. Links whose signature was verified while
 * choosing between candidates are added to `verified` (by child), so
 * checkLink does not verify the same signature twice.
 */
function buildPath(leaf: CertificateFacts, intermediates: CertificateFacts[], roots: CertificateFacts[], verified: Set<CertificateFacts>): CertificateFacts[] {
  const isRoot = (c: CertificateFacts): boolean => roots.some((r) => r.fingerprintSha256 === c.fingerprintSha256);
  const path = [leaf];
  let current = leaf;
  while (!isRoot(current)) {
    if (path.length > MAX_DEPTH) fail(PkiCodes.CHAIN_INCOMPLETE, `no trust anchor within ${MAX_DEPTH} certificates`, leaf);
    const used = new Set(path.map((c) => c.fingerprintSha256));
    const pool = [...roots, ...intermediates].filter((c) => !used.has(c.fingerprintSha256));
    const byName = pool.filter((c) => bytesEqual(c.subjectDer, current.issuerDer));
    if (byName.length === 0) {
      const byKey = pool.filter((c) => current.authorityKeyIdentifier && c.subjectKeyIdentifier && bytesEqual(current.authorityKeyIdentifier, c.subjectKeyIdentifier));
      if (byKey.length > 0) {
        fail(PkiCodes.CHAIN_NAME_MISMATCH, `${current.subject} names issuer "${current.issuer}" but its AKI points to "${byKey[0]!.subject}"`, current, {
          issuerName: current.issuer,
          candidate: byKey[0]!.subject,
        });
      }
      if (bytesEqual(current.subjectDer, current.issuerDer)) {
        fail(PkiCodes.CHAIN_UNTRUSTED_ROOT, `the chain ends at ${current.subject}, which is not a trusted root`, current);
      }
      fail(PkiCodes.CHAIN_INCOMPLETE, `issuer "${current.issuer}" of ${current.subject} was not provided`, current, { issuerName: current.issuer });
    }
    const byKeyId = byName.filter((c) => keyIdMatches(current, c));
    if (byKeyId.length === 0) {
      fail(PkiCodes.CHAIN_AKI_MISMATCH, `${current.subject}: AKI does not match the SKI of any certificate named "${current.issuer}"`, current, {
        authorityKeyIdentifier: current.authorityKeyIdentifier ? Buffer.from(current.authorityKeyIdentifier).toString('hex') : null,
      });
    }
    // Prefer a trusted root, then a candidate whose signature verifies.
    let next = byKeyId.find(isRoot);
    if (!next) {
      const child = current;
      next = byKeyId.find((c) => signatureVerifies(child.der, c.spki));
      if (next) verified.add(child);
      else next = byKeyId[0]!;
    }
    path.push(next);
    current = next;
  }
  return path;
}

function checkLink(child: CertificateFacts, issuer: CertificateFacts, issuerIndex: number, signatureChecked: boolean): void {
  if (!signatureChecked && !signatureVerifies(child.der, issuer.spki)) {
    fail(PkiCodes.CHAIN_SIGNATURE_INVALID, `the signature on ${child.subject} does not verify under ${issuer.subject}`, child, { issuer: issuer.subject });
  }
  if (!issuer.basicConstraints?.ca) fail(PkiCodes.CHAIN_ISSUER_NOT_CA, `${issuer.subject} signed ${child.subject} but is not a CA`, issuer);
  if (!issuer.keyUsage?.usages.includes('keyCertSign')) {
    fail(PkiCodes.CHAIN_ISSUER_NO_KEYCERTSIGN, `${issuer.subject} signed ${child.subject} but lacks keyUsage keyCertSign`, issuer);
  }
  // Intermediate CA certificates strictly between this issuer and the leaf (path[0]).
  const below = issuerIndex - 1;
  const pl = issuer.basicConstraints.pathLen;
  if (pl !== undefined && below > pl) {
    fail(PkiCodes.CHAIN_PATHLEN_EXCEEDED, `${issuer.subject} allows ${pl} CA certificate(s) below it, the path has ${below}`, issuer, { pathLen: pl, below });
  }
  if (child.notBefore < issuer.notBefore || child.notAfter > issuer.notAfter) {
    fail(PkiCodes.CHAIN_VALIDITY_OUTSIDE_ISSUER, `the validity of ${child.subject} is not inside that of ${issuer.subject}`, child, {
      notBefore: child.notBefore.toISOString(),
      notAfter: child.notAfter.toISOString(),
      issuerNotBefore: issuer.notBefore.toISOString(),
      issuerNotAfter: issuer.notAfter.toISOString(),
    });
  }
}

/**
 * Remaining CA depth below each certificate of a leaf-first path: the minimum,
 * over it and its ancestors, of `pathLen − (CA certificates between them)`
 * (null = unlimited; below 0 where the path already breaks a constraint).
 */
export function pathLenRooms(path: readonly CertificateFacts[]): (number | null)[] {
  const out: (number | null)[] = new Array(path.length).fill(null);
  let room: number | null = null; // walking from the root down
  for (let i = path.length - 1; i >= 0; i--) {
    const c = path[i]!;
    if (i < path.length - 1 && room !== null) room -= 1;
    const pl = c.basicConstraints?.ca ? c.basicConstraints.pathLen : undefined;
    if (pl !== undefined) room = room === null ? pl : Math.min(room, pl);
    out[i] = room;
  }
  return out;
}

export function validateChain(input: ChainInput): ChainReport {
  const at = input.at;
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new TypeError('validateChain: `at` must be a valid Date');
  return validateParsedChain(readCertificate(toBytes(input.leaf)), input);
}

/** validateChain for a leaf the caller has already read (readCertificate of `input.leaf`, which is not read again). */
export function validateParsedChain(leaf: CertificateFacts, input: Omit<ChainInput, 'leaf'>): ChainReport {
  const at = input.at;
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new TypeError('validateChain: `at` must be a valid Date');
  const intermediates = parseCas(input.intermediates);
  const roots = parseCas(input.roots);
  if (roots.length === 0) fail(PkiCodes.CHAIN_UNTRUSTED_ROOT, 'no trust anchors were given', leaf);

  const verified = new Set<CertificateFacts>();
  const path = buildPath(leaf, intermediates, roots, verified);
  for (let i = 0; i + 1 < path.length; i++) checkLink(path[i]!, path[i + 1]!, i + 1, verified.has(path[i]!));

  const anchor = path[path.length - 1]!;
  if (path.length > 1 && !anchor.basicConstraints?.ca) fail(PkiCodes.CHAIN_ISSUER_NOT_CA, `trust anchor ${anchor.subject} is not a CA`, anchor);

  for (const c of [...path].reverse()) {
    if (at < c.notBefore) fail(PkiCodes.CHAIN_NOT_YET_VALID, `${c.subject} is not valid until ${c.notBefore.toISOString()}`, c, { at: at.toISOString() });
    if (at > c.notAfter) fail(PkiCodes.CHAIN_EXPIRED, `${c.subject} expired at ${c.notAfter.toISOString()}`, c, { at: at.toISOString() });
  }
  for (const c of path) {
    if (c.unknownCritical.length > 0) {
      fail(PkiCodes.CHAIN_UNKNOWN_CRITICAL_EXTENSION, `${c.subject} has critical extension(s) this station does not process`, c, {
        extensions: c.unknownCritical.map(extensionName),
      });
    }
  }
  const expect = input.expectLeaf ?? 'end-entity';
  const leafIsCa = leaf.basicConstraints?.ca === true;
  if (expect === 'end-entity' && leafIsCa) fail(PkiCodes.CHAIN_LEAF_KIND_MISMATCH, `${leaf.subject} is a CA certificate, an end-entity was expected`, leaf);
  if (expect === 'ca' && (!leafIsCa || !leaf.keyUsage?.usages.includes('keyCertSign'))) {
    fail(PkiCodes.CHAIN_LEAF_KIND_MISMATCH, `${leaf.subject} is not a CA certificate with keyCertSign`, leaf);
  }

  const rooms = pathLenRooms(path);
  return {
    path: path.map((c, i) => ({
      subject: c.subject,
      fingerprintSha256: c.fingerprintSha256,
      notBefore: c.notBefore,
      notAfter: c.notAfter,
      isCa: c.basicConstraints?.ca === true,
      ...(c.basicConstraints?.ca ? { pathLenRoom: rooms[i]! } : {}),
    })),
    trustAnchor: anchor.subject,
    validUntil: new Date(Math.min(...path.map((c) => c.notAfter.getTime()))),
  };
}

/**
 * How many more CA certificates may be placed below `caChain[0]`, given its
 * chain up to the root (`caChain`, CA first, root last): `null` = unlimited,
 * 0 = it may sign only end-entity certificates. Does not check signatures;
 * use validateChain for that.
 */
export function pathLenRoom(caChain: readonly Uint8Array[]): number | null {
  if (caChain.length === 0) throw new TypeError('pathLenRoom needs at least one certificate');
  const path = parseAll(caChain);
  for (const c of path) {
    if (!c.basicConstraints?.ca) fail(PkiCodes.CHAIN_ISSUER_NOT_CA, `${c.subject} is not a CA`, c);
  }
  return pathLenRooms(path)[0]!;
}
