/**
 * Revocation records: a device certificate or a subordinate CA this station
 * issued is revoked once, with who, when and why, in a record the ledger's
 * signed checkpoint covers; unknown, already revoked, ambiguous and
 * unrevocable targets and bad reasons are refused before anything is written.
 */
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { isCustodianError } from '../../electron/core/errors';
import { Ledger, openStationLedger, parseCheckpointBody, parseNote, type LedgerRecorder } from '../../electron/core/ledger/index';
import { RevokeCodes, revocations, revoke } from '../../electron/core/lifecycle/index';
import { makeHierarchy, makeLeaf, tempDir, type TestCa } from '../ledger/helpers';

let ca: TestCa;
let ledger: Ledger;
let recorder: LedgerRecorder;
let dir: string;

async function issue(deviceId: string, profile = 'deviceLeaf', serialHex?: string): Promise<string> {
  const leaf = await makeLeaf(ca, deviceId, serialHex);
  const again = (await recorder.issuedFor(deviceId)).length > 0;
  const h = await recorder.recordIntent({ ...leaf.intent, profile, ...(again ? { reissueReason: 'replacement' } : {}) });
  await recorder.recordIssued(h, leaf.der);
  return leaf.intent.serialHex;
}

async function refused(p: Promise<unknown>, code: string): Promise<Record<string, unknown>> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(isCustodianError(e, code), String(e)).toBe(true);
  return (e as { details: Record<string, unknown> }).details;
}

beforeEach(async () => {
  ({ custodian: ca } = await makeHierarchy());
  dir = join(tempDir('revoke-'), 'ledger');
  ({ ledger, recorder } = openStationLedger({ dir, stationId: 'station-r' }));
  return () => { if (!ledger.closed) ledger.close(); };
});

describe('revoke', () => {
  it('records who, when and why for a serial, covered by a signed checkpoint', async () => {
    const serial = await issue('dev-1');
    await issue('dev-2');
    const now = new Date('2026-06-01T10:00:00Z');
    const [r, ...more] = await revoke(ledger, { target: serial.toUpperCase().replace(/(..)(?=.)/g, '$1:'), reason: 'keyCompromise', operator: 'alice', now });
    expect(more).toEqual([]);
    expect(r!.record).toMatchObject({
      t: 'revocation', serialHex: serial, issuerFingerprint: ca.fingerprint, subject: 'device', deviceId: 'dev-1',
      reason: 'keyCompromise', revokedAt: now.toISOString(), operator: 'alice',
    });
    const cp = parseCheckpointBody(parseNote(r!.checkpoint!).text);
    expect(cp.size).toBe(r!.index + 1);
    ledger.close();
    // Durable: the record is there after reopening, once.
    const again = Ledger.open({ dir, readOnly: true });
    expect(revocations(again).map((x) => x.serialHex)).toEqual([serial]);
    again.close();
  });

  it('a device ID revokes each of its certificates not yet revoked', async () => {
    const a = await issue('dev-1');
    const b = await issue('dev-1');
    await issue('dev-2');
    await revoke(ledger, { target: a, reason: 'superseded', operator: 'alice', replacedBy: b });
    const rs = await revoke(ledger, { target: 'dev-1', reason: 'cessationOfOperation', operator: 'bob' });
    expect(rs.map((r) => r.record.serialHex)).toEqual([b]);
    expect(revocations(ledger).map((r) => [r.serialHex, r.reason, r.replacedBy])).toEqual([[a, 'superseded', b], [b, 'cessationOfOperation', undefined]]);
  });

  it('a subordinate CA it signed is revoked the same way, as a CA', async () => {
    const serial = (0xca00 + Math.floor(Math.random() * 255)).toString(16);
    await issue(`subordinate-ca:${serial}`, 'intermediateCa', serial);
    const [r] = await revoke(ledger, { target: serial, reason: 'cACompromise', operator: 'alice' });
    expect(r!.record).toMatchObject({ subject: 'ca', serialHex: serial, reason: 'cACompromise' });
    expect(r!.record.deviceId).toBeUndefined();
  });

  it('refuses an unknown serial or device ID, and writes nothing', async () => {
    await issue('dev-1');
    const size = ledger.size;
    expect(await refused(revoke(ledger, { target: 'abcdef0123', reason: 'keyCompromise', operator: 'alice' }), RevokeCodes.UNKNOWN_SERIAL)).toMatchObject({ target: 'abcdef0123' });
    await refused(revoke(ledger, { target: 'no-such-device', reason: 'keyCompromise', operator: 'alice' }), RevokeCodes.UNKNOWN_SERIAL);
    await refused(revoke(ledger, { target: '  ', reason: 'keyCompromise', operator: 'alice' }), RevokeCodes.INVALID);
    expect(ledger.size).toBe(size);
  });

  it('refuses an already revoked serial, naming the earlier revocation', async () => {
    const serial = await issue('dev-1');
    const [first] = await revoke(ledger, { target: serial, reason: 'keyCompromise', operator: 'alice' });
    const size = ledger.size;
    const d = await refused(revoke(ledger, { target: serial, reason: 'unspecified', operator: 'bob' }), RevokeCodes.ALREADY_REVOKED);
    expect(d.revocations).toEqual([expect.objectContaining({ index: first!.index, serialHex: serial, reason: 'keyCompromise', operator: 'alice' })]);
    await refused(revoke(ledger, { target: 'dev-1', reason: 'unspecified', operator: 'bob' }), RevokeCodes.ALREADY_REVOKED);
    expect(ledger.size).toBe(size);
  });

  it('refuses reasons that are not permanent RFC 5280 reasons, an empty operator and a bad replacedBy', async () => {
    const serial = await issue('dev-1');
    for (const reason of ['compromised', 'certificateHold', 'removeFromCRL', 'aACompromise', 'cACompromise']) {
      expect(await refused(revoke(ledger, { target: serial, reason, operator: 'alice' }), RevokeCodes.REASON_INVALID)).toMatchObject({ reason });
    }
    await refused(revoke(ledger, { target: serial, reason: 'keyCompromise', operator: ' ' }), RevokeCodes.INVALID);
    await refused(revoke(ledger, { target: serial, reason: 'superseded', operator: 'a', replacedBy: 'not-hex' }), RevokeCodes.INVALID);
    expect(revocations(ledger)).toEqual([]);
  });

  it('takes a reason name in any case and records its canonical name', async () => {
    const serial = await issue('dev-1');
    const [r] = await revoke(ledger, { target: serial, reason: ' KEYCOMPROMISE ', operator: 'alice' });
    expect(r!.record.reason).toBe('keyCompromise');
  });

  it('refuses a target that is a serial of one certificate and the device ID of another, unless told which', async () => {
    const serial = await issue('dev-1', 'deviceLeaf', 'beef01');
    const other = await issue('beef01');
    await refused(revoke(ledger, { target: 'beef01', reason: 'keyCompromise', operator: 'alice' }), RevokeCodes.AMBIGUOUS);
    const [bySerial] = await revoke(ledger, { target: 'beef01', by: 'serial', reason: 'keyCompromise', operator: 'alice' });
    expect(bySerial!.record.serialHex).toBe(serial);
    const [byDevice] = await revoke(ledger, { target: 'beef01', by: 'device', reason: 'keyCompromise', operator: 'alice' });
    expect(byDevice!.record.serialHex).toBe(other);
  });

  it('refuses certificates that are not device leaves or subordinate CAs', async () => {
    const serial = await issue('hub-verification:77', 'hubVerification');
    expect(await refused(revoke(ledger, { target: serial, reason: 'unspecified', operator: 'alice' }), RevokeCodes.NOT_REVOCABLE)).toMatchObject({ profile: 'hubVerification' });
  });
});
