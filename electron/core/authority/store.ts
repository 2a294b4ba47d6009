/**
 * The authority's on-disk layout under `<home>/authority/` (directory 0700):
 *
 *   ca-key.age        the CA private key (vault: age v1 / scrypt, 0600), unless
 *                     the key is in a PKCS#11 token (authority.json keyLocation)
 *   ca-cert.pem       this station's CA certificate (active only)
 *   chain.pem         this CA first, then each issuer up to the root (active only)
 *   request.csr.pem   the CSR of a pending request (kept for reference)
 *   authority.json    metadata, written last: it is the commit point of every ceremony
 *                     (names, key fingerprint, state, the pinned upstream root)
 *   issued/           copies of the subordinate CA certificates this CA signed
 *   generations/<id>/ a CA generation other than the first (rollover.ts): the
 *                     successor's key (ca-key.age) and CSR while it is pending,
 *                     then its key while it signs; a retired generation's chain
 *                     (chain.pem) is kept there for CRLs and chains. Which key
 *                     file is the signer's is named in authority.json (keyFile).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CustodianError } from '../errors';
import { fingerprintSha256, fromPem, toPem } from '../pki/index';
import { writeFileAtomic } from '../vault/index';
import { AuthorityCodes } from './codes';

export const AUTHORITY_FORMAT = 'custodian-authority/1';

/** A CA key held in a PKCS#11 token (docs/hsm.md): the URI finds it again; the rest is for people. */
const TokenKeyLocationSchema = z.object({
  kind: z.literal('token'),
  /** RFC 7512 URI naming the token by label and serial and the key by id. */
  uri: z.string().startsWith('pkcs11:'),
  modulePath: z.string(),
  tokenLabel: z.string(),
  tokenSerial: z.string(),
  tokenModel: z.string(),
  tokenManufacturer: z.string(),
  keyLabel: z.string().nullable(),
  keyIdHex: z.string().regex(/^[0-9a-f]*$/),
});
export type TokenKeyLocation = z.output<typeof TokenKeyLocationSchema>;

/** A path under the authority directory (no `..`, not absolute). */
const RelativePath = z.string().regex(/^(?!.*\.\.)[a-z0-9][a-z0-9/._-]{0,200}$/, 'a path inside the authority directory');

/** A successor CA key and its CSR, made while the current CA keeps signing (rollover.ts). */
const SuccessorSchema = z.object({
  subject: z.object({ commonName: z.string(), organization: z.string().optional() }),
  keySpec: z.string(),
  spkiSha256: z.string().regex(/^[0-9a-f]{64}$/),
  spkiDer: z.string(),
  createdAt: z.string(),
  csrSha256: z.string(),
  /** The successor's key file (vault), absent for a key in a token. */
  keyFile: RelativePath.optional(),
  requestFile: RelativePath,
  keyLocation: TokenKeyLocationSchema.optional(),
});
export type SuccessorMeta = z.output<typeof SuccessorSchema>;

/** A CA generation that signed devices on this station before a rollover: kept for CRLs and for its devices' chains. */
const RetiredSchema = z.object({
  certificateFingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  subject: z.string(),
  notAfter: z.string(),
  activatedAt: z.string().nullable(),
  retiredAt: z.string(),
  keySpec: z.string(),
  spkiSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Its key file (vault), absent for a key in a token. */
  keyFile: RelativePath.optional(),
  keyLocation: TokenKeyLocationSchema.optional(),
  /** Its chain (this CA first, root last). */
  chainFile: RelativePath,
});
export type RetiredMeta = z.output<typeof RetiredSchema>;

const Meta = z.object({
  format: z.literal(AUTHORITY_FORMAT),
  state: z.enum(['pending', 'active']),
  kind: z.enum(['root', 'subordinate']).nullable(),
  subject: z.object({ commonName: z.string(), organization: z.string().optional() }),
  keySpec: z.string(),
  keyOrigin: z.enum(['generated', 'imported']),
  spkiSha256: z.string().regex(/^[0-9a-f]{64}$/),
  spkiDer: z.string(), // base64
  createdAt: z.string(),
  activatedAt: z.string().nullable(),
  request: z.object({ csrSha256: z.string(), createdAt: z.string() }).nullable(),
  certificateFingerprint: z.string().nullable(),
  /**
   * The upstream root this station belongs to (root-pin.ts), pinned at
   * `request` or `import`; null for a root of its own. Files written before
   * pinning existed have no such field.
   */
  pinnedRoot: z.object({
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** The root's subject, when it was pinned by its certificate. */
    subject: z.string().nullable(),
    /** The root certificate (DER, base64), when it was pinned by its certificate. */
    certificate: z.string().nullable(),
    pinnedAt: z.string(),
  }).nullable().optional(),
  /** Where the CA key is: absent = sealed in the vault (`keyFile`, default ca-key.age). */
  keyLocation: TokenKeyLocationSchema.optional(),
  /** The signing key's file under the authority directory when it is not ca-key.age (a successor's, after a rollover). */
  keyFile: RelativePath.optional(),
  /** A pending successor (`authority request --successor`), until its signed bundle is imported. */
  successor: SuccessorSchema.optional(),
  /** Earlier CA generations of this station, oldest first. */
  retired: z.array(RetiredSchema).optional(),
  /**
   * A copy of the signing CA's chain, written before authority.json names it
   * (a successor's, at its import): chain.pem is made again from it when a
   * crash left chain.pem behind authority.json.
   */
  chainFile: RelativePath.optional(),
});
export type AuthorityMeta = z.output<typeof Meta>;

export class AuthorityStore {
  readonly dir: string;
  constructor(readonly home: string) {
    this.dir = join(home, 'authority');
  }
  get keyFile(): string { return join(this.dir, 'ca-key.age'); }
  get certFile(): string { return join(this.dir, 'ca-cert.pem'); }
  get chainFile(): string { return join(this.dir, 'chain.pem'); }
  get requestFile(): string { return join(this.dir, 'request.csr.pem'); }
  get metaFile(): string { return join(this.dir, 'authority.json'); }
  issuedFile(serialHex: string): string { return join(this.dir, 'issued', `${serialHex}.pem`); }
  /** A file named relative to the authority directory in authority.json. */
  at(relative: string): string { return join(this.dir, relative); }
  /** The signing key's file for this metadata (ca-key.age unless it names another). */
  keyFileOf(meta: Pick<AuthorityMeta, 'keyFile'> | null): string { return meta?.keyFile ? this.at(meta.keyFile) : this.keyFile; }
  /** The folder of a CA generation other than the first, by an identifier (its key's SPKI SHA-256, or a certificate fingerprint). */
  generationDir(id: string): string { return `generations/${id.slice(0, 16)}`; }

  /** A chain file named relative to the authority directory (this CA first, root last). */
  readChainAt(relative: string): Uint8Array[] {
    let text: string;
    try {
      text = readFileSync(this.at(relative), 'utf8');
    } catch (e) {
      throw this.corrupted(`${relative} is missing`, e);
    }
    return fromPem(text, 'CERTIFICATE').map((b) => b.der);
  }

  private corrupted(message: string, cause?: unknown): CustodianError {
    return new CustodianError(AuthorityCodes.STATE_CORRUPTED, `${message} (under ${this.dir})`, { dir: this.dir }, cause ? { cause } : undefined);
  }

  readMeta(): AuthorityMeta | null {
    if (!existsSync(this.metaFile)) return null;
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.metaFile, 'utf8'));
    } catch (e) {
      throw this.corrupted('authority.json is not readable JSON', e);
    }
    const parsed = Meta.safeParse(raw);
    if (!parsed.success) throw this.corrupted(`authority.json is not a ${AUTHORITY_FORMAT} document`);
    return parsed.data;
  }

  writeMeta(meta: AuthorityMeta): void {
    writeFileAtomic(this.metaFile, `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o600, overwrite: true });
  }

  /** Chain as stored: this CA first, root last. */
  readChain(): Uint8Array[] {
    let text: string;
    try {
      text = readFileSync(this.chainFile, 'utf8');
    } catch (e) {
      throw this.corrupted('chain.pem is missing', e);
    }
    const certs = fromPem(text, 'CERTIFICATE').map((b) => b.der);
    if (certs.length === 0) throw this.corrupted('chain.pem holds no certificate');
    // authority.json is the commit point: a chain.pem a crash left behind it is made again from the committed copy.
    const meta = this.readMeta();
    if (meta?.chainFile && meta.certificateFingerprint && fingerprintSha256(certs[0]!) !== meta.certificateFingerprint) {
      const committed = this.readChainAt(meta.chainFile);
      if (committed[0] && fingerprintSha256(committed[0]) === meta.certificateFingerprint) {
        this.writeChain(committed);
        return committed;
      }
    }
    return certs;
  }

  writeChain(chain: readonly Uint8Array[]): void {
    writeFileAtomic(this.certFile, toPem(chain[0]!, 'CERTIFICATE'), { mode: 0o644, overwrite: true });
    writeFileAtomic(this.chainFile, chain.map((d) => toPem(d, 'CERTIFICATE')).join(''), { mode: 0o644, overwrite: true });
  }

  writeRequest(csrPem: string): void {
    writeFileAtomic(this.requestFile, csrPem, { mode: 0o644, overwrite: true });
  }

  /** A public file named relative to the authority directory; `keepExisting`: leave one already there as it is. */
  writeRelative(relative: string, text: string, opts: { keepExisting?: boolean } = {}): void {
    const path = this.at(relative);
    if (opts.keepExisting && existsSync(path)) return;
    writeFileAtomic(path, text, { mode: 0o644, overwrite: !opts.keepExisting });
  }

  writeIssued(serialHex: string, pem: string): void {
    writeFileAtomic(this.issuedFile(serialHex), pem, { mode: 0o644, overwrite: false });
  }
}
