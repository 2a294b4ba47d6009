/**
 * Schemas shared by several areas of the station API.
 *
 * Result schemas use `z.object` (unknown keys are stripped) so a field the
 * core adds by mistake — a key, a passphrase — never reaches a renderer.
 * Argument schemas use `z.strictObject` (unknown keys are refused).
 * Text that may carry PEM is checked to hold certificates or requests only.
 */
import { z } from 'zod';

/** No argument. */
export const NoArg = z.undefined();

export const Iso = z.iso.datetime({ offset: true });
/** SHA-256 fingerprint, lowercase hex. */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
export const SerialHex = z.string().regex(/^[0-9a-f]{1,40}$/);

const NO_KEY = (s: string) => !/PRIVATE KEY|ENCRYPTED|BEGIN [A-Z ]*KEY-----/.test(s);

/** One or more PEM certificates and nothing else. */
export const CertificatePem = z
  .string()
  .max(256 * 1024)
  .regex(/^\s*(-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*)+$/)
  .refine(NO_KEY, 'must not contain key material');

/** One PKCS#10 request in PEM. */
export const CsrPem = z
  .string()
  .max(64 * 1024)
  .regex(/^\s*-----BEGIN CERTIFICATE REQUEST-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE REQUEST-----\s*$/)
  .refine(NO_KEY, 'must not contain key material');

/** Short free text shown to users (names, reasons). Never PEM. */
export const Label = (max = 200) => z.string().trim().min(1).max(max).refine((s) => !s.includes('-----BEGIN'), 'must not be PEM');

export const KeyAlgorithm = z.enum(['P-256', 'P-384', 'RSA-2048', 'RSA-3072', 'RSA-4096']);
export type KeyAlgorithm = z.output<typeof KeyAlgorithm>;

/** What the UI shows about one certificate. Public data only. */
export const CertificateSummary = z.object({
  subject: z.string(),
  issuer: z.string(),
  serialHex: SerialHex,
  /** SHA-256 of the certificate DER. */
  fingerprint: Sha256Hex,
  /** SHA-256 of the SubjectPublicKeyInfo DER (identifies the key without revealing anything). */
  spkiFingerprint: Sha256Hex,
  notBefore: Iso,
  notAfter: Iso,
  keyAlgorithm: z.string(),
  isCa: z.boolean(),
  /** basicConstraints pathLenConstraint; null when absent (unlimited) or not a CA. */
  pathLen: z.number().int().min(0).nullable(),
  /**
   * How many more CA levels may be created below this certificate, given every
   * constraint above it in the chain; null = unlimited, 0 = can sign leaves only.
   */
  pathLenRoom: z.number().int().min(0).nullable(),
  pem: CertificatePem,
});
export type CertificateSummary = z.output<typeof CertificateSummary>;

/**
 * Files never travel as paths from the renderer: `files.open` / `files.save` /
 * `files.pickDirectory` show the platform picker in the main process and hand
 * back an opaque one-use handle, which a ceremony or export then consumes.
 */
export const FileHandle = z.string().regex(/^fh_[A-Za-z0-9_-]{16,64}$/);
/** `key`: a CA private key to migrate into the vault (opened and read by the station only). */
export const FilePurpose = z.enum(['csr', 'bundle', 'certificate', 'chain', 'key', 'audit-bundle', 'proof', 'work-order', 'any']);
export type FilePurpose = z.output<typeof FilePurpose>;

/** Result of an export: the file or folder name written (not the full path). */
export const Written = z.object({ name: z.string(), bytes: z.number().int().min(0) });
