/**
 * Ceremony: the work-order signing certificate (docs/work-orders.md). The CA
 * key signs it once; from then on the upstream custodian signs work orders
 * with this certificate's key, so the CA key (the brand's offline root, say)
 * stays put. The new key is sealed in the vault at `keyFile` like a CA key;
 * only the certificate and its chain are returned.
 */
import { rmSync } from 'node:fs';
import { toPem, type CaKeySpec } from '../pki/index';
import type { AuthorityContext } from './context';
import { requireActive, requireUnlocked } from './guards';
import { journalledIssue } from './journalled-sign';
import { assertKeySpec, createSealedKey } from './keys';
import { checkDays, checkSubject, type CaSubject } from './subject';

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
  const issuerFingerprint = meta.certificateFingerprint ?? '';
  let cert;
  try {
    cert = await journalledIssue(ctx, {
      kind: 'work-order-signer',
      profile: 'workOrderSigner',
      subject,
      subjectPublicKey: signerKey.spki,
      issuer: { certificate: chain[0]!, privateKey: key.privateKey, fingerprint: issuerFingerprint },
      now,
      days,
    });
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
