/**
 * The station service reads the files the user picks (CSR, bundle, key)
 * bounded by their kind, whatever the dialog returned: /dev/zero or an
 * over-bound file ends in INPUT_TOO_LARGE, which names the file as the dialog
 * showed it (never its path) and has a plain message for the app.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult } from '../../electron/shared/api';
import { describeError, ERROR_MESSAGES } from '../../electron/shared/errors';
import { bridgeCaller, startTestStation, type TestStation } from '../support/test-station';

let st: TestStation;
const dir = mkdtempSync(join(tmpdir(), 'custodian-bounded-api-'));
const { call, ok } = bridgeCaller(() => st.url);

async function open(path: string, purpose: string): Promise<string> {
  st.picker.queueOpen(path);
  return (await ok<{ handle: string }>('files.open', { purpose })).handle;
}
async function save(path: string, purpose: string): Promise<string> {
  st.picker.queueSave(path);
  return (await ok<{ handle: string }>('files.save', { purpose, suggestedName: 'x' })).handle;
}
function refused(r: ApiResult<unknown>): { code: string; message: string; details: Record<string, unknown> } {
  expect(r.ok).toBe(false);
  if (r.ok) throw new Error('unreachable');
  return r.error;
}

beforeAll(async () => { st = await startTestStation(); });
afterAll(async () => { await st?.close(); });

describe('files the user picks are read with a bound', () => {
  it('a CSR of /dev/zero and a bundle that is a symlink to it: INPUT_TOO_LARGE naming the file, not its path', async () => {
    const link = join(dir, 'factory.bundle.pem');
    symlinkSync('/dev/zero', link);
    const csr = refused(await call('authority.signSubordinate', {
      request: await open('/dev/zero', 'csr'), validityDays: 10, pathLen: 0, target: await save(join(dir, 'out.pem'), 'bundle'),
    }));
    expect(csr.code).toBe('INPUT_TOO_LARGE');
    expect(csr.message).toContain('the CSR file zero is larger than 64 KiB');
    const bundle = refused(await call('authority.importBundle', { bundle: await open(link, 'bundle') }));
    expect(bundle.code).toBe('INPUT_TOO_LARGE');
    expect(bundle.message).toContain('the bundle file factory.bundle.pem is larger than 1 MiB');
    expect(JSON.stringify([csr, bundle])).not.toContain(dir);
    expect(describeError('INPUT_TOO_LARGE')).toBe(ERROR_MESSAGES.INPUT_TOO_LARGE);
  });

  it('a key file past 64 KiB is refused before the station reads it', async () => {
    const key = join(dir, 'big.key');
    const fd = openSync(key, 'w');
    ftruncateSync(fd, 64 * 1024 + 1);
    closeSync(fd);
    const bundlePath = join(dir, 'small.pem');
    const fd2 = openSync(bundlePath, 'w');
    closeSync(fd2);
    const r = refused(await call('authority.importBundle', { bundle: await open(bundlePath, 'bundle'), key: await open(key, 'key'), passphrase: 'a long passphrase 1' }));
    expect(r.code).toBe('INPUT_TOO_LARGE');
    expect(r.message).toContain('the key file big.key is larger than 64 KiB');
  });
});
