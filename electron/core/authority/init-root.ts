/** Ceremony: create a self-signed root CA on this station (Company-X). */
import { CustodianError } from '../errors';
import { issueCertificate, type CaKeySpec } from '../pki/index';
import { AuthorityCodes } from './codes';
import { BACKDATE_MS, type AuthorityContext, type LoadedKey } from './context';
import { spkiSha256 } from './keys';
import { createCaKey, type CaKeyPlacement, type PlacedKey } from './key-placement';
import { checkDays, checkPathLen, checkSubject, type CaSubject } from './subject';
import { AUTHORITY_FORMAT, type AuthorityMeta } from './store';

export interface InitRootParams extends CaSubject, CaKeyPlacement {
  /** Default 'P-256'. */
  keySpec?: CaKeySpec;
  /** How many CA levels may exist below the root (Company-X → Factory-Y → Technician-Z needs 2). Default 2. */
  pathLen?: number;
  /** Validity in days (rootCa profile: default 7305, max 9132). */
  days?: number;
}

export interface InitRootResult {
  certificatePem: string;
  certificateDer: Uint8Array;
  subject: string;
  fingerprint: string;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  pathLen: number;
  keySpec: CaKeySpec;
  /** The key file (vault), or null for a key in a token. */
  keyFile: string | null;
  /** The key's pkcs11: URI when it is in a token. */
  tokenUri: string | null;
}

export function assertNoAuthority(ctx: AuthorityContext): void {
  if (ctx.meta) {
    throw new CustodianError(AuthorityCodes.ALREADY_CONFIGURED, `this station already has an authority (${ctx.meta.state}: CN=${ctx.meta.subject.commonName})`, {
      state: ctx.meta.state,
      commonName: ctx.meta.subject.commonName,
      dir: ctx.store.dir,
    });
  }
}

/** What a new root and a new request record differently about the key they generated. */
type GeneratedKeyStage = Pick<AuthorityMeta, 'state' | 'kind' | 'activatedAt' | 'request' | 'certificateFingerprint'> & { pinnedRoot: AuthorityMeta['pinnedRoot'] };

/**
 * Commit the key a ceremony has just generated and sealed: write the
 * authority's metadata (the commit point) and keep the key loaded. Returns
 * the key's SPKI SHA-256.
 */
export function commitGeneratedKey(ctx: AuthorityContext, key: PlacedKey, subject: CaSubject, now: Date, stage: GeneratedKeyStage): string {
  const spkiHash = spkiSha256(key.spki);
  ctx.meta = {
    format: AUTHORITY_FORMAT,
    state: stage.state,
    kind: stage.kind,
    subject,
    keySpec: key.spec,
    keyOrigin: 'generated',
    spkiSha256: spkiHash,
    spkiDer: Buffer.from(key.spki).toString('base64'),
    createdAt: now.toISOString(),
    activatedAt: stage.activatedAt,
    request: stage.request,
    certificateFingerprint: stage.certificateFingerprint,
    pinnedRoot: stage.pinnedRoot ?? null,
    ...(key.location ? { keyLocation: key.location } : {}),
  };
  ctx.store.writeMeta(ctx.meta);
  ctx.key = loadedKey(key);
  return spkiHash;
}

/** The LoadedKey part of a freshly made or unlocked key (no SPKI or location copies kept). */
export function loadedKey(k: LoadedKey): LoadedKey {
  return {
    privateKey: k.privateKey, publicKey: k.publicKey, spec: k.spec,
    ...(k.release ? { release: k.release } : {}), ...(k.present ? { present: k.present } : {}),
  };
}

export async function initRoot(ctx: AuthorityContext, p: InitRootParams): Promise<InitRootResult> {
  assertNoAuthority(ctx);
  const subject = checkSubject(p);
  const pathLen = checkPathLen(p.pathLen ?? 2)!;
  const days = p.days === undefined ? undefined : checkDays(p.days);
  const keySpec = p.keySpec ?? 'P-256';
  const now = ctx.now();
  const key = await createCaKey(ctx, keySpec, p);
  const cert = await issueCertificate({
    profile: 'rootCa',
    ...subject,
    subjectPublicKey: key.spki,
    issuer: 'self',
    selfKeys: { privateKey: key.privateKey, publicKey: key.publicKey },
    pathLen,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    ...(days !== undefined ? { days } : {}),
    now,
    signer: ctx.signer,
  }).catch(async (e: unknown) => { await key.release?.(); throw e; });
  ctx.store.writeChain([cert.der]);
  const spkiHash = commitGeneratedKey(ctx, key, subject, now, {
    state: 'active', kind: 'root', activatedAt: now.toISOString(), request: null, certificateFingerprint: cert.fingerprintSha256, pinnedRoot: null,
  });
  await ctx.emit({
    type: 'authority.root-created',
    at: now.toISOString(),
    subject: cert.subject,
    fingerprint: cert.fingerprintSha256,
    spkiSha256: spkiHash,
    keySpec: key.spec,
    pathLen,
    notAfter: cert.notAfter.toISOString(),
  });
  return {
    certificatePem: cert.pem,
    certificateDer: cert.der,
    subject: cert.subject,
    fingerprint: cert.fingerprintSha256,
    serialHex: cert.serialHex,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    pathLen,
    keySpec: key.spec,
    keyFile: key.location ? null : ctx.store.keyFile,
    tokenUri: key.location?.uri ?? null,
  };
}
