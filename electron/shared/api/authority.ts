/**
 * `authority.*`: the station's CA. The CA private key and the passphrase never
 * appear in any result: only status, certificates and fingerprints do.
 * Every call here resets the auto-lock idle timer.
 */
import { z } from 'zod';
import { CertificateSummary, CsrPem, FileHandle, KeyAlgorithm, Label, NoArg, Iso, Sha256Hex, Written } from './common';

/** An existing passphrase (to unlock). */
export const Passphrase = z.string().min(1).max(1024);
/** A new passphrase (ceremonies that create a key). */
export const NewPassphrase = z.string().min(12, 'use at least 12 characters').max(1024);

export const LockState = z.enum(['none', 'locked', 'unlocked']);
export type LockState = z.output<typeof LockState>;

export const AuthorityStatus = z.object({
  /** none = no authority configured on this station. */
  state: LockState,
  /** root: self-signed; subordinate: signed by an offline root; pending: request created, bundle not imported; demo: throwaway. */
  kind: z.enum(['root', 'subordinate', 'pending', 'demo']).nullable(),
  subject: z.string().nullable(),
  /** SHA-256 of the issuing CA certificate. */
  fingerprint: Sha256Hex.nullable(),
  notAfter: Iso.nullable(),
  /** When the CA will lock itself if idle; null when locked or auto-lock is off. */
  autoLockAt: Iso.nullable(),
});
export type AuthorityStatus = z.output<typeof AuthorityStatus>;

/** CA names: the authority's profiles issue CN and O only (any other field is refused as an unknown key). */
const Subject = z.strictObject({
  commonName: Label(64),
  organization: Label(64).optional(),
});

export const authorityMethods = {
  'authority.status': { input: NoArg, output: AuthorityStatus },
  'authority.unlock': { input: z.strictObject({ passphrase: Passphrase }), output: AuthorityStatus },
  'authority.lock': { input: NoArg, output: AuthorityStatus },
  /** The issuing CA's chain, issuing CA first, root last. */
  'authority.chain': {
    input: NoArg,
    output: z.object({ certificates: z.array(CertificateSummary) }),
  },
  /** Create a self-signed root on this station (key sealed with the new passphrase). */
  'authority.initRoot': {
    input: z.strictObject({
      subject: Subject,
      keyAlgorithm: KeyAlgorithm.default('P-256'),
      validityDays: z.number().int().min(1).max(365 * 30),
      /** null = the root profile default (pathLen 2); every CA the station makes carries a pathLen. */
      pathLen: z.number().int().min(0).max(8).nullable(),
      passphrase: NewPassphrase,
    }),
    output: z.object({ status: AuthorityStatus, certificate: CertificateSummary }),
  },
  /** Create this station's subordinate CA key and a CSR for the offline root to sign. */
  'authority.createRequest': {
    input: z.strictObject({
      subject: Subject,
      keyAlgorithm: KeyAlgorithm.default('P-256'),
      passphrase: NewPassphrase,
      /** From files.save (purpose 'csr'); the CSR is also returned. */
      target: FileHandle.optional(),
    }),
    output: z.object({ status: AuthorityStatus, csrPem: CsrPem, spkiFingerprint: Sha256Hex, written: Written.nullable() }),
  },
  /** Sign another station's CA request with this (unlocked) authority. */
  'authority.signSubordinate': {
    input: z.strictObject({
      /** From files.open (purpose 'csr'). */
      request: FileHandle,
      validityDays: z.number().int().min(1).max(365 * 20),
      /** Required (null is refused with AUTHORITY_BAD_INPUT): 0 = the subordinate may sign devices only. */
      pathLen: z.number().int().min(0).max(8).nullable(),
      /** From files.save (purpose 'bundle'): the signed certificate + chain. */
      target: FileHandle,
    }),
    output: z.object({ certificate: CertificateSummary, written: Written }),
  },
  /**
   * Complete a pending subordinate: import the signed certificate + chain. Or,
   * with `key`, migrate an existing CA (e.g. made with OpenSSL) into the vault
   * on a station without an authority: the bundle must hold that key's
   * certificate and reach a root. The key file is read by the station only;
   * nothing key-like comes back.
   */
  'authority.importBundle': {
    input: z.strictObject({
      /** From files.open (purpose 'bundle', 'chain' or 'certificate'). */
      bundle: FileHandle,
      /** From files.open (purpose 'key'): the CA's PEM private key (PKCS#8, SEC1 or PKCS#1, unencrypted). */
      key: FileHandle.optional(),
      /** With `key`, and only then: the new passphrase the key is sealed under. */
      passphrase: NewPassphrase.optional(),
    }).refine((a) => (a.key === undefined) === (a.passphrase === undefined), {
      message: 'a key file and a new passphrase go together',
      path: ['passphrase'],
    }),
    output: z.object({ status: AuthorityStatus, chain: z.array(CertificateSummary) }),
  },
  /** Proof-of-possession certificate for a cloud registry (e.g. a registration code as CN). */
  'authority.verificationCert': {
    input: z.strictObject({
      /** The code the cloud asks to see as the subject CN. */
      code: z.string().regex(/^[A-Za-z0-9]{1,64}$/),
      validityDays: z.number().int().min(1).max(30).default(1),
      target: FileHandle.optional(),
    }),
    output: z.object({ certificate: CertificateSummary, written: Written.nullable() }),
  },
  'authority.exportChain': {
    input: z.strictObject({ target: FileHandle }),
    output: z.object({ written: Written, certificates: z.number().int().min(1) }),
  },
  /** A throwaway root + issuing CA for demos and first-run practice (kind 'demo'). */
  'authority.createDemoAuthority': {
    input: z.strictObject({ passphrase: NewPassphrase }),
    output: z.object({ status: AuthorityStatus, chain: z.array(CertificateSummary) }),
  },
} as const;
