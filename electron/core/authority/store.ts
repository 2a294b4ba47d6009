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
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CustodianError } from '../errors';
import { fromPem, toPem } from '../pki/index';
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
  /** Where the CA key is: absent = sealed in the vault (ca-key.age). */
  keyLocation: TokenKeyLocationSchema.optional(),
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
    return certs;
  }

  writeChain(chain: readonly Uint8Array[]): void {
    writeFileAtomic(this.certFile, toPem(chain[0]!, 'CERTIFICATE'), { mode: 0o644, overwrite: true });
    writeFileAtomic(this.chainFile, chain.map((d) => toPem(d, 'CERTIFICATE')).join(''), { mode: 0o644, overwrite: true });
  }

  writeRequest(csrPem: string): void {
    writeFileAtomic(this.requestFile, csrPem, { mode: 0o644, overwrite: true });
  }

  writeIssued(serialHex: string, pem: string): void {
    writeFileAtomic(this.issuedFile(serialHex), pem, { mode: 0o644, overwrite: false });
  }
}
