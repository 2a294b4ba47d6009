/**
 * Ceremony: create this station's CA key and a PKCS#10 request for the
 * upstream custodian (Factory-Y asks Company-X; Technician-Z asks Factory-Y).
 * The CSR is built with @peculiar/x509 (via pki/crypto) and checked with the
 * pki CSR reader before it is handed out.
 */
import { encodeName, readCertificate, readCsr, toPem, type CaKeySpec } from '../pki/index';
import type { AuthorityContext } from './context';
import { buildCsr } from './csr-builder';
import { createCaKey, type CaKeyPlacement } from './key-placement';
import { assertNoAuthority, commitGeneratedKey } from './init-root';
import { pinFrom, type RootPinInput } from './root-pin';
import { assertDistinctNames, checkSubject, subjectText, type CaSubject } from './subject';

export interface CreateRequestParams extends CaSubject, CaKeyPlacement {
  keySpec?: CaKeySpec;
  /** The upstream root this station will belong to (its certificate or SHA-256), pinned with the request; otherwise given at import. */
  root?: RootPinInput;
}

export interface CreateRequestResult {
  csrPem: string;
  csrDer: Uint8Array;
  csrSha256: string;
  subject: string;
  spkiSha256: string;
  keySpec: CaKeySpec;
  /** Where the station keeps its copy of the CSR. */
  requestFile: string;
  /** SHA-256 of the pinned upstream root, or null when none was given (then `import` needs it). */
  pinnedRootSha256: string | null;
  /** The key file (vault), or null for a key in a token. */
  keyFile: string | null;
  /** The key's pkcs11: URI when it is in a token. */
  tokenUri: string | null;
}

export async function createRequest(ctx: AuthorityContext, p: CreateRequestParams): Promise<CreateRequestResult> {
  assertNoAuthority(ctx);
  const subject = checkSubject(p);
  const keySpec = p.keySpec ?? 'P-256';
  const now = ctx.now();
  const pinnedRoot = p.root === undefined ? null : pinFrom(p.root, now);
  if (pinnedRoot?.certificate) {
    const root = readCertificate(Buffer.from(pinnedRoot.certificate, 'base64'));
    assertDistinctNames([{ subject: subjectText(subject), subjectDer: encodeName(subject) }, root]);
  }
  const key = await createCaKey(ctx, keySpec, p);
  let csrDer: Uint8Array;
  try {
    csrDer = await buildCsr(encodeName(subject), key.spki, key.privateKey, key.spec);
  } catch (e) {
    await key.release?.();
    throw e;
  }
  const intake = readCsr(csrDer); // our own CSR must pass our own intake
  const csrPem = toPem(csrDer, 'CERTIFICATE REQUEST');
  ctx.store.writeRequest(csrPem);
  const spkiHash = commitGeneratedKey(ctx, key, subject, now, {
    state: 'pending', kind: null, activatedAt: null, request: { csrSha256: intake.csrSha256, createdAt: now.toISOString() }, certificateFingerprint: null, pinnedRoot,
  });
  await ctx.emit({ type: 'authority.request-created', at: now.toISOString(), subject: intake.requestedSubject, spkiSha256: spkiHash, csrSha256: intake.csrSha256, keySpec: key.spec });
  return {
    csrPem,
    csrDer,
    csrSha256: intake.csrSha256,
    subject: intake.requestedSubject,
    spkiSha256: spkiHash,
    keySpec: key.spec,
    requestFile: ctx.store.requestFile,
    pinnedRootSha256: pinnedRoot?.sha256 ?? null,
    keyFile: key.location ? null : ctx.store.keyFile,
    tokenUri: key.location?.uri ?? null,
  };
}
