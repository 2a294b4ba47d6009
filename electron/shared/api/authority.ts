/**
 * `authority.*`: the station's CA. The CA private key, the passphrase and a
 * token PIN never appear in any result: only status, certificates and
 * fingerprints do.
 * Every call here resets the auto-lock idle timer.
 */
import { z } from 'zod';
import { PASSPHRASE_RULE, newPassphraseProblem } from '../passphrase-rule';
import { CertificateSummary, CsrPem, FileHandle, KeyAlgorithm, Label, NoArg, Iso, Sha256Hex, Written } from './common';

/** An existing passphrase (to unlock). */
export const Passphrase = z.string().min(1).max(1024);
/** A new passphrase (ceremonies that create a key): the vault's rule (electron/shared/passphrase-rule.ts). */
export const NewPassphrase = z.string().min(PASSPHRASE_RULE.minLength, `use at least ${PASSPHRASE_RULE.minLength} characters`).max(PASSPHRASE_RULE.maxLength)
  .superRefine((p, ctx) => {
    const problem = newPassphraseProblem(p);
    if (problem) ctx.addIssue({ code: 'custom', message: problem.message });
  });

/** The PIN of a PKCS#11 token (its own rules apply; the station checks length and characters). */
export const TokenPin = z.string().min(1).max(128);

/**
 * A new CA key generated in a PKCS#11 token instead of the vault
 * (docs/hsm.md): the RFC 7512 URI names the module (module-path), the token
 * (token label or serial) and the key (object label or id); never a PIN.
 */
export const TokenPlacement = z.strictObject({
  uri: z.string().max(4096).regex(/^pkcs11:/i, 'a pkcs11: URI'),
  pin: TokenPin,
});
export type TokenPlacement = z.output<typeof TokenPlacement>;

/** Where a ceremony's new key goes: exactly one of a new vault passphrase or a token. */
const oneKeyPlace = (a: { passphrase?: string | undefined; token?: TokenPlacement | undefined }) => (a.passphrase === undefined) !== (a.token === undefined);
const ONE_KEY_PLACE = { message: 'give either a new passphrase (key sealed in the vault) or a token (key generated in it)', path: ['passphrase'] };

export const LockState = z.enum(['none', 'locked', 'unlocked']);
export type LockState = z.output<typeof LockState>;

/**
 * Where the CA key is (docs/hsm.md): sealed in the vault, or held by a
 * PKCS#11 token. For a token the unlock secret is its PIN.
 */
export const KeyLocation = z.union([
  z.object({ location: z.literal('vault') }),
  z.object({
    location: z.literal('token'),
    tokenLabel: z.string().max(64),
    tokenSerial: z.string().max(64),
    /** The key's CKA_LABEL, if it has one. */
    keyLabel: z.string().max(256).nullable(),
    /** The key's CKA_ID, lowercase hex. */
    keyId: z.string().regex(/^[0-9a-f]{0,512}$/),
  }),
]);
export type KeyLocation = z.output<typeof KeyLocation>;

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
  /** Where the CA key is; absent or null when the station cannot say (no authority, or an older station service). */
  key: KeyLocation.nullable().optional(),
  /**
   * The signing CA nears its notAfter: the nearest of the thresholds in
   * shared/ca-expiry.ts (90, 30, 7 days; 0 once expired) it is under, or null.
   */
  expiryWarning: z.object({ daysLeft: z.number().int(), thresholdDays: z.union([z.literal(90), z.literal(30), z.literal(7), z.literal(0)]) }).nullable().optional(),
});
export type AuthorityStatus = z.output<typeof AuthorityStatus>;

/** CA names: the authority's profiles issue CN and O only (any other field is refused as an unknown key). */
const Subject = z.strictObject({
  commonName: Label(64),
  organization: Label(64).optional(),
});

/**
 * The upstream root a subordinate station belongs to, taken from the
 * upstream hand-over (never from the bundle): the root certificate file, or
 * its SHA-256 fingerprint (64 hex digits, colon-separated pairs allowed).
 */
export const RootPin = z.union([
  z.strictObject({ certificate: FileHandle }),
  z.strictObject({ sha256: z.string().trim().regex(/^(?:[0-9A-Fa-f]{64}|[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){31})$/, 'a SHA-256 fingerprint: 64 hex digits') }),
]);
export type RootPin = z.output<typeof RootPin>;

/** What an import compared: the pinned root and the root the bundle's chain ends in (equal when it succeeds). */
export const RootCheck = z.object({ pinnedSha256: Sha256Hex, chainSha256: Sha256Hex, pinnedBy: z.enum(['certificate', 'sha256']) });
export type RootCheck = z.output<typeof RootCheck>;

export const authorityMethods = {
  'authority.status': { input: NoArg, output: AuthorityStatus },
  /** `passphrase` is the vault passphrase, or the token PIN when `status.key.location` is 'token'. */
  'authority.unlock': { input: z.strictObject({ passphrase: Passphrase }), output: AuthorityStatus },
  'authority.lock': { input: NoArg, output: AuthorityStatus },
  /** The issuing CA's chain, issuing CA first, root last. */
  'authority.chain': {
    input: NoArg,
    output: z.object({ certificates: z.array(CertificateSummary) }),
  },
  /** Create a self-signed root on this station: its key sealed with the new passphrase, or generated in `token` (EC only). */
  'authority.initRoot': {
    input: z.strictObject({
      subject: Subject,
      keyAlgorithm: KeyAlgorithm.default('P-256'),
      validityDays: z.number().int().min(1).max(365 * 30),
      /** null = the root profile default (pathLen 2); every CA the station makes carries a pathLen. */
      pathLen: z.number().int().min(0).max(8).nullable(),
      passphrase: NewPassphrase.optional(),
      token: TokenPlacement.optional(),
    }).refine(oneKeyPlace, ONE_KEY_PLACE),
    output: z.object({ status: AuthorityStatus, certificate: CertificateSummary }),
  },
  /** Create this station's subordinate CA key (vault, or `token`) and a CSR for the offline root to sign. */
  'authority.createRequest': {
    input: z.strictObject({
      subject: Subject,
      keyAlgorithm: KeyAlgorithm.default('P-256'),
      passphrase: NewPassphrase.optional(),
      token: TokenPlacement.optional(),
      /** From files.save (purpose 'csr'); the CSR is also returned. */
      target: FileHandle.optional(),
      /** Pin the upstream root with the request (certificate from files.open, purpose 'certificate'); otherwise importBundle needs it. */
      root: RootPin.optional(),
    }).refine(oneKeyPlace, ONE_KEY_PLACE),
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
   * nothing key-like comes back. The chain must end in the pinned root
   * (AUTHORITY_ROOT_MISMATCH otherwise, naming both fingerprints).
   */
  'authority.importBundle': {
    input: z.strictObject({
      /** From files.open (purpose 'bundle', 'chain' or 'certificate'). */
      bundle: FileHandle,
      /** From files.open (purpose 'key'): the CA's PEM private key (PKCS#8, SEC1 or PKCS#1, unencrypted). */
      key: FileHandle.optional(),
      /** With `key`, and only then: the new passphrase the key is sealed under. */
      passphrase: NewPassphrase.optional(),
      /**
       * The upstream root (certificate from files.open, purpose 'certificate', or its SHA-256).
       * Refused with AUTHORITY_ROOT_NOT_PINNED when absent and the request pinned none.
       */
      root: RootPin.optional(),
    }).refine((a) => (a.key === undefined) === (a.passphrase === undefined), {
      message: 'a key file and a new passphrase go together',
      path: ['passphrase'],
    }),
    output: z.object({ status: AuthorityStatus, chain: z.array(CertificateSummary), root: RootCheck }),
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
