/**
 * authority.importBundle with a key: migrating an OpenSSL-made CA into the
 * vault through the station API (real core, HTTP bridge), with the key file
 * chosen through a one-use files.open handle and read by the station only.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiResult } from '../../electron/shared/api';
import { ApiCodes } from '../../electron/shared/errors';
import { fingerprintSha256, fromPem } from '../../electron/core/pki/index';
import { makeOpensslCa, opensslOk } from '../support/openssl';
import { bridgeCaller, startTestStation, type TestStation } from '../support/test-station';

const PASSPHRASE = 'migration passphrase 77';
let st: TestStation;
let dir: string;
let ca: ReturnType<typeof makeOpensslCa>;
let bundlePath: string;
let rootSha256: string;
const seen: unknown[] = [];

const { call, ok } = bridgeCaller(() => st.url, seen);
const codeOf = (r: ApiResult<unknown>) => (r.ok ? 'ok' : r.error.code);
async function open(path: string, purpose: string): Promise<string> {
  st.picker.queueOpen(path);
  return (await ok<{ handle: string }>('files.open', { purpose })).handle;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'custodian-import-key-'));
  ca = makeOpensslCa(dir, 'Legacy');
  bundlePath = join(dir, 'bundle.pem');
  await writeFile(bundlePath, (await readFile(ca.intPem, 'utf8')) + (await readFile(ca.rootPem, 'utf8')));
  rootSha256 = fingerprintSha256(fromPem(await readFile(ca.rootPem, 'utf8'))[0]!.der);
  st = await startTestStation();
  seen.length = 0;
});
afterEach(async () => {
  await st?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('authority.importBundle with a key (migrating an existing CA)', () => {
  it('seals the OpenSSL-made key in the vault and activates the CA; nothing key-like or path-like comes back', async () => {
    const bundle = await open(bundlePath, 'bundle');
    const key = await open(ca.intKey, 'key');
    const root = await open(ca.rootPem, 'certificate');
    const r = await ok<{ status: { state: string; kind: string; subject: string }; chain: { subject: string }[]; root: unknown }>(
      'authority.importBundle', { bundle, key, passphrase: PASSPHRASE, root: { certificate: root } });
    expect(r.status).toMatchObject({ state: 'unlocked', kind: 'subordinate', subject: 'CN=Legacy Intermediate' });
    expect(r.root).toEqual({ pinnedSha256: rootSha256, chainSha256: rootSha256, pinnedBy: 'certificate' });
    expect(r.chain.map((c) => c.subject)).toEqual(['CN=Legacy Intermediate', 'CN=Legacy Root']);

    // The sealed key is the imported one: it signs, and the new passphrase unlocks it.
    const v = await ok<{ certificate: { issuer: string } }>('authority.verificationCert', { code: 'REGCODE42' });
    expect(v.certificate.issuer).toBe('CN=Legacy Intermediate');
    await ok('authority.lock');
    expect(codeOf(await call('authority.unlock', { passphrase: 'not the passphrase' }))).not.toBe('ok');
    expect(await ok('authority.unlock', { passphrase: PASSPHRASE })).toMatchObject({ state: 'unlocked' });

    // One-use handles: the key handle cannot be replayed.
    expect(codeOf(await call('authority.importBundle', { bundle: await open(bundlePath, 'bundle'), key, passphrase: PASSPHRASE, root: { sha256: rootSha256 } }))).toBe(ApiCodes.FILE_HANDLE_INVALID);

    const keyText = await readFile(ca.intKey, 'utf8');
    const keyBody = keyText.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    const json = JSON.stringify(seen);
    expect(json).toContain('BEGIN CERTIFICATE'); // the scan looks at real output
    expect(json).not.toContain('PRIVATE KEY');
    expect(json).not.toContain(keyBody.slice(0, 40));
    expect(json).not.toContain(PASSPHRASE);
    expect(json).not.toContain(dir);
    // The station does not touch the operator's key file.
    expect(await readFile(ca.intKey, 'utf8')).toBe(keyText);
  });

  it('refuses a key without a passphrase (and a passphrase without a key) before reaching the station', async () => {
    const bundle = await open(bundlePath, 'bundle');
    const key = await open(ca.intKey, 'key');
    expect(codeOf(await call('authority.importBundle', { bundle, key, root: { sha256: rootSha256 } }))).toBe(ApiCodes.INVALID_ARGUMENT);
    expect(codeOf(await call('authority.importBundle', { bundle, passphrase: PASSPHRASE, root: { sha256: rootSha256 } }))).toBe(ApiCodes.INVALID_ARGUMENT);
    expect(codeOf(await call('authority.importBundle', { bundle, key, passphrase: PASSPHRASE, root: { sha256: 'not hex' } }))).toBe(ApiCodes.INVALID_ARGUMENT);
    // Not reached: the handles are still good.
    expect(await ok('authority.importBundle', { bundle, key, passphrase: PASSPHRASE, root: { sha256: rootSha256.toUpperCase() } })).toMatchObject({ status: { state: 'unlocked' } });
  });

  it('takes the key only from a handle opened for a key, and never reads a key handle as the bundle', async () => {
    const asBundle = await open(ca.intKey, 'bundle');
    expect(codeOf(await call('authority.importBundle', { bundle: await open(bundlePath, 'bundle'), key: asBundle, passphrase: PASSPHRASE }))).toBe(ApiCodes.FILE_HANDLE_INVALID);
    const keyAsBundle = await open(ca.intKey, 'key');
    expect(codeOf(await call('authority.importBundle', { bundle: keyAsBundle }))).toBe(ApiCodes.FILE_HANDLE_INVALID);
    expect(await ok('authority.status')).toMatchObject({ state: 'none' });
  });

  it('refuses a bundle without a root to go by, or ending in another root, before anything is sealed', async () => {
    const none = await call('authority.importBundle', { bundle: await open(bundlePath, 'bundle'), key: await open(ca.intKey, 'key'), passphrase: PASSPHRASE });
    expect(codeOf(none)).toBe('AUTHORITY_ROOT_NOT_PINNED');
    const other = makeOpensslCa(dir, 'Other');
    const otherRoot = await open(other.rootPem, 'certificate');
    const wrong = await call('authority.importBundle', { bundle: await open(bundlePath, 'bundle'), key: await open(ca.intKey, 'key'), passphrase: PASSPHRASE, root: { certificate: otherRoot } });
    expect(codeOf(wrong)).toBe('AUTHORITY_ROOT_MISMATCH');
    const otherSha = fingerprintSha256(fromPem(await readFile(other.rootPem, 'utf8'))[0]!.der);
    expect(!wrong.ok && wrong.error.details).toMatchObject({ pinnedSha256: otherSha, bundleRootSha256: [rootSha256] });
    expect(!wrong.ok && wrong.error.message).toContain(otherSha);
    expect(!wrong.ok && wrong.error.message).toContain(rootSha256);
    // The root is read only from a handle opened for a certificate.
    const keyAsRoot = await open(ca.intKey, 'key');
    expect(codeOf(await call('authority.importBundle', { bundle: await open(bundlePath, 'bundle'), key: await open(ca.intKey, 'key'), passphrase: PASSPHRASE, root: { certificate: keyAsRoot } }))).toBe(ApiCodes.FILE_HANDLE_INVALID);
    expect(await ok('authority.status')).toMatchObject({ state: 'none' });
  });

  it('refuses a key that no certificate in the bundle is for, and stays unconfigured', async () => {
    const other = makeOpensslCa(dir, 'Other');
    const mismatch = await call('authority.importBundle', { bundle: await open(bundlePath, 'bundle'), key: await open(other.intKey, 'key'), passphrase: PASSPHRASE, root: { sha256: rootSha256 } });
    expect(codeOf(mismatch)).toBe('AUTHORITY_KEY_MISMATCH');
    expect(await ok('authority.status')).toMatchObject({ state: 'none' });
    expect(JSON.stringify(seen)).not.toContain('PRIVATE KEY');
  });
});

describe('authority.createRequest pins the upstream root; importBundle then goes by it', () => {
  /** The station's request, signed by the OpenSSL root `by` into a bundle file (handle). */
  async function signedBy(csrPem: string, by: ReturnType<typeof makeOpensslCa>): Promise<string> {
    await writeFile(join(dir, 'station.csr'), csrPem);
    opensslOk(['x509', '-req', '-in', join(dir, 'station.csr'), '-CA', by.rootPem, '-CAkey', by.rootKey, '-CAcreateserial', '-out', join(dir, 'station.pem'),
      '-days', '20', '-extfile', join(dir, 'ca.ext'), '-extensions', 'v3_ca']);
    await writeFile(join(dir, 'station-bundle.pem'), (await readFile(join(dir, 'station.pem'), 'utf8')) + (await readFile(by.rootPem, 'utf8')));
    return open(join(dir, 'station-bundle.pem'), 'bundle');
  }

  it('a root pinned by certificate at request: the bundle imports without one, and one from another root is refused', async () => {
    const root = await open(ca.rootPem, 'certificate');
    const req = await ok<{ csrPem: string }>('authority.createRequest', { subject: { commonName: 'Line CA' }, passphrase: PASSPHRASE, root: { certificate: root } });
    const other = makeOpensslCa(dir, 'Other');
    const wrong = await call('authority.importBundle', { bundle: await signedBy(req.csrPem, other) });
    expect(codeOf(wrong)).toBe('AUTHORITY_ROOT_MISMATCH');
    expect(await ok('authority.status')).toMatchObject({ kind: 'pending' });
    const r = await ok<{ root: unknown }>('authority.importBundle', { bundle: await signedBy(req.csrPem, ca) });
    expect(r.root).toEqual({ pinnedSha256: rootSha256, chainSha256: rootSha256, pinnedBy: 'certificate' });
  });
});
