/**
 * Ceremony: create this station's CA key and a PKCS#10 request for the
 * upstream custodian (Factory-Y asks Company-X; Technician-Z asks Factory-Y).
 * The CSR is built with @peculiar/x509 (via pki/crypto) and checked with the
 * pki CSR reader before it is handed out.
 */
import { x509 } from '../pki/crypto';
import { encodeName, readCertificate, readCsr, toPem, type CaKeySpec } from '../pki/index';
import type { AuthorityContext } from './context';
import { createSealedKey } from './keys';
import { assertNoAuthority, commitGeneratedKey } from './init-root';
import { pinFrom, type RootPinInput } from './root-pin';
import { assertDistinctNames, checkSubject, subjectText, type CaSubject } from './subject';

export interface CreateRequestParams extends CaSubject {
  keySpec?: CaKeySpec;
  /** New passphrase for the key file (≥ 8 characters). */
  passphrase: string;
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
  keyFile: string;
}

type SigningAlgorithm = Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[0]['signingAlgorithm'];

function signingAlgorithm(spec: CaKeySpec): SigningAlgorithm {
  if (spec === 'P-256') return { name: 'ECDSA', hash: 'SHA-256' } as SigningAlgorithm;
  if (spec === 'P-384') return { name: 'ECDSA', hash: 'SHA-384' } as SigningAlgorithm;
  return { name: 'RSASSA-PKCS1-v1_5' };
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
  const key = await createSealedKey(ctx.store.keyFile, keySpec, p.passphrase, ctx.logN);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: new x509.Name(encodeName(subject)),
    keys: { privateKey: key.privateKey, publicKey: key.publicKey },
    signingAlgorithm: signingAlgorithm(key.spec),
  });
  const csrDer = new Uint8Array(csr.rawData);
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
    keyFile: ctx.store.keyFile,
  };
}
