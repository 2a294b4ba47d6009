/**
 * The ledger view's status per record type (service adapter over a real
 * station ledger): station bookkeeping is 'info', never a certificate outcome.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ledgerAdapter } from '../../electron/core/service/adapters/ledger';
import { stationLedger, type StationLedger } from '../../electron/core/line/station-ledger';
import type { Authority } from '../../electron/core/authority/index';
import { LedgerEntrySummary } from '../../electron/shared/api/ledger';

const hex = (n: number) => randomBytes(n).toString('hex');
const intent = (deviceId: string) => ({
  deviceId, subject: `CN=${deviceId}`, serialHex: `1${hex(15)}`, spkiSha256: hex(32), csrSha256: hex(32), issuerFingerprint: 'a'.repeat(64),
  profile: 'device-leaf', notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2036-01-01T00:00:00.000Z', operator: 'ana', workOrder: 'WO-1',
});

let home: string;
let station: StationLedger;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'custodian-ledger-status-'));
  station = stationLedger(home, 'status-test');
});
afterEach(async () => {
  station.close();
  await rm(home, { recursive: true, force: true });
});

describe('ledger status in the station API', () => {
  it('maps bookkeeping records to info and signing runs to their outcome', async () => {
    const l = station.writable().ledger;
    const fp = 'b'.repeat(64);
    l.append('config', { key: 'autoLockMinutes', value: 5, operator: 'ana' });
    l.append('session', { operator: 'ana', action: 'unlock' });
    l.append('authority-import', { role: 'subordinate', subject: 'CN=Issuing', fingerprint: fp, operator: 'ana' });
    l.append('authority-key-load', { fingerprint: fp, operator: 'ana' });
    const issued = l.append('intent', intent('dev-1')).index;
    l.append('done', { intent: issued, deviceId: 'dev-1', serialHex: 'ab', issuerFingerprint: fp, certSha256: hex(32), cert: randomBytes(64).toString('base64') });
    const failed = l.append('intent', intent('dev-2')).index;
    l.append('failed', { intent: failed, code: 'DEVICE_TIMEOUT', message: 'no answer' });
    const abandoned = l.append('intent', intent('dev-3')).index;
    l.append('reconcile', { intent: abandoned, resolution: 'abandoned', operator: 'ana', reason: 'power cut before signing' });
    l.append('intent', intent('dev-4'));

    const port = ledgerAdapter(station, undefined as unknown as Authority); // the authority is only read for entry details
    const rows = await port.read(0, 100);
    const byType = rows.map((r) => [r.type, r.status]);
    expect(byType).toEqual([
      ['genesis', 'info'], ['config', 'info'], ['session', 'info'], ['authority-import', 'info'], ['authority-key-load', 'info'],
      ['intent', 'issued'], ['done', 'issued'],
      ['intent', 'failed'], ['failed', 'failed'],
      ['intent', 'reconciled'], ['reconcile', 'reconciled'],
      ['intent', 'pending'],
    ]);
    // Every row (info included) is a valid contract summary.
    for (const r of rows) expect(LedgerEntrySummary.safeParse(r).success, r.type).toBe(true);
  });
});
