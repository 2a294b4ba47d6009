/**
 * Ceremony: the IoT Hub / DPS proof-of-possession ("verification")
 * certificate. The hub shows a code; we sign a certificate whose CN is that
 * code with our CA key. Its subject key is a throwaway key pair made here and
 * discarded: the hub checks only the signature and the CN.
 */
import { CustodianError } from '../errors';
import { exportSpki, generateKeyPair, HUB_CODE_PATTERN, PkiCodes } from '../pki/index';
import type { AuthorityContext } from './context';
import { requireActive, requireUnlocked } from './guards';
import { journalledIssue } from './journalled-sign';
import { checkDays } from './subject';

export interface VerificationCertParams {
  /** Validity in days (hubVerification profile: default 30, max 90). */
  days?: number;
}

export interface VerificationCertResult {
  pem: string;
  /** DER, for the `.cer` file the portal accepts. */
  der: Uint8Array;
  code: string;
  subject: string;
  serialHex: string;
  fingerprint: string;
  notBefore: Date;
  notAfter: Date;
  issuerFingerprint: string;
}

export async function verificationCert(ctx: AuthorityContext, code: string, p: VerificationCertParams = {}): Promise<VerificationCertResult> {
  const { meta, chain } = requireActive(ctx);
  const key = requireUnlocked(ctx);
  const days = p.days === undefined ? undefined : checkDays(p.days);
  if (!HUB_CODE_PATTERN.test(code)) {
    // Refused before an intent is recorded: the ledger holds only signings that were attempted.
    throw new CustodianError(PkiCodes.PROFILE_INVALID_COMMON_NAME, 'a hub verification code is 1–64 ASCII letters and digits', { length: code.length });
  }
  const now = ctx.now();
  const throwaway = await generateKeyPair('P-256', { extractable: false });
  const spki = await exportSpki(throwaway.publicKey);
  const issuerFingerprint = meta.certificateFingerprint ?? '';
  const cert = await journalledIssue(ctx, {
    kind: 'verification',
    profile: 'hubVerification',
    subject: { commonName: code },
    subjectPublicKey: spki,
    issuer: { certificate: chain[0]!, privateKey: key.privateKey, fingerprint: issuerFingerprint },
    now,
    days,
  });
  await ctx.emit({
    type: 'authority.verification-cert-issued',
    at: now.toISOString(),
    code,
    serialHex: cert.serialHex,
    fingerprint: cert.fingerprintSha256,
    notAfter: cert.notAfter.toISOString(),
    issuerFingerprint,
  });
  return {
    pem: cert.pem,
    der: cert.der,
    code,
    subject: cert.subject,
    serialHex: cert.serialHex,
    fingerprint: cert.fingerprintSha256,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    issuerFingerprint,
  };
}
