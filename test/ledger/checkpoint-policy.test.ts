import { describe, expect, it } from 'vitest';
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Ledger, openStationLedger } from '../../electron/core/ledger';
import { nodeIo, type LedgerIo } from '../../electron/core/ledger/files';
import { makeHierarchy, makeLeaf, tempDir } from './helpers';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const nameOf = (fd: number): string => readlinkSync(`/proc/self/fd/${fd}`).split('/').pop()!;

/** Records the ledger's write syscalls (file names for open, fsync and rename). */
function tracingIo(): { io: LedgerIo; calls: string[] } {
  const calls: string[] = [];
  const io: LedgerIo = {
    ...nodeIo,
    openSync: ((path: string, flags: string = 'r', mode?: number) => {
      calls.push(`open ${path.split('/').pop()}`);
      return nodeIo.openSync(path, flags, mode);
    }) as LedgerIo['openSync'],
    fsyncSync: (fd) => {
      calls.push(`fsync ${nameOf(fd)}`);
      nodeIo.fsyncSync(fd);
    },
    renameSync: (from, to) => {
      calls.push(`rename ${from.split('/').pop()} ${to.split('/').pop()}`);
      nodeIo.renameSync(from, to);
    },
  };
  return { io, calls };
}

async function provisionOne(recorder: ReturnType<typeof openStationLedger>['recorder'], ca: Awaited<ReturnType<typeof makeHierarchy>>['custodian'], id: string) {
  const { intent, der } = await makeLeaf(ca, id);
  const h = await recorder.recordIntent(intent);
  await recorder.recordIssued(h, der);
  return h;
}

describe('checkpoint policy', () => {
  it('covers done at once, leaves the outcome to the next done, and signs one checkpoint per device', async () => {
    const dir = tempDir();
    const { custodian } = await makeHierarchy();
    const { ledger, recorder } = openStationLedger({ dir, stationId: 'line', idleCheckpointMs: 0 });
    const h1 = await provisionOne(recorder, custodian, 'dev-a');
    expect(ledger.checkpoint.size).toBe(ledger.size); // the certificate is covered before it leaves the station
    const historyBefore = ledger.history().length;
    await recorder.recordOutcome(h1, { result: 'passed' });
    expect(ledger.uncovered).toBe(1);
    expect(ledger.history()).toHaveLength(historyBefore);
    const h2 = await provisionOne(recorder, custodian, 'dev-b');
    expect(ledger.uncovered).toBe(0); // dev-b's done covers dev-a's outcome
    expect(ledger.history()).toHaveLength(historyBefore + 1);
    await recorder.recordOutcome(h2, { result: 'passed' });
    ledger.close();
    const again = Ledger.open({ dir, readOnly: true });
    expect(again.checkpoint.size).toBe(again.size); // close covered the last outcome
    expect(again.history().at(-1)).toBe(readFileSync(join(dir, 'checkpoint'), 'utf8'));
    again.close();
  });

  it('signs a covering checkpoint idleCheckpointMs after an entry was left uncovered', async () => {
    const dir = tempDir();
    const { custodian } = await makeHierarchy();
    const { ledger, recorder } = openStationLedger({ dir, stationId: 'idle', idleCheckpointMs: 40 });
    const h = await provisionOne(recorder, custodian, 'dev-c');
    await recorder.recordOutcome(h, { result: 'passed' });
    expect(ledger.uncovered).toBe(1);
    await sleep(150);
    expect(ledger.uncovered).toBe(0);
    expect(ledger.history().at(-1)).toBe(ledger.checkpointNote);
    expect(readFileSync(join(dir, 'checkpoint'), 'utf8')).toBe(ledger.checkpointNote);
    // Covered entries arm nothing: no further checkpoint appears.
    const n = ledger.history().length;
    await sleep(100);
    expect(ledger.history()).toHaveLength(n);
    ledger.close();
  });

  it('replaces the checkpoint atomically without reopening the directory per checkpoint', () => {
    const dir = join(tempDir(), 'ledger');
    const t = tracingIo();
    const l = Ledger.create({ dir, stationId: 'sys', io: t.io, idleCheckpointMs: 0 });
    t.calls.length = 0;
    l.append('config', { key: 'k', value: 1, operator: 'op' });
    expect(t.calls).toEqual([
      'fsync entries.jsonl',
      'fsync checkpoints.jsonl',
      'open checkpoint.tmp',
      'fsync checkpoint.tmp',
      'rename checkpoint.tmp checkpoint',
      'fsync ledger',
    ]);
    l.close();
  });
});
