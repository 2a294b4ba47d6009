/**
 * Ceremony: the work-order signing certificate (docs/work-orders.md). The CA
 * key signs it once; from then on the upstream custodian signs work orders
 * with this certificate's key, so the CA key (the brand's offline root, say)
 * stays put. The new key is sealed in the vault at `keyFile` like a CA key;
 * only the certificate and its chain are returned.
 */
import { rmSync } from 'node:fs';
import { issueCertificate, toPem, type CaKeySpec } from '../pki/index';
import type { AuthorityContext } from './context';
import { requireActive, requireUnlocked } from './guards';
import { journalledSign, planSigning } from './journalled-sign';
import { assertKeySpec, createSealedKey, spkiSha256 } from './keys';
import { checkDays, checkSubject, subjectText, type CaSubject } from './subject';

export interface WorkOrderSignerParams extends CaSubject {
  /** Where the new key is sealed (age v1 / scrypt, mode 0600); refused if the file exists. */
  keyFile: string;
  /** Seals the new key: a new passphrase, held to the vault's rule. */
  passphrase: string;
  /** Default P-256. */
  keySpec?: CaKeySpec;
  /** workOrderSigner profile: default 365, max 825, never past this CA's own certificate. */
  days?: number;
}

export interface WorkOrderSignerResult {
  /** The signer certificate, then this CA's chain up to the root (PEM). */
  chainPem: string;
  certificate: Uint8Array;
  subject: string;
  serialHex: string;
  fingerprint: string;
  notBefore: Date;
  notAfter: Date;
  issuerFingerprint: string;
  keyFile: string;
}

export async function workOrderSigner(ctx: AuthorityContext, p: WorkOrderSignerParams): Promise<WorkOrderSignerResult> {
  const { meta, chain } = requireActive(ctx);
  const key = requireUnlocked(ctx);
  const subject = checkSubject({ commonName: p.commonName, ...(p.organization !== undefined ? { organization: p.organization } : {}) });
  const days = p.days === undefined ? undefined : checkDays(p.days);
  const spec = p.keySpec ?? 'P-256';
  assertKeySpec(spec);
  const now = ctx.now();
  // Sealed before anything is signed: a passphrase the vault refuses leaves no certificate behind.
  const signerKey = await createSealedKey(p.keyFile, spec, p.passphrase, ctx.logN);
  const spki = signerKey.spki;
  const issuerFingerprint = meta.certificateFingerprint ?? '';
  let cert;
  try {
    const plan = planSigning({
      // The journal contract has two kinds today; a work-order signer is, like a verification certificate, a one-off non-CA certificate.
      kind: 'work-order-signer',
      profile: 'workOrderSigner',
      subject: subjectText(subject),
      spkiSha256: spkiSha256(spki),
      issuerFingerprint,
      issuerCertificate: chain[0]!,
      notBefore: now,
      ...(days !== undefined ? { days } : {}),
    });
    cert = await journalledSign(ctx, plan, (random) => issueCertificate({
      profile: 'workOrderSigner',
      ...subject,
      subjectPublicKey: spki,
      issuer: { certificate: chain[0]!, privateKey: key.privateKey },
      notBefore: now,
      ...(days !== undefined ? { days } : {}),
      now,
      random,
      signer: ctx.signer,
    }));
  } catch (e) {
    // A key without its certificate would only confuse the next ceremony: it goes with the failed signing.
    rmSync(p.keyFile, { force: true });
    throw e;
  }
  return {
    chainPem: [cert.der, ...chain].map((d) => toPem(d)).join(''),
    certificate: cert.der,
    subject: cert.subject,
    serialHex: cert.serialHex,
    fingerprint: cert.fingerprintSha256,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    issuerFingerprint,
    keyFile: p.keyFile,
  };
}
