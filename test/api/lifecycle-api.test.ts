/**
 * Renewal and CA expiry through the station API (real core, HTTP bridge): a
 * renewal request reaches the workflow and its refusal comes back with its
 * own code, nothing signed; a malformed one is refused at the contract; the
 * authority status carries the signing CA's expiry warning (90/30/7 days).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiResult } from '../../electron/shared/api';
import { ApiCodes } from '../../electron/shared/errors';
import { makeOpensslCa } from '../support/openssl';
import { bridgeCaller, startTestStation, type TestStation } from '../support/test-station';

const PASSPHRASE = 'lifecycle api passphrase';
let st: TestStation;
const { call, ok } = bridgeCaller(() => st.url);
const codeOf = (r: ApiResult<unknown>) => (r.ok ? 'ok' : r.error.code);

beforeEach(async () => {
  st = await startTestStation();
});
afterEach(async () => {
  await st?.close();
});

describe('renewal through station.provision', () => {
  it('takes the renewal mode and reason; a locked device is refused with RENEWAL_DEVICE_LOCKED before anything is signed', async () => {
    await ok('authority.createDemoAuthority', { passphrase: PASSPHRASE });
    // The demo CA lives 90 days: it is under the first threshold from the start.
    expect(await ok('authority.status')).toMatchObject({ expiryWarning: { daysLeft: 89, thresholdDays: 90 } });
    const sim = await ok<{ port: string }>('simulator.start', { deviceId: 'dev-000777' });
    const first = await ok<{ serialHex: string }>('station.provision', { port: sim.port, operator: 'Ana' });
    const r = await call('station.provision', { port: sim.port, operator: 'Ana', renewal: { mode: 'renew', reason: 'scheduled renewal' } });
    expect(codeOf(r)).toBe('RENEWAL_DEVICE_LOCKED');
    expect((await ok<{ counters: { issued: number } }>('station.status')).counters.issued).toBe(1);
    expect(first.serialHex).toMatch(/^[0-9a-f]+$/);
    expect(codeOf(await call('station.provision', { port: sim.port, operator: 'Ana', renewal: { mode: 'refresh', reason: 'x' } }))).toBe(ApiCodes.INVALID_ARGUMENT);
    expect(codeOf(await call('station.provision', { port: sim.port, operator: 'Ana', renewal: { mode: 're-key' } }))).toBe(ApiCodes.INVALID_ARGUMENT);
  });
});

describe('authority.status expiry warning', () => {
  it('names the nearest threshold the signing CA is under (30 for a CA 20 days from its end)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'custodian-expiry-'));
    try {
      // An OpenSSL-made CA valid for 20 days, migrated in with its key.
      const ca = makeOpensslCa(dir, 'Short');
      const bundlePath = join(dir, 'bundle.pem');
      await writeFile(bundlePath, (await readFile(ca.intPem, 'utf8')) + (await readFile(ca.rootPem, 'utf8')));
      const handle = async (path: string, purpose: string) => {
        st.picker.queueOpen(path);
        return (await ok<{ handle: string }>('files.open', { purpose })).handle;
      };
      await ok('authority.importBundle', { bundle: await handle(bundlePath, 'bundle'), key: await handle(ca.intKey, 'key'), passphrase: PASSPHRASE, root: { certificate: await handle(ca.rootPem, 'certificate') } });
      const s = await ok<{ expiryWarning: { daysLeft: number; thresholdDays: number } | null }>('authority.status');
      expect(s.expiryWarning).toEqual({ daysLeft: 19, thresholdDays: 30 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
