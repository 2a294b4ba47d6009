/**
 * `ledger.revoke` over the HTTP bridge and the real core (demo authority,
 * ledger, simulated device): the revocation is recorded in the station's
 * ledger (the same record `custodian revoke` writes), announced as a ledger
 * append, and refused with its stable code when unknown, already revoked or
 * malformed; the CA key is not needed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, type LedgerRecord } from '../../electron/core/ledger/index';
import type { EventPayload } from '../../electron/shared/api';
import { bridgeCaller, startTestStation, type TestStation } from '../support/test-station';
import { join } from 'node:path';

let st: TestStation;
const appended: EventPayload<'ledger.appended'>[] = [];
const { call, ok } = bridgeCaller(() => st.url);
let serialHex = '';

beforeAll(async () => {
  st = await startTestStation();
  st.service.on('ledger.appended', (e) => appended.push(e));
  await ok('authority.createDemoAuthority', { passphrase: 'revoke bridge passphrase' });
  for (const id of ['rv-000001', 'rv-000002']) {
    const sim = await ok<{ port: string }>('simulator.start', { deviceId: id });
    const r = await ok<{ serialHex: string }>('station.provision', { port: sim.port, operator: 'Ana' });
    if (id === 'rv-000001') serialHex = r.serialHex;
  }
  // Revocation needs no CA key.
  await ok('authority.lock');
}, 60_000);
afterAll(async () => { await st?.close(); });

describe('ledger.revoke', () => {
  it('records the revocation by serial with who, when and why, and announces the entry', async () => {
    const r = await ok<{ revoked: { index: number; serialHex: string; subject: string; deviceId: string; reason: string; operator: string; revokedAt: string }[] }>(
      'ledger.revoke', { target: serialHex.toUpperCase(), by: 'serial', reason: 'keyCompromise', operator: 'Bea' });
    expect(r.revoked).toEqual([expect.objectContaining({ serialHex, subject: 'device', deviceId: 'rv-000001', reason: 'keyCompromise', operator: 'Bea' })]);
    expect(appended).toContainEqual({ index: r.revoked[0]!.index, status: 'info', deviceId: 'rv-000001' });
    const entry = await ok<{ type: string; text: string; serialHex: string; certificateDer: unknown; revocation: unknown }>('ledger.entry', { index: r.revoked[0]!.index });
    expect(entry).toMatchObject({ type: 'revocation', serialHex });
    expect(entry.text).toContain('keyCompromise');
    // The revocation's own entry shows the certificate it revoked.
    expect(entry.certificateDer).not.toBeNull();
    expect(entry.revocation).toMatchObject({ index: r.revoked[0]!.index, reason: 'keyCompromise' });
    // The certificate's own entry carries its revocation; the other device's does not.
    const issued = (await ok<{ entries: { index: number; type: string }[] }>('ledger.search', { by: 'serial', value: serialHex })).entries.find((e) => e.type === 'done')!;
    expect((await ok<{ revocation: unknown }>('ledger.entry', { index: issued.index })).revocation)
      .toEqual({ index: r.revoked[0]!.index, reason: 'keyCompromise', revokedAt: r.revoked[0]!.revokedAt, operator: 'Bea' });
    const other = (await ok<{ entries: { index: number; type: string }[] }>('ledger.search', { by: 'deviceId', value: 'rv-000002' })).entries.find((e) => e.type === 'done')!;
    expect((await ok<{ revocation: unknown }>('ledger.entry', { index: other.index })).revocation).toBeNull();
  });

  it('revokes by device ID', async () => {
    const r = await ok<{ revoked: { deviceId: string }[] }>('ledger.revoke', { target: 'rv-000002', by: 'device', reason: 'cessationOfOperation', operator: 'Bea' });
    expect(r.revoked.map((x) => x.deviceId)).toEqual(['rv-000002']);
  });

  it('refuses an already revoked serial, an unknown one and a reason that is not RFC 5280\'s, each with its code', async () => {
    const again = await call('ledger.revoke', { target: serialHex, by: 'serial', reason: 'unspecified', operator: 'Bea' });
    expect(again.ok || again.error.code).toBe('REVOKE_ALREADY_REVOKED');
    const unknown = await call('ledger.revoke', { target: 'rv-999999', by: 'device', reason: 'keyCompromise', operator: 'Bea' });
    expect(unknown.ok || unknown.error.code).toBe('REVOKE_UNKNOWN_SERIAL');
    const bad = await call('ledger.revoke', { target: serialHex, by: 'serial', reason: 'certificateHold', operator: 'Bea' });
    expect(bad.ok || bad.error.code).toBe('API_INVALID_ARGUMENT');
  });

  it('the records are in the station ledger on disk, once each', async () => {
    await st.service.shutdown();
    const l = Ledger.open({ dir: join(st.home, 'ledger'), readOnly: true });
    const recs = Array.from({ length: l.size }, (_, i) => l.record(i)).filter((r): r is Extract<LedgerRecord, { t: 'revocation' }> => r.t === 'revocation');
    l.close();
    expect(recs.map((r) => [r.deviceId, r.reason, r.operator])).toEqual([['rv-000001', 'keyCompromise', 'Bea'], ['rv-000002', 'cessationOfOperation', 'Bea']]);
  });
});
