/**
 * One CA signing under the authority's journal (journal.ts): decide serial
 * and validity, record the intent, sign, record the certificate. Without a
 * journal the signing simply runs (library use and tests).
 */
import { CustodianError, isCustodianError } from '../errors';
import {
  computeValidity, generateSerial, issueCertificate, PROFILES, readCertificate, serialToHex, cryptoRandom,
  type IssuedCertificate, type RandomSource, type SigningKey,
} from '../pki/index';
import { AuthorityCodes } from './codes';
import type { AuthorityContext } from './context';
import type { CaSigningIntent } from './journal';
import { spkiSha256 } from './keys';
import { subjectText, type CaSubject } from './subject';

export interface PlannedSigning {
  intent: CaSigningIntent;
  /** Fixed random source: makes the signing use exactly the recorded serial. */
  random: RandomSource;
}

/** Serial and validity as issueCertificate will compute them (same inputs, same clamp). */
export function planSigning(
  p: Omit<CaSigningIntent, 'serialHex' | 'notBefore' | 'notAfter'> & { issuerCertificate: Uint8Array; notBefore: Date; days?: number },
): PlannedSigning {
  const bytes = cryptoRandom(16);
  const serialHex = serialToHex(generateSerial(() => bytes));
  const profile = PROFILES[p.profile];
  const issuer = readCertificate(p.issuerCertificate);
  const validity = computeValidity({
    notBefore: p.notBefore,
    days: p.days ?? profile.validity.defaultDays,
    maxDays: profile.validity.maxDays,
    issuer: { notBefore: issuer.notBefore, notAfter: issuer.notAfter },
  });
  const { issuerCertificate: _c, notBefore: _nb, days: _d, ...rest } = p;
  return {
    intent: { ...rest, serialHex, notBefore: validity.notBefore.toISOString(), notAfter: validity.notAfter.toISOString() },
    random: () => bytes,
  };
}

export async function journalledSign(
  ctx: AuthorityContext, plan: PlannedSigning, sign: (random: RandomSource) => Promise<IssuedCertificate>,
): Promise<IssuedCertificate> {
  const journal = ctx.journal;
  if (!journal) return sign(plan.random);
  const facts = { kind: plan.intent.kind, serialHex: plan.intent.serialHex, subject: plan.intent.subject };
  let handle;
  try {
    handle = await journal.beforeSign(plan.intent);
  } catch (e) {
    throw new CustodianError(AuthorityCodes.JOURNAL_FAILED, 'the signing intent could not be recorded in the ledger; nothing was signed', {
      ...facts, ...(isCustodianError(e) ? { cause: e.code } : {}),
    }, { cause: e });
  }
  let cert: IssuedCertificate;
  try {
    cert = await sign(plan.random);
  } catch (e) {
    const failure = isCustodianError(e) ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: String(e) };
    await journal.signFailed(handle, failure);
    throw e;
  }
  try {
    await journal.signed(handle, cert.der);
  } catch (e) {
    throw new CustodianError(AuthorityCodes.JOURNAL_FAILED, 'the signed certificate could not be recorded in the ledger; it was not kept or handed out', {
      ...facts, intent: handle.id, ...(isCustodianError(e) ? { cause: e.code } : {}),
    }, { cause: e });
  }
  return cert;
}

/**
 * A one-off non-CA certificate the CA key signs for `subjectPublicKey`
 * (a verification certificate, a work-order signer) under the journal.
 */
export async function journalledIssue(ctx: AuthorityContext, p: {
  kind: CaSigningIntent['kind'];
  profile: 'hubVerification' | 'workOrderSigner';
  subject: CaSubject;
  subjectPublicKey: Uint8Array;
  issuer: { certificate: Uint8Array; privateKey: SigningKey; fingerprint: string };
  now: Date;
  days?: number | undefined;
}): Promise<IssuedCertificate> {
  const days = p.days !== undefined ? { days: p.days } : {};
  const plan = planSigning({
    kind: p.kind,
    profile: p.profile,
    subject: subjectText(p.subject),
    spkiSha256: spkiSha256(p.subjectPublicKey),
    issuerFingerprint: p.issuer.fingerprint,
    issuerCertificate: p.issuer.certificate,
    notBefore: p.now,
    ...days,
  });
  // The intent is durable before the key signs; the certificate is recorded before it is returned.
  return journalledSign(ctx, plan, (random) => issueCertificate({
    profile: p.profile,
    ...p.subject,
    subjectPublicKey: p.subjectPublicKey,
    issuer: { certificate: p.issuer.certificate, privateKey: p.issuer.privateKey },
    notBefore: p.now,
    ...days,
    now: p.now,
    random,
    signer: ctx.signer,
  }));
}
