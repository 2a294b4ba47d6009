/**
 * The hub's TLS server roots the station installs into every device
 * (electron/core/hub/trust-bundle.ts): the shipped Azure bundle with its
 * pinned fingerprints, a station's own PEM files, and the station session
 * that loads whichever the settings select.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Authority } from '../../electron/core/authority/index';
import { isCustodianError } from '../../electron/core/errors';
import { bundledTrustAnchorsDir, loadBundledTrustAnchors, loadTrustAnchorFiles, loadTrustBundle } from '../../electron/core/hub/trust-bundle';
import { startStationSession, stationLedger } from '../../electron/core/line/index';
import { fromPem } from '../../electron/core/pki/pem';
import { DEFAULT_SETTINGS, Settings, SettingsPatch } from '../../electron/shared/api/settings';
import { makeOpensslCa, makeOpensslLeaf } from '../support/openssl';
import { makeTestChain } from '../support/station-chain';

const AZURE = {
  'DigiCert Global Root G2': 'CB3CCBB76031E5E0138F8DD39A23F9DE47FFC35E43C1144CEA27D46A5AB1CB5F',
  'Microsoft RSA Root Certificate Authority 2017': 'C741F70F4B2A8D88BF2E71C14122EF53EF10EBA0CFA5E64CFA20F418853073E0',
};

const dir = mkdtempSync(join(tmpdir(), 'trust-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hub = makeOpensslCa(dir, 'hub');
const leaf = makeOpensslLeaf(dir, 'not-a-ca', hub.intPem, hub.intKey);

/** A copy of the shipped bundle to tamper with. */
function bundleCopy(name: string): string {
  const d = join(dir, name);
  cpSync(bundledTrustAnchorsDir(), d, { recursive: true });
  return d;
}
const manifestOf = (d: string) => JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as { anchors: Array<Record<string, string>> };
const writeManifest = (d: string, m: unknown) => writeFileSync(join(d, 'manifest.json'), JSON.stringify(m));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isCustodianError(e) ? e.code : `not a CustodianError: ${String(e)}`;
  }
  return undefined;
}

describe('the shipped trust bundle (resources/trust-anchors)', () => {
  it('holds the Azure roots with exactly the pinned fingerprints, each a CA, in the manifest order', () => {
    const b = loadBundledTrustAnchors();
    expect(b.bundle).toBe('azure');
    expect(Object.fromEntries(b.anchors.map((a) => [a.name, a.sha256]))).toEqual(AZURE);
    expect(b.anchors.map((a) => a.notAfter)).toEqual(['2038-01-15T12:00:00.000Z', '2042-07-18T23:00:23.000Z']);
    // The DER is the PEM's, byte for byte (what a device gets).
    for (const a of b.anchors) expect(a.der).toEqual(fromPem(readFileSync(a.file, 'utf8'))[0]!.der);
  });

  it('refuses a manifest whose pinned fingerprint is not the file\'s (TRUST_BUNDLE_FINGERPRINT_MISMATCH)', () => {
    const d = bundleCopy('tampered-manifest');
    const m = manifestOf(d);
    m.anchors[1]!.sha256 = 'AA'.repeat(32);
    writeManifest(d, m);
    expect(codeOf(() => loadBundledTrustAnchors({ dir: d }))).toBe('TRUST_BUNDLE_FINGERPRINT_MISMATCH');
  });

  it('refuses an anchor file replaced by another CA, even a valid one (TRUST_BUNDLE_FINGERPRINT_MISMATCH)', () => {
    const d = bundleCopy('replaced-pem');
    cpSync(hub.rootPem, join(d, 'digicert-global-root-g2.pem'));
    let err: unknown;
    try { loadBundledTrustAnchors({ dir: d }); } catch (e) { err = e; }
    expect(isCustodianError(err, 'TRUST_BUNDLE_FINGERPRINT_MISMATCH')).toBe(true);
    expect((err as { details: Record<string, unknown> }).details).toMatchObject({ name: 'DigiCert Global Root G2', expected: AZURE['DigiCert Global Root G2'] });
  });

  it('refuses a pinned certificate that is not a CA (TRUST_BUNDLE_NOT_CA)', () => {
    const d = bundleCopy('leaf-pinned');
    cpSync(leaf.certPem, join(d, 'leaf.pem'));
    const der = fromPem(readFileSync(leaf.certPem, 'utf8'))[0]!.der;
    const sha = createHash('sha256').update(der).digest('hex').toUpperCase();
    const notAfter = new X509Certificate(Buffer.from(der)).validTo;
    writeManifest(d, { anchors: [{ name: 'a leaf', file: 'leaf.pem', sha256: sha, notAfter: new Date(notAfter).toISOString() }] });
    expect(codeOf(() => loadBundledTrustAnchors({ dir: d }))).toBe('TRUST_BUNDLE_NOT_CA');
  });

  it('refuses a wrong PEM, a second certificate in a file, a malformed manifest, and a missing bundle', () => {
    const d = bundleCopy('wrong-pem');
    writeFileSync(join(d, 'digicert-global-root-g2.pem'), readFileSync(hub.rootKey));
    expect(codeOf(() => loadBundledTrustAnchors({ dir: d }))).toBe('TRUST_BUNDLE_INVALID');
    writeFileSync(join(d, 'digicert-global-root-g2.pem'), '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n');
    expect(codeOf(() => loadBundledTrustAnchors({ dir: d }))).toBe('TRUST_BUNDLE_INVALID');
    const two = bundleCopy('two-in-one');
    writeFileSync(join(two, 'digicert-global-root-g2.pem'), readFileSync(join(two, 'digicert-global-root-g2.pem'), 'utf8') + readFileSync(hub.rootPem, 'utf8'));
    expect(codeOf(() => loadBundledTrustAnchors({ dir: two }))).toBe('TRUST_BUNDLE_INVALID');
    const bad = bundleCopy('bad-manifest');
    writeFileSync(join(bad, 'manifest.json'), '{"anchors": [{"name": "x", "file": "../../etc/passwd", "sha256": "00", "notAfter": "soon"}]}');
    expect(codeOf(() => loadBundledTrustAnchors({ dir: bad }))).toBe('TRUST_BUNDLE_INVALID');
    writeFileSync(join(bad, 'manifest.json'), 'not json');
    expect(codeOf(() => loadBundledTrustAnchors({ dir: bad }))).toBe('TRUST_BUNDLE_INVALID');
    expect(codeOf(() => loadBundledTrustAnchors({ dir: join(dir, 'nowhere') }))).toBe('TRUST_BUNDLE_NOT_FOUND');
  });

  it('refuses the bundle once an anchor has expired (TRUST_BUNDLE_EXPIRED)', () => {
    expect(codeOf(() => loadBundledTrustAnchors({ now: new Date('2039-01-01T00:00:00Z') }))).toBe('TRUST_BUNDLE_EXPIRED');
  });

  it('reads bounded: a huge anchor file is refused without being read (INPUT_TOO_LARGE)', () => {
    const d = bundleCopy('huge');
    writeFileSync(join(d, 'microsoft-rsa-root-ca-2017.pem'), Buffer.alloc(2 * 1024 * 1024, 0x41));
    expect(codeOf(() => loadBundledTrustAnchors({ dir: d }))).toBe('INPUT_TOO_LARGE');
  });
});

describe("a station's own trust anchors (custom PEM files)", () => {
  it('installs every CA certificate in the files, once each, in order', () => {
    const both = join(dir, 'both.pem');
    writeFileSync(both, readFileSync(hub.rootPem, 'utf8') + readFileSync(hub.intPem, 'utf8'));
    const b = loadTrustAnchorFiles([both, hub.rootPem]);
    expect(b.bundle).toBe('custom');
    expect(b.anchors.map((a) => a.name)).toEqual(['CN=hub Root', 'CN=hub Intermediate']);
    expect(b.anchors[0]!.der).toEqual(fromPem(readFileSync(hub.rootPem, 'utf8'))[0]!.der);
  });

  it('refuses a file holding a device certificate (TRUST_BUNDLE_NOT_CA), a key (TRUST_BUNDLE_INVALID), none at all, or a missing file', () => {
    expect(codeOf(() => loadTrustAnchorFiles([hub.rootPem, leaf.certPem]))).toBe('TRUST_BUNDLE_NOT_CA');
    expect(codeOf(() => loadTrustAnchorFiles([hub.rootKey]))).toBe('TRUST_BUNDLE_INVALID');
    expect(codeOf(() => loadTrustAnchorFiles([]))).toBe('TRUST_BUNDLE_INVALID');
    expect(codeOf(() => loadTrustAnchorFiles([join(dir, 'missing.pem')]))).toBe('TRUST_BUNDLE_NOT_FOUND');
  });

  it('the setting selects the shipped bundle, the files, or none', () => {
    expect(loadTrustBundle({ bundle: 'azure', pemFiles: [] }).anchors).toHaveLength(2);
    expect(loadTrustBundle({ bundle: 'custom', pemFiles: [hub.rootPem] }).anchors.map((a) => a.name)).toEqual(['CN=hub Root']);
    expect(loadTrustBundle({ bundle: 'none', pemFiles: [] })).toEqual({ bundle: 'none', anchors: [] });
  });
});

describe('the trustAnchors setting', () => {
  it('defaults to the shipped Azure bundle', () => {
    expect(DEFAULT_SETTINGS.trustAnchors).toEqual({ bundle: 'azure', pemFiles: [] });
    expect(Settings.safeParse(DEFAULT_SETTINGS).success).toBe(true);
  });

  it('takes 1..16 absolute PEM paths with custom, and none otherwise', () => {
    const ok = (t: unknown) => SettingsPatch.safeParse({ trustAnchors: t }).success;
    expect(ok({ bundle: 'custom', pemFiles: ['/etc/custodian/hub-root.pem'] })).toBe(true);
    expect(ok({ bundle: 'custom', pemFiles: ['C:\\custodian\\hub-root.pem'] })).toBe(true);
    expect(ok({ bundle: 'none', pemFiles: [] })).toBe(true);
    expect(ok({ bundle: 'custom', pemFiles: [] })).toBe(false);
    expect(ok({ bundle: 'azure', pemFiles: ['/etc/x.pem'] })).toBe(false);
    expect(ok({ bundle: 'custom', pemFiles: ['hub-root.pem'] })).toBe(false);
    expect(ok({ bundle: 'custom', pemFiles: Array.from({ length: 17 }, (_, i) => `/x/${i}.pem`) })).toBe(false);
    expect(ok({ bundle: 'mine', pemFiles: [] })).toBe(false);
    expect(ok({ bundle: 'none', pemFiles: [], extra: 1 })).toBe(false);
  });
});

describe('the station session installs what the settings select', () => {
  async function session(trustAnchors?: Settings['trustAnchors'], given?: Uint8Array[]) {
    const chain = await makeTestChain();
    const home = mkdtempSync(join(dir, 'home-'));
    const ledger = stationLedger(home, 'line-1');
    const authority = { issuer: () => chain.issuer } as unknown as Authority;
    try {
      const settings = { ...DEFAULT_SETTINGS, ...(trustAnchors ? { trustAnchors } : {}) };
      const s = startStationSession({ authority, ledger, settings, ...(given ? { trustAnchors: given } : {}) });
      return { trustAnchors: s.trustAnchors, trustBundle: s.trustBundle };
    } finally {
      ledger.close();
    }
  }

  it('the shipped bundle by default: its DER list is what every device gets', async () => {
    const s = await session();
    expect(s.trustAnchors).toEqual(loadBundledTrustAnchors().anchors.map((a) => a.der));
    expect(s.trustBundle).toMatchObject({ bundle: 'azure', anchors: Object.entries(AZURE).map(([name, sha256]) => ({ name, sha256 })) });
  });

  it("the station's own files with custom, nothing with none, and the given DER over both", async () => {
    const root = fromPem(readFileSync(hub.rootPem, 'utf8'))[0]!.der;
    expect((await session({ bundle: 'custom', pemFiles: [hub.rootPem] })).trustAnchors).toEqual([root]);
    expect((await session({ bundle: 'none', pemFiles: [] })).trustAnchors).toEqual([]);
    const given = await session({ bundle: 'none', pemFiles: [] }, [root]);
    expect(given.trustAnchors).toEqual([root]);
    expect(given.trustBundle.bundle).toBe('given');
  });

  it('refuses to start with a bundle it cannot trust, before any device is touched', async () => {
    await expect(session({ bundle: 'custom', pemFiles: [leaf.certPem] })).rejects.toMatchObject({ code: 'TRUST_BUNDLE_NOT_CA' });
  });
});
