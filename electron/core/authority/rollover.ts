/**
 * CA rollover: a subordinate CA nearing its expiry is followed by a
 * successor without a gap in signing.
 *
 *   1. `createSuccessorRequest`: a new key (vault or token) and its CSR, in a
 *      generation folder of its own; the current CA keeps signing.
 *   2. The upstream custodian signs the CSR (`sign-subordinate`), as for any CA.
 *   3. `importSuccessor`: the bundle passes every check of import-bundle.ts
 *      under the station's pinned root; the successor becomes the signer and
 *      the current CA is retired: its chain and key stay on the station for
 *      CRLs and for the chains of the devices it signed, until its last
 *      device certificate expires (at the latest its own notAfter).
 *
 * The loaded key is dropped at the switch: the successor's key is unlocked
 * with its own secret before it signs.
 */
import { randomBytes } from 'node:crypto';
import { CustodianError } from '../errors';
import { CA_KEY_SPECS, encodeName, readCertificate, readCsr, toPem, type CaKeySpec, type SigningKey } from '../pki/index';
import { AuthorityCodes } from './codes';
import type { AuthorityContext } from './context';
import { buildCsr } from './csr-builder';
import { requireActive } from './guards';
import { checkSignedBundle, parseBundle, type ImportBundleResult } from './import-bundle';
import { createCaKey, type CaKeyPlacement } from './key-placement';
import { spkiSha256 as spkiHash, unlockSealedKey } from './keys';
import { unlockTokenKey } from './token-keys';
import { resolvePin, type RootPinInput } from './root-pin';
import type { AuthorityMeta, RetiredMeta } from './store';
import { checkSubject, type CaSubject } from './subject';

export interface SuccessorRequestParams extends CaKeyPlacement {
  /** The successor's name; default the current CA's (devices and hubs see the same issuer name, a new key). */
  subject?: CaSubject;
  /** Default the current CA's key type. */
  keySpec?: CaKeySpec;
}

export interface SuccessorRequestResult {
  csrPem: string;
  csrSha256: string;
  subject: string;
  spkiSha256: string;
  keySpec: CaKeySpec;
  /** Where the station keeps the successor's CSR. */
  requestFile: string;
  /** The successor's key file (vault), or null for a key in a token. */
  keyFile: string | null;
  tokenUri: string | null;
  /** The CA that keeps signing until the successor is imported. */
  current: { subject: string; fingerprint: string; notAfter: string };
}

export async function createSuccessorRequest(ctx: AuthorityContext, p: SuccessorRequestParams): Promise<SuccessorRequestResult> {
  const { meta, chain } = requireActive(ctx);
  if (meta.kind === 'root') {
    throw new CustodianError(AuthorityCodes.SUCCESSOR_OF_ROOT, `${meta.subject.commonName} is a root: its successor is a new trust anchor the hub must learn, not a rollover under it`, {});
  }
  if (meta.successor) {
    throw new CustodianError(AuthorityCodes.SUCCESSOR_PENDING, `a successor key for ${meta.subject.commonName} (created ${meta.successor.createdAt}) waits for its signed bundle: import it with \`authority import\``, {
      spkiSha256: meta.successor.spkiSha256, createdAt: meta.successor.createdAt,
    });
  }
  const subject = checkSubject(p.subject ?? meta.subject);
  const keySpec = p.keySpec ?? ((CA_KEY_SPECS as readonly string[]).includes(meta.keySpec) ? (meta.keySpec as CaKeySpec) : 'P-256');
  const now = ctx.now();
  const dir = ctx.store.generationDir(randomBytes(8).toString('hex'));
  const keyFile = `${dir}/ca-key.age`;
  const key = await createCaKey(ctx, keySpec, p, ctx.store.at(keyFile));
  try {
    const csrDer = await buildCsr(encodeName(subject), key.spki, key.privateKey, key.spec);
    const intake = readCsr(csrDer);
    const csrPem = toPem(csrDer, 'CERTIFICATE REQUEST');
    const requestFile = `${dir}/request.csr.pem`;
    ctx.store.writeRelative(requestFile, csrPem);
    const spkiSha256 = spkiHash(key.spki);
    ctx.meta = {
      ...meta,
      successor: {
        subject, keySpec: key.spec, spkiSha256, spkiDer: Buffer.from(key.spki).toString('base64'), createdAt: now.toISOString(), csrSha256: intake.csrSha256,
        ...(key.location ? { keyLocation: key.location } : { keyFile }), requestFile,
      },
    };
    ctx.store.writeMeta(ctx.meta);
    const current = readCertificate(chain[0]!);
    await ctx.emit({ type: 'authority.successor-requested', at: now.toISOString(), subject: intake.requestedSubject, spkiSha256, csrSha256: intake.csrSha256, keySpec: key.spec, current: current.fingerprintSha256 });
    return {
      csrPem, csrSha256: intake.csrSha256, subject: intake.requestedSubject, spkiSha256, keySpec: key.spec,
      requestFile: ctx.store.at(requestFile), keyFile: key.location ? null : ctx.store.at(keyFile), tokenUri: key.location?.uri ?? null,
      current: { subject: current.subject, fingerprint: current.fingerprintSha256, notAfter: current.notAfter.toISOString() },
    };
  } finally {
    // The successor signs nothing before its certificate is imported: its key is not kept loaded.
    await key.release?.();
  }
}

export interface ImportSuccessorParams {
  /** The upstream root, when given again at import; it must agree with the pinned one. */
  root?: RootPinInput;
}

export async function importSuccessor(ctx: AuthorityContext, bundle: string | Uint8Array, p: ImportSuccessorParams = {}): Promise<ImportBundleResult & { previous: string }> {
  const { meta, chain: currentChain } = requireActive(ctx);
  const successor = meta.successor;
  if (!successor) throw new CustodianError(AuthorityCodes.NO_PENDING_REQUEST, 'this station has no pending successor: create one with `authority request --successor`', {});
  const now = ctx.now();
  const pin = resolvePin(meta.pinnedRoot, p.root, now);
  const checked = checkSignedBundle(parseBundle(bundle), Buffer.from(successor.spkiDer, 'base64'), pin, now,
    'no certificate in the bundle is for this station\'s successor key: was it signed from another request?');
  if (checked.kind !== 'subordinate' || checked.leaf.basicConstraints?.ca !== true) {
    throw new CustodianError(AuthorityCodes.SUCCESSOR_NOT_SUBORDINATE, 'the successor\'s certificate is not a subordinate CA under the pinned root', { subject: checked.leaf.subject });
  }
  const current = readCertificate(currentChain[0]!);
  const retiredChain = `${ctx.store.generationDir(current.fingerprintSha256)}/chain.pem`;
  // The retired generation's chain is kept before anything else changes.
  ctx.store.writeRelative(retiredChain, currentChain.map((d) => toPem(d, 'CERTIFICATE')).join(''), { keepExisting: true });
  const retired: RetiredMeta = {
    certificateFingerprint: current.fingerprintSha256, subject: current.subject, notAfter: current.notAfter.toISOString(),
    activatedAt: meta.activatedAt, retiredAt: now.toISOString(), keySpec: meta.keySpec, spkiSha256: meta.spkiSha256,
    ...(meta.keyLocation ? { keyLocation: meta.keyLocation } : { keyFile: meta.keyFile ?? 'ca-key.age' }), chainFile: retiredChain,
  };
  // The successor's chain is kept next to its key before authority.json names it (the store heals chain.pem from it).
  const nextChain = `${successor.requestFile.slice(0, successor.requestFile.lastIndexOf('/'))}/chain.pem`;
  ctx.store.writeRelative(nextChain, checked.path.map((c) => toPem(c.der, 'CERTIFICATE')).join(''));
  const next: AuthorityMeta = {
    format: meta.format,
    state: 'active',
    kind: 'subordinate',
    subject: successor.subject,
    keySpec: successor.keySpec,
    keyOrigin: 'generated',
    spkiSha256: successor.spkiSha256,
    spkiDer: successor.spkiDer,
    createdAt: successor.createdAt,
    activatedAt: now.toISOString(),
    request: { csrSha256: successor.csrSha256, createdAt: successor.createdAt },
    certificateFingerprint: checked.leaf.fingerprintSha256,
    pinnedRoot: pin,
    ...(successor.keyLocation ? { keyLocation: successor.keyLocation } : { keyFile: successor.keyFile! }),
    retired: [...(meta.retired ?? []), retired],
    chainFile: nextChain,
  };
  // The old key is no longer the station's signer: drop it before the switch.
  const loaded = ctx.key;
  ctx.key = null;
  await loaded?.release?.().catch(() => undefined);
  ctx.meta = next;
  ctx.store.writeMeta(next);
  ctx.store.writeChain(checked.path.map((c) => c.der));
  await ctx.emit({
    type: 'authority.successor-imported', at: now.toISOString(), subject: checked.leaf.subject, fingerprint: checked.leaf.fingerprintSha256,
    previous: current.fingerprintSha256, chain: checked.path.map((c) => c.fingerprintSha256), notAfter: checked.leaf.notAfter.toISOString(),
  });
  return {
    kind: 'subordinate', subject: checked.leaf.subject, fingerprint: checked.leaf.fingerprintSha256, notAfter: checked.leaf.notAfter, chain: checked.report.path,
    keyImported: false, warnings: checked.warnings, previous: current.fingerprintSha256,
    root: { pinnedSha256: pin.sha256, chainSha256: checked.anchor.fingerprintSha256, pinnedBy: pin.certificate !== null ? 'certificate' : 'sha256' },
  };
}

/** A retired CA's key, unlocked for one signature (a CRL of the certificates it issued): let go with `release`. */
export interface RetiredSigner {
  certificate: Uint8Array;
  privateKey: SigningKey;
  release(): Promise<void>;
}

/**
 * Unlock the key of the retired CA whose certificate fingerprint starts with
 * `fingerprint` (at least 8 hex digits), with its own secret (its vault
 * passphrase or its token's PIN). Throws AUTHORITY_RETIRED_UNKNOWN, the
 * vault's or token's error for a wrong secret, AUTHORITY_KEY_MISMATCH.
 */
export async function unlockRetired(ctx: AuthorityContext, fingerprint: string, secret: string): Promise<RetiredSigner> {
  const { meta } = requireActive(ctx);
  const prefix = fingerprint.trim().toLowerCase().replace(/:/g, '');
  const found = /^[0-9a-f]{8,64}$/.test(prefix) ? (meta.retired ?? []).filter((r) => r.certificateFingerprint.startsWith(prefix)) : [];
  if (found.length !== 1) {
    throw new CustodianError(AuthorityCodes.RETIRED_UNKNOWN, `${found.length === 0 ? 'no' : 'more than one'} retired CA of this station has a fingerprint starting ${JSON.stringify(fingerprint)}`, {
      fingerprint, retired: (meta.retired ?? []).map((r) => r.certificateFingerprint),
    });
  }
  const r = found[0]!;
  const key = r.keyLocation ? await unlockTokenKey(r.keyLocation, secret, () => undefined) : await unlockSealedKey(ctx.store.at(r.keyFile ?? 'ca-key.age'), secret);
  const certificate = ctx.store.readChainAt(r.chainFile)[0]!;
  if (spkiHash(key.spki) !== r.spkiSha256 || !Buffer.from(readCertificate(certificate).spki).equals(Buffer.from(key.spki))) {
    await key.release?.();
    throw new CustodianError(AuthorityCodes.KEY_MISMATCH, `the key kept for retired CA ${r.certificateFingerprint.slice(0, 16)}… is not the key of its certificate`, { fingerprint: r.certificateFingerprint });
  }
  return { certificate, privateKey: key.privateKey, release: async () => { await key.release?.(); } };
}

/** One CA generation of this station: the signer, or a retired one kept for CRLs and its devices' chains. */
export interface CaGeneration {
  role: 'current' | 'retired';
  fingerprint: string;
  subject: string;
  notAfter: string;
  /** This CA first, root last. */
  chain: Uint8Array[];
  retiredAt: string | null;
}

/** Every generation, the current signer first, then the retired ones, newest first. */
export function generations(ctx: AuthorityContext): CaGeneration[] {
  const { meta, chain } = requireActive(ctx);
  const c = readCertificate(chain[0]!);
  const out: CaGeneration[] = [{ role: 'current', fingerprint: c.fingerprintSha256, subject: c.subject, notAfter: c.notAfter.toISOString(), chain, retiredAt: null }];
  for (const r of [...(meta.retired ?? [])].reverse()) {
    out.push({ role: 'retired', fingerprint: r.certificateFingerprint, subject: r.subject, notAfter: r.notAfter, chain: ctx.store.readChainAt(r.chainFile), retiredAt: r.retiredAt });
  }
  return out;
}
