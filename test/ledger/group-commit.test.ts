/**
 * Group commit (Ledger.appendDurable): appends from concurrent heads in one
 * turn of the event loop share one fsync and, when the policy asks for one,
 * one checkpoint; no caller hears "durable" before that fsync; a checkpoint
 * never covers a line that is not durable; a failed fsync stops the ledger
 * and takes the whole group out of the file, the tree and the index.
 */
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger, LedgerRecorder, nodeIo, openStationLedger, type LedgerIo } from '../../electron/core/ledger';
import { makeHierarchy, makeLeaf, tempDir } from './helpers';

const nameOf = (fd: number): string => readlinkSync(`/proc/self/fd/${fd}`).split('/').pop()!;

/** Every write and fsync, by file, in order; `failFsync` makes the next fsync of entries.jsonl fail. */
function tracedIo() {
  const ops: string[] = [];
  const state = { failFsync: false };
  const io: LedgerIo = {
    ...nodeIo,
    writeSync: (fd, buf, offset, length, position) => {
      ops.push(`write ${nameOf(fd)}`);
      return nodeIo.writeSync(fd, buf, offset, length, position);
    },
    fsyncSync: (fd) => {
      const name = nameOf(fd);
      if (state.failFsync && name === 'entries.jsonl') {
        state.failFsync = false;
        throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      }
      ops.push(`fsync ${name}`);
      nodeIo.fsyncSync(fd);
    },
  };
  return { io, ops, state };
}

describe('group commit', () => {
  it('eight concurrent intents share one fsync, and none resolves before it', async () => {
    const { custodian } = await makeHierarchy();
    const leaves = await Promise.all(Array.from({ length: 8 }, (_, i) => makeLeaf(custodian, `dev-${i}`)));
    const { io, ops } = tracedIo();
    const { ledger, recorder } = openStationLedger({ dir: tempDir(), stationId: 'st-1', io, idleCheckpointMs: 0 });
    ops.length = 0;
    const fsyncsAtResolve: number[] = [];
    const handles = await Promise.all(leaves.map(async (l) => {
      const h = await recorder.recordIntent(l.intent);
      fsyncsAtResolve.push(ops.filter((o) => o === 'fsync entries.jsonl').length);
      return h;
    }));
    expect(ops.filter((o) => o === 'write entries.jsonl')).toHaveLength(8);
    expect(ops.filter((o) => o === 'fsync entries.jsonl')).toHaveLength(1);
    expect(fsyncsAtResolve).toEqual(Array(8).fill(1));
    // Intents take no checkpoint of their own; the eight certificates share one.
    expect(ops.filter((o) => o.endsWith('checkpoints.jsonl'))).toEqual([]);
    ops.length = 0;
    await Promise.all(leaves.map((l, i) => recorder.recordIssued(handles[i]!, l.der)));
    expect(ops).toEqual([...Array(8).fill('write entries.jsonl'), 'fsync entries.jsonl', 'write checkpoints.jsonl', 'fsync checkpoints.jsonl']);
    expect(ledger.checkpoint.size).toBe(ledger.size);
    ledger.close();
    const again = Ledger.open({ dir: ledger.dir, readOnly: true });
    expect(again.size).toBe(17);
    expect(again.openReport.unreconciled).toEqual([]);
    again.close();
  });

  it('a checkpoint signed while a group waits fsyncs the group\'s lines first', async () => {
    const { custodian } = await makeHierarchy();
    const l = await makeLeaf(custodian, 'dev-1');
    const { io, ops } = tracedIo();
    const { ledger, recorder } = openStationLedger({ dir: tempDir(), stationId: 'st-1', io, idleCheckpointMs: 0 });
    ops.length = 0;
    const pending = recorder.recordIntent(l.intent);
    while (!ops.includes('write entries.jsonl')) await Promise.resolve(); // written, its group not yet committed
    ledger.signCheckpoint(); // as the idle timer or close would, before the group's turn
    expect(ops.slice(0, 3)).toEqual(['write entries.jsonl', 'fsync entries.jsonl', 'write checkpoints.jsonl']);
    await pending;
    ledger.close();
  });

  it('a failed fsync rejects the whole group, stops the ledger and leaves none of it in the ledger', async () => {
    const { custodian } = await makeHierarchy();
    const leaves = await Promise.all(Array.from({ length: 3 }, (_, i) => makeLeaf(custodian, `dev-${i}`)));
    const { io, state } = tracedIo();
    const dir = tempDir();
    const { ledger, recorder } = openStationLedger({ dir, stationId: 'st-1', io, idleCheckpointMs: 0 });
    const size = ledger.size;
    state.failFsync = true;
    const settled = await Promise.allSettled(leaves.map((l) => recorder.recordIntent(l.intent)));
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const s of settled) expect((s as PromiseRejectedResult).reason).toMatchObject({ code: 'LEDGER_WRITE_FAILED', details: { durable: false, record: 'intent' } });
    expect(ledger.failure).not.toBeNull();
    expect(ledger.size).toBe(size);
    expect(recorder.unreconciled()).toEqual([]);
    // A retry is refused for the stop, not as a duplicate of a record that never made it.
    await expect(recorder.recordIntent(leaves[0]!.intent)).rejects.toMatchObject({ code: 'LEDGER_WRITE_FAILED' });
    ledger.close();
    const again = Ledger.open({ dir: join(dir), readOnly: true });
    expect(again.size).toBe(size);
    again.close();
    const reopened = new LedgerRecorder(Ledger.open({ dir }));
    await expect(reopened.recordIntent(leaves[0]!.intent)).resolves.toBeDefined();
    reopened.ledger.close();
  });
});
