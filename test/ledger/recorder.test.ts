import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ledger, LedgerRecorder, openStationLedger } from '../../electron/core/ledger';
import { nodeIo } from '../../electron/core/ledger/files';
import { makeHierarchy, makeLeaf, tempDir } from './helpers';

describe('LedgerRecorder', () => {
  it('records intent, done and outcome durably and reopens to the same state', async () => {
    const dir = tempDir();
    const { custodian } = await makeHierarchy();
    const { ledger, recorder } = openStationLedger({ dir, stationId: 'st-1' });
    const { intent, der } = await makeLeaf(custodian, 'dev-001');
    const h = await recorder.recordIntent(intent);
    await recorder.recordIssued(h, der);
    await recorder.recordOutcome(h, { result: 'passed' });
    expect(ledger.size).toBe(4);
    // Policy: the certificate (done) is covered as soon as it is written; the outcome by the next checkpoint (here: close).
    expect(ledger.checkpoint.size).toBe(3);
    ledger.close();
    const onDisk = Ledger.open({ dir, readOnly: true });
    expect(onDisk.checkpoint.size).toBe(4);
    onDisk.close();
    expect(statSync(join(dir, 'ledger.key')).mode & 0o777).toBe(0o600);
    const again = Ledger.open({ dir });
    const r2 = new LedgerRecorder(again);
    const issued = await r2.issuedFor('dev-001');
    expect(issued).toHaveLength(1);
    expect(Buffer.from(issued[0]!.certificateDer).equals(Buffer.from(der))).toBe(true);
    expect(r2.unreconciled()).toEqual([]);
    expect(readFileSync(join(dir, 'entries.jsonl'), 'utf8').split('\n')).toHaveLength(5);
    again.close();
  });

  it('issuedForKey finds every certificate of one key under any device ID, as appended and as indexed again at open', async () => {
    const dir = tempDir();
    const { custodian } = await makeHierarchy();
    const shared = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const { ledger, recorder } = openStationLedger({ dir, stationId: 'st-1' });
    const a = await makeLeaf(custodian, 'dev-a', undefined, shared);
    const b = await makeLeaf(custodian, 'dev-b', undefined, shared);
    const other = await makeLeaf(custodian, 'dev-c');
    for (const l of [a, b, other]) await recorder.recordIssued(await recorder.recordIntent(l.intent), l.der);
    // Not certificates: a failed signing and an intent still open, both for the shared key.
    await recorder.recordFailed(await recorder.recordIntent((await makeLeaf(custodian, 'dev-d', undefined, shared)).intent), { code: 'INTERNAL', message: 'signer fault' });
    await recorder.recordIntent((await makeLeaf(custodian, 'dev-e', undefined, shared)).intent);
    const key = a.intent.spkiSha256;
    const lookup = async (r: LedgerRecorder) => (await r.issuedForKey(key)).map((c) => [c.deviceId, c.serialHex, c.spkiSha256]);
    const expected = [['dev-a', a.intent.serialHex, key], ['dev-b', b.intent.serialHex, key]];
    expect(await lookup(recorder)).toEqual(expected);
    expect(await recorder.issuedForKey('0'.repeat(64))).toEqual([]);
    ledger.close();
    const again = Ledger.open({ dir, readOnly: true });
    expect(await lookup(new LedgerRecorder(again))).toEqual(expected);
    expect((await new LedgerRecorder(again).issuedForKey(other.intent.spkiSha256)).map((c) => c.deviceId)).toEqual(['dev-c']);
    again.close();
  });

  it('rejects recordIntent when the write fails, so the caller never signs', async () => {
    const dir = tempDir();
    const { custodian } = await makeHierarchy();
    let failing = false;
    const io = { ...nodeIo, fsyncSync: (fd: number) => { if (failing) throw Object.assign(new Error('EIO'), { code: 'EIO' }); nodeIo.fsyncSync(fd); } };
    const { ledger, recorder } = openStationLedger({ dir, stationId: 'st-1', io });
    const { intent } = await makeLeaf(custodian, 'dev-002');
    failing = true;
    let signed = false;
    const sign = async () => { await recorder.recordIntent(intent); signed = true; };
    await expect(sign()).rejects.toMatchObject({ code: 'LEDGER_WRITE_FAILED' });
    expect(signed).toBe(false);
    failing = false;
    // The ledger stays stopped until reopened.
    await expect(recorder.recordIntent(intent)).rejects.toMatchObject({ code: 'LEDGER_WRITE_FAILED' });
    ledger.close();
    const reopened = Ledger.open({ dir });
    expect(reopened.size).toBe(1);
    reopened.close();
  });

  it('surfaces an interrupted intent, blocks signing until it is reconciled', async () => {
    const dir = tempDir();
    const { custodian } = await makeHierarchy();
    const { ledger, recorder } = openStationLedger({ dir, stationId: 'st-1' });
    const a = await makeLeaf(custodian, 'dev-003');
    await recorder.recordIntent(a.intent);
    ledger.close();
    const { ledger: l2, recorder: r2 } = openStationLedger({ dir, stationId: 'st-1' });
    expect(l2.openReport.unreconciled).toEqual([1]);
    expect(r2.unreconciled().map((u) => u.intent.deviceId)).toEqual(['dev-003']);
    const b = await makeLeaf(custodian, 'dev-004');
    await expect(r2.recordIntent(b.intent)).rejects.toMatchObject({ code: 'LEDGER_UNRECONCILED_INTENT' });
    await r2.reconcile(1, { resolution: 'abandoned', operator: 'op-1', reason: 'power loss before signing' });
    expect(r2.unreconciled()).toEqual([]);
    await r2.recordIntent(b.intent);
    expect(l2.record(2)).toMatchObject({ t: 'reconcile', intent: 1, resolution: 'abandoned' });
    l2.close();
  });

  it('requires a reissue reason and refuses a reused serial', async () => {
    const dir = tempDir();
    const { custodian } = await makeHierarchy();
    const { ledger, recorder } = openStationLedger({ dir, stationId: 'st-1' });
    const a = await makeLeaf(custodian, 'dev-005');
    await recorder.recordIssued(await recorder.recordIntent(a.intent), a.der);
    const b = await makeLeaf(custodian, 'dev-005');
    await expect(recorder.recordIntent(b.intent)).rejects.toMatchObject({ code: 'LEDGER_REISSUE_REASON_REQUIRED' });
    await expect(recorder.recordIntent({ ...b.intent, deviceId: 'dev-006', serialHex: a.intent.serialHex }))
      .rejects.toMatchObject({ code: 'LEDGER_DUPLICATE_SERIAL' });
    await recorder.recordIntent({ ...b.intent, reissueReason: 'device key replaced' });
    ledger.close();
  });

  it('records the certificate but refuses to let a mismatching one ship', async () => {
    const dir = tempDir();
    const { custodian } = await makeHierarchy();
    const { ledger, recorder } = openStationLedger({ dir, stationId: 'st-1' });
    const a = await makeLeaf(custodian, 'dev-007');
    const other = await makeLeaf(custodian, 'dev-008');
    const h = await recorder.recordIntent(a.intent);
    await expect(recorder.recordIssued(h, other.der)).rejects.toMatchObject({ code: 'LEDGER_CERT_MISMATCH' });
    expect(ledger.record(2).t).toBe('done');
    ledger.close();
  });
});

describe('single writer', () => {
  it('refuses a second writer process, allows readers, and takes over a dead writer\'s lock', async () => {
    const { writeFileSync } = await import('node:fs');
    const dir = tempDir();
    Ledger.create({ dir, stationId: 'st-lock' }).close();
    // A live process (our parent) holds the lock.
    writeFileSync(join(dir, 'ledger.lock'), `${process.ppid}\n`);
    expect(() => Ledger.open({ dir })).toThrow(expect.objectContaining({ code: 'LEDGER_LOCKED' }));
    Ledger.open({ dir, readOnly: true }).close();
    // A dead one does not.
    writeFileSync(join(dir, 'ledger.lock'), '2147483646\n');
    const l = Ledger.open({ dir });
    expect(readFileSync(join(dir, 'ledger.lock'), 'utf8').trim()).toBe(String(process.pid));
    l.close();
    expect(() => readFileSync(join(dir, 'ledger.lock'))).toThrow();
  });
});
