/**
 * Ceremony: sign a downstream custodian's CA request (Company-X signs
 * Factory-Y; Factory-Y signs Technician-Z) under the intermediateCa profile.
 * The CSR contributes its public key (after proof of possession) and its
 * CN / O; everything else it asks for is reported, not honoured. A request
 * whose subject holds an unsafe character is refused at intake
 * (CSR_SUBJECT_UNSAFE_CHARACTER); one named like this CA or a CA above it
 * is refused here (AUTHORITY_SUBJECT_DUPLICATES_ISSUER).
 */
import { CustodianError } from '../errors';
import { caRequiresWorkOrders, encodeName, issueCertificate, Oid, pathLenRoom, readCertificate, readCsr, toPem, PkiCodes } from '../pki/index';
import { AuthorityCodes } from './codes';
import { BACKDATE_MS, type AuthorityContext } from './context';
import { requireActive, requireUnlocked } from './guards';
import { journalledSign, planSigning } from './journalled-sign';
import { spkiSha256 } from './keys';
import { assertDistinctNames, checkDays, checkPathLen } from './subject';

export interface SignSubordinateParams {
  /** Path length for the new CA: 0 = it may sign only devices. */
  pathLen: number;
  /** Validity in days (clamped inside this CA's validity; the result says so). */
  days: number;
  /**
   * The new CA signs devices only under signed work orders: stated as the
   * certificate policy Oid.workOrdersRequired (docs/work-orders.md
   * §Enforcement). Always stated when this CA states it: a requirement is never dropped down the chain.
   */
  requireWorkOrders?: boolean;
}

export interface SignSubordinateResult {
  /** The new certificate, then this CA's chain up to the root (PEM, leaf first): the file to hand back. */
  bundlePem: string;
  certificatePem: string;
  certificateDer: Uint8Array;
  chainDer: Uint8Array[];
  subject: string;
  requestedSubject: string;
  /** What the CSR asked for that the station did not put in the certificate. */
  ignoredRequests: string[];
  csrSha256: string;
  serialHex: string;
  fingerprint: string;
  notBefore: Date;
  notAfter: Date;
  clamped: boolean;
  pathLen: number;
  /** The new CA carries the work-order requirement. */
  requireWorkOrders: boolean;
}

export async function signSubordinate(ctx: AuthorityContext, csr: string | Uint8Array, p: SignSubordinateParams): Promise<SignSubordinateResult> {
  const { chain } = requireActive(ctx);
  const key = requireUnlocked(ctx);
  const pathLen = checkPathLen(p.pathLen)!;
  const days = checkDays(p.days);
  const intake = readCsr(csr);
  if (intake.commonName === undefined || intake.commonName.trim() === '') {
    throw new CustodianError(AuthorityCodes.CSR_NO_COMMON_NAME, 'the request has no subject CN to name the new CA by', { requestedSubject: intake.requestedSubject });
  }
  const organization = intake.organization;
  const honoured = organization !== undefined ? `subject O=${organization}` : undefined;
  const ignoredRequests = [...intake.ignoredRequests];
  const at = honoured !== undefined ? ignoredRequests.indexOf(honoured) : -1;
  if (at >= 0) ignoredRequests.splice(at, 1);

  const room = pathLenRoom(chain);
  if (room !== null && pathLen > room - 1) {
    throw new CustodianError(
      room < 1 ? AuthorityCodes.PATHLEN_NO_ROOM : PkiCodes.CHAIN_PATHLEN_EXCEEDED,
      room < 1
        ? 'this CA may sign only end-entity certificates (no path length room left for a sub-CA)'
        : `a sub-CA of this CA may have pathLen at most ${room - 1}`,
      { requestedPathLen: pathLen, room },
    );
  }
  // The new CA's name as it will be encoded, against this CA and every CA above it.
  const subjectFields = { commonName: intake.commonName, ...(organization !== undefined ? { organization } : {}) };
  assertDistinctNames([
    { subject: `CN=${intake.commonName}${organization !== undefined ? `, O=${organization}` : ''}`, subjectDer: encodeName(subjectFields) },
    ...chain.map((d) => readCertificate(d)),
  ]);

  const requireWorkOrders = p.requireWorkOrders === true || caRequiresWorkOrders(readCertificate(chain[0]!));
  const now = ctx.now();
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  const plan = planSigning({
    kind: 'subordinate',
    profile: 'intermediateCa',
    subject: `CN=${intake.commonName}${organization !== undefined ? `, O=${organization}` : ''}`,
    spkiSha256: spkiSha256(intake.publicKeySpki),
    csrSha256: intake.csrSha256,
    issuerFingerprint: ctx.meta!.certificateFingerprint ?? '',
    issuerCertificate: chain[0]!,
    notBefore,
    days,
  });
  // The intent is durable before the key signs; the certificate is recorded before it is written out.
  const cert = await journalledSign(ctx, plan, (random) => issueCertificate({
    profile: 'intermediateCa',
    commonName: intake.commonName!,
    ...(organization !== undefined ? { organization } : {}),
    subjectPublicKey: intake.publicKeySpki,
    issuer: { certificate: chain[0]!, privateKey: key.privateKey },
    pathLen,
    ...(requireWorkOrders ? { policies: [Oid.workOrdersRequired] } : {}),
    notBefore,
    days,
    now,
    random,
    signer: ctx.signer,
  }));
  const chainDer = [cert.der, ...chain];
  const bundlePem = chainDer.map((d) => toPem(d, 'CERTIFICATE')).join('');
  ctx.store.writeIssued(cert.serialHex, cert.pem);
  await ctx.emit({
    type: 'authority.subordinate-signed',
    at: now.toISOString(),
    subject: cert.subject,
    serialHex: cert.serialHex,
    fingerprint: cert.fingerprintSha256,
    pathLen,
    notAfter: cert.notAfter.toISOString(),
    csrSha256: intake.csrSha256,
    issuerFingerprint: ctx.meta!.certificateFingerprint ?? '',
  });
  return {
    bundlePem,
    certificatePem: cert.pem,
    certificateDer: cert.der,
    chainDer,
    subject: cert.subject,
    requestedSubject: intake.requestedSubject,
    ignoredRequests,
    csrSha256: intake.csrSha256,
    serialHex: cert.serialHex,
    fingerprint: cert.fingerprintSha256,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    clamped: cert.clamped,
    pathLen,
    requireWorkOrders,
  };
}
