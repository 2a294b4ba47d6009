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
import { makeOpensslCa } from '../support/openssl';
import { bridgeCaller, startTestStation, type TestStation } from '../support/test-station';

const PASSPHRASE = 'migration passphrase 77';
let st: TestStation;
let dir: string;
let ca: ReturnType<typeof makeOpensslCa>;
let bundlePath: string;
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
    const r = await ok<{ status: { state: string; kind: string; subject: string }; chain: { subject: string }[] }>(
      'authority.importBundle', { bundle, key, passphrase: PASSPHRASE });
    expect(r.status).toMatchObject({ state: 'unlocked', kind: 'subordinate', subject: 'CN=Legacy Intermediate' });
    expect(r.chain.map((c) => c.subject)).toEqual(['CN=Legacy Intermediate', 'CN=Legacy Root']);

    // The sealed key is the imported one: it signs, and the new passphrase unlocks it.
    const v = await ok<{ certificate: { issuer: string } }>('authority.verificationCert', { code: 'REGCODE42' });
    expect(v.certificate.issuer).toBe('CN=Legacy Intermediate');
    await ok('authority.lock');
    expect(codeOf(await call('authority.unlock', { passphrase: 'not the passphrase' }))).not.toBe('ok');
    expect(await ok('authority.unlock', { passphrase: PASSPHRASE })).toMatchObject({ state: 'unlocked' });

    // One-use handles: the key handle cannot be replayed.
    expect(codeOf(await call('authority.importBundle', { bundle: await open(bundlePath, 'bundle'), key, passphrase: PASSPHRASE }))).toBe(ApiCodes.FILE_HANDLE_INVALID);

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
    expect(codeOf(await call('authority.importBundle', { bundle, key }))).toBe(ApiCodes.INVALID_ARGUMENT);
    expect(codeOf(await call('authority.importBundle', { bundle, passphrase: PASSPHRASE }))).toBe(ApiCodes.INVALID_ARGUMENT);
    // Not reached: the handles are still good.
    expect(await ok('authority.importBundle', { bundle, key, passphrase: PASSPHRASE })).toMatchObject({ status: { state: 'unlocked' } });
  });

  it('takes the key only from a handle opened for a key, and never reads a key handle as the bundle', async () => {
    const asBundle = await open(ca.intKey, 'bundle');
    expect(codeOf(await call('authority.importBundle', { bundle: await open(bundlePath, 'bundle'), key: asBundle, passphrase: PASSPHRASE }))).toBe(ApiCodes.FILE_HANDLE_INVALID);
    const keyAsBundle = await open(ca.intKey, 'key');
    expect(codeOf(await call('authority.importBundle', { bundle: keyAsBundle }))).toBe(ApiCodes.FILE_HANDLE_INVALID);
    expect(await ok('authority.status')).toMatchObject({ state: 'none' });
  });

  it('refuses a key that no certificate in the bundle is for, and stays unconfigured', async () => {
    const other = makeOpensslCa(dir, 'Other');
    const mismatch = await call('authority.importBundle', { bundle: await open(bundlePath, 'bundle'), key: await open(other.intKey, 'key'), passphrase: PASSPHRASE });
    expect(codeOf(mismatch)).toBe('AUTHORITY_KEY_MISMATCH');
    expect(await ok('authority.status')).toMatchObject({ state: 'none' });
    expect(JSON.stringify(seen)).not.toContain('PRIVATE KEY');
  });
});
