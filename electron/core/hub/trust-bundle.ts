/**
 * The hub's TLS server trust anchors the station installs into every device,
 * so the device can verify the hub it connects to (Azure IoT Hub today, whose
 * server roots Azure rotates: both are installed).
 *
 * Shipped as data, not code: `resources/trust-anchors/` holds one PEM per
 * anchor and `manifest.json` pinning each one's SHA-256 fingerprint and
 * notAfter (resources/README.md). Packaged, the folder is an extraResource
 * beside the asar (`<resourcesPath>/trust-anchors`). A station may replace it
 * with its own PEM files (settings `trustAnchors`, or `custodian provision
 * --trust-anchors`), or install none.
 *
 * Every anchor, shipped or configured, must parse as one X.509 certificate,
 * be a CA (basicConstraints cA) and be within its validity; a shipped one
 * must also have exactly the fingerprint and notAfter its manifest pins. Any
 * refusal stops the station session before a device is touched
 * (TRUST_BUNDLE_* in ./codes.ts). Every file is read bounded.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INPUT_LIMITS, readBoundedSync } from '../bounded-read';
import { CustodianError, isCustodianError } from '../errors';
import { readCertificate, type CertificateFacts } from '../pki/certificate-facts';
import { fromPem } from '../pki/pem';
import { TrustBundleCodes } from './codes';

/** What the station installs, as its settings say (electron/shared/api/settings.ts `trustAnchors`). */
export interface TrustAnchorSetting {
  /** `azure`: the shipped bundle; `custom`: the PEM files below; `none`: no anchors installed. */
  bundle: 'azure' | 'custom' | 'none';
  /** With `custom`: PEM files, each holding one or more CA certificates. */
  pemFiles: readonly string[];
}

export interface TrustAnchor {
  /** The manifest's name, or the certificate's subject for a configured file. */
  name: string;
  /** SHA-256 of the DER, uppercase hex without separators (as the manifest writes it). */
  sha256: string;
  notAfter: string;
  der: Uint8Array;
  /** The file it came from. */
  file: string;
}

export interface TrustBundle {
  bundle: TrustAnchorSetting['bundle'];
  anchors: TrustAnchor[];
}

/** The manifest of the shipped bundle. */
export const TRUST_MANIFEST = 'manifest.json';
/** A manifest is a few hundred bytes; anything near this is not one. */
const MANIFEST_LIMIT = 64 * 1024;
/** More anchors than this is not a hub's server roots. */
export const MAX_TRUST_ANCHORS = 16;

export interface LoadOptions {
  /** The shipped bundle's folder (default: bundledTrustAnchorsDir()). */
  dir?: string;
  now?: Date;
}

const fail = (code: string, message: string, details: Record<string, unknown> = {}): never => {
  throw new CustodianError(code, message, details);
};

/**
 * Where the shipped bundle is: `<resourcesPath>/trust-anchors` in the packaged
 * app, else the repository's `resources/trust-anchors` (the CLI, tests, `electron-vite dev`).
 */
export function bundledTrustAnchorsDir(): string {
  const candidates: string[] = [];
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath) candidates.push(join(resourcesPath, 'trust-anchors'));
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    candidates.push(join(d, 'resources', 'trust-anchors'));
    d = dirname(d);
  }
  return candidates.find((c) => existsSync(join(c, TRUST_MANIFEST))) ?? candidates.at(-1)!;
}

function readFile(path: string, what: string, limit: number): Buffer {
  try {
    return readBoundedSync(path, { limit, what, regularOnly: true });
  } catch (e) {
    if (isCustodianError(e)) throw e;
    return fail(TrustBundleCodes.NOT_FOUND, `The ${what} ${path} cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`, { path });
  }
}

/** Every certificate in a PEM file (TRUST_BUNDLE_INVALID if there is none, or one does not parse). */
function certificatesIn(path: string): CertificateFacts[] {
  const text = readFile(path, 'trust anchor file', INPUT_LIMITS.certificates).toString('utf8');
  let blocks;
  try {
    blocks = fromPem(text, 'CERTIFICATE');
  } catch (e) {
    return fail(TrustBundleCodes.INVALID, `The trust anchor file ${path} is not valid PEM: ${(e as Error).message}.`, { path });
  }
  if (blocks.length === 0) fail(TrustBundleCodes.INVALID, `The trust anchor file ${path} holds no PEM certificate.`, { path });
  return blocks.map((b, index) => {
    try {
      return readCertificate(b.der);
    } catch {
      return fail(TrustBundleCodes.INVALID, `Certificate ${index + 1} in the trust anchor file ${path} does not parse as X.509.`, { path, index });
    }
  });
}

/** An anchor must be a CA within its validity. */
function checkAnchor(c: CertificateFacts, file: string, now: Date): void {
  const sha256 = c.fingerprintSha256.toUpperCase();
  if (c.basicConstraints?.ca !== true) {
    fail(TrustBundleCodes.NOT_CA, `${c.subject} in ${file} is not a CA certificate (no basicConstraints cA): it cannot be a trust anchor.`, { file, subject: c.subject, sha256 });
  }
  if (c.notAfter.getTime() <= now.getTime() || c.notBefore.getTime() > now.getTime()) {
    fail(TrustBundleCodes.EXPIRED, `The trust anchor ${c.subject} in ${file} is not valid now (valid ${c.notBefore.toISOString()} to ${c.notAfter.toISOString()}).`, {
      file, subject: c.subject, sha256, notAfter: c.notAfter.toISOString(),
    });
  }
}

const anchorOf = (c: CertificateFacts, name: string, file: string): TrustAnchor => ({
  name, sha256: c.fingerprintSha256.toUpperCase(), notAfter: c.notAfter.toISOString(), der: c.der, file,
});

interface ManifestEntry { name: string; file: string; sha256: string; notAfter: string }

function parseManifest(text: string, path: string): ManifestEntry[] {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return fail(TrustBundleCodes.INVALID, `The trust bundle manifest ${path} is not JSON.`, { path });
  }
  const anchors = (m as { anchors?: unknown } | null)?.anchors;
  if (!Array.isArray(anchors) || anchors.length === 0 || anchors.length > MAX_TRUST_ANCHORS) {
    fail(TrustBundleCodes.INVALID, `The trust bundle manifest ${path} must list 1..${MAX_TRUST_ANCHORS} anchors.`, { path });
  }
  return (anchors as unknown[]).map((a, index) => {
    const e = a as Partial<Record<keyof ManifestEntry, unknown>> | null;
    const ok = e !== null && typeof e === 'object'
      && typeof e.name === 'string' && e.name.length > 0 && e.name.length <= 200
      && typeof e.file === 'string' && /^[A-Za-z0-9._-]{1,100}\.pem$/.test(e.file) && !e.file.startsWith('.')
      && typeof e.sha256 === 'string' && /^[0-9A-Fa-f]{64}$/.test(e.sha256)
      && typeof e.notAfter === 'string' && !Number.isNaN(Date.parse(e.notAfter));
    if (!ok) fail(TrustBundleCodes.INVALID, `Entry ${index + 1} of the trust bundle manifest ${path} needs name, file (a .pem in the same folder), sha256 (64 hex digits) and notAfter (ISO 8601).`, { path, index });
    return e as ManifestEntry;
  });
}

/**
 * The shipped bundle: each anchor the manifest lists, with exactly the
 * fingerprint and notAfter it pins, one certificate per file.
 */
export function loadBundledTrustAnchors(opts: LoadOptions = {}): TrustBundle {
  const dir = opts.dir ?? bundledTrustAnchorsDir();
  const now = opts.now ?? new Date();
  const manifestPath = join(dir, TRUST_MANIFEST);
  const entries = parseManifest(readFile(manifestPath, 'trust bundle manifest', MANIFEST_LIMIT).toString('utf8'), manifestPath);
  const anchors = entries.map((e) => {
    const file = join(dir, e.file);
    const certs = certificatesIn(file);
    if (certs.length !== 1) fail(TrustBundleCodes.INVALID, `The trust anchor file ${file} must hold exactly one certificate, it holds ${certs.length}.`, { file, name: e.name });
    const c = certs[0]!;
    const got = c.fingerprintSha256.toUpperCase();
    if (got !== e.sha256.toUpperCase()) {
      fail(TrustBundleCodes.FINGERPRINT_MISMATCH, `The trust anchor file ${file} is not ${e.name}: its SHA-256 is ${got}, the manifest pins ${e.sha256.toUpperCase()}. Do not provision with it: reinstall Custodian.`, {
        file, name: e.name, expected: e.sha256.toUpperCase(), actual: got,
      });
    }
    if (c.notAfter.getTime() !== Date.parse(e.notAfter)) {
      fail(TrustBundleCodes.EXPIRED, `The manifest gives ${e.name} notAfter ${e.notAfter}, the certificate says ${c.notAfter.toISOString()}.`, { file, name: e.name });
    }
    checkAnchor(c, file, now);
    return anchorOf(c, e.name, file);
  });
  return { bundle: 'azure', anchors: dedupe(anchors) };
}

/** The station's own anchors: every certificate in the given PEM files, each a CA within its validity. */
export function loadTrustAnchorFiles(paths: readonly string[], opts: { now?: Date; base?: string } = {}): TrustBundle {
  const now = opts.now ?? new Date();
  if (paths.length === 0) fail(TrustBundleCodes.INVALID, 'A custom trust bundle needs at least one PEM file.', {});
  const anchors: TrustAnchor[] = [];
  for (const p of paths) {
    const file = isAbsolute(p) ? p : resolve(opts.base ?? process.cwd(), p);
    for (const c of certificatesIn(file)) {
      checkAnchor(c, file, now);
      anchors.push(anchorOf(c, c.subject, file));
    }
  }
  const out = dedupe(anchors);
  if (out.length > MAX_TRUST_ANCHORS) fail(TrustBundleCodes.INVALID, `A trust bundle holds at most ${MAX_TRUST_ANCHORS} anchors, these files hold ${out.length}.`, { count: out.length });
  return { bundle: 'custom', anchors: out };
}

/** The same certificate twice is installed once. */
function dedupe(anchors: TrustAnchor[]): TrustAnchor[] {
  const seen = new Set<string>();
  return anchors.filter((a) => (seen.has(a.sha256) ? false : (seen.add(a.sha256), true)));
}

/** The anchors a station's setting selects. */
export function loadTrustBundle(setting: TrustAnchorSetting, opts: LoadOptions & { base?: string } = {}): TrustBundle {
  switch (setting.bundle) {
    case 'none':
      return { bundle: 'none', anchors: [] };
    case 'custom':
      return loadTrustAnchorFiles(setting.pemFiles, opts);
    case 'azure':
      return loadBundledTrustAnchors(opts);
  }
}
