/**
 * The quota rule, on the real ledger (docs/work-orders.md §Quota): an intent
 * reserves a slot, a failed record or a reconcile as abandoned releases it, a
 * certificate keeps it, an intent left open keeps it until reconciled; the
 * count read from the records at open is the count kept while writing; and
 * the count and the intent's append are one step, so two runs racing for the
 * last slot never both get it.
 */
import { describe, expect, it } from 'vitest';
import { Ledger, LedgerRecorder, readWorkOrderUsage } from '../../electron/core/ledger/index';
import { isCustodianError } from '../../electron/core/errors';
import { makeHierarchy, makeLeaf, tempDir } from '../ledger/helpers';

async function fixture() {
  const { custodian } = await makeHierarchy();
  const dir = tempDir('wo-quota-');
  const ledger = Ledger.create({ dir, stationId: 'quota', idleCheckpointMs: 0 });
  return { custodian, dir, ledger, recorder: new LedgerRecorder(ledger, { blockOnUnreconciled: false }) };
}

describe('work-order quota counted from the ledger', () => {
  it('reserves on intent, releases on failed and abandoned, keeps on done and while open; reopening counts the same', async () => {
    const { custodian, dir, ledger, recorder } = await fixture();
    const leaves = await Promise.all(['d-1', 'd-2', 'd-3', 'd-4', 'd-5'].map((d) => makeLeaf(custodian, d)));
    const [issued, failed, abandoned, open, reconciledIssued] = leaves;
    const h1 = await recorder.recordIntent(issued!.intent, { quota: 5 });
    await recorder.recordIssued(h1, issued!.der);
    const h2 = await recorder.recordIntent(failed!.intent, { quota: 5 });
    await recorder.recordFailed(h2, { code: 'KEY_MISMATCH', message: 'signing failed' });
    const h3 = await recorder.recordIntent(abandoned!.intent, { quota: 5 });
    await recorder.recordIntent(open!.intent, { quota: 5 });
    const h5 = await recorder.recordIntent(reconciledIssued!.intent, { quota: 5 });
    await recorder.reconcile(Number(h3.id), { resolution: 'abandoned', operator: 'op', reason: 'never sent' });
    await recorder.reconcile(Number(h5.id), { resolution: 'issued', operator: 'op', reason: 'on the device', certificateDer: reconciledIssued!.der });
    const expected = { intents: 5, issued: 2, released: 2, open: 1, reserved: 3 };
    expect(recorder.workOrderUsage('WO-1')).toEqual(expected);
    expect(readWorkOrderUsage(ledger, 'WO-1')).toEqual(expected);
    ledger.close();
    // After a crash or a restart the count comes from the records alone.
    const again = Ledger.open({ dir });
    expect(new LedgerRecorder(again, { blockOnUnreconciled: false }).workOrderUsage('WO-1')).toEqual(expected);
    again.close();
  });

  it('refuses the intent past the quota, and a released slot is free again', async () => {
    const { custodian, ledger, recorder } = await fixture();
    const [a, b, c] = await Promise.all(['q-1', 'q-2', 'q-3'].map((d) => makeLeaf(custodian, d)));
    const ha = await recorder.recordIntent(a!.intent, { quota: 2 });
    await recorder.recordIntent(b!.intent, { quota: 2 });
    const refused = await recorder.recordIntent(c!.intent, { quota: 2 }).catch((e: unknown) => e);
    expect(isCustodianError(refused, 'WORK_ORDER_QUOTA_EXHAUSTED'), String(refused)).toBe(true);
    expect(ledger.size).toBe(3); // genesis + two intents: the refused one was never written
    await recorder.recordFailed(ha, { code: 'KEY_MISMATCH', message: 'x' });
    await expect(recorder.recordIntent(c!.intent, { quota: 2 })).resolves.toBeDefined();
    ledger.close();
  });

  it('two runs racing for the last slot: exactly one intent is written', async () => {
    const { custodian, ledger, recorder } = await fixture();
    for (let round = 0; round < 5; round++) {
      const quota = round + 1;
      const racers = await Promise.all(Array.from({ length: 4 }, (_, k) => makeLeaf(custodian, `r${round}-${k}`)));
      const settled = await Promise.allSettled(racers.map((r) => recorder.recordIntent({ ...r.intent, workOrder: 'WO-RACE' }, { quota })));
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
      for (const s of settled) if (s.status === 'rejected') expect(isCustodianError(s.reason, 'WORK_ORDER_QUOTA_EXHAUSTED')).toBe(true);
      expect(readWorkOrderUsage(ledger, 'WO-RACE').reserved).toBe(quota);
    }
    ledger.close();
  });
});
