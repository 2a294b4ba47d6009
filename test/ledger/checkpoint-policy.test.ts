import { describe, expect, it } from 'vitest';
import { cpSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Ledger, openStationLedger, parseCheckpointBody, parseNote, type IdleClock } from '../../electron/core/ledger';
import { nodeIo, type LedgerIo } from '../../electron/core/ledger/files';
import { makeHierarchy, makeLeaf, tempDir } from './helpers';

/** An IdleClock that only moves when the test advances it, running the timers that fall due on the way, in order. */
function manualClock(): IdleClock & { advance(ms: number): void } {
  let t = 1000;
  let seq = 0;
  let timers: { at: number; seq: number; fn: () => void }[] = [];
  return {
    now: () => t,
    after(ms, fn) {
      const timer = { at: t + ms, seq: seq++, fn };
      timers.push(timer);
      return () => { timers = timers.filter((x) => x !== timer); };
    },
    advance(ms) {
      const end = t + ms;
      for (;;) {
        const due = timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
        if (!due) break;
        timers = timers.filter((x) => x !== due);
        t = due.at;
        due.fn();
      }
      t = end;
    },
  };
}

const sizeOf = (note: string): number => parseCheckpointBody(parseNote(note).text).size;
const fileNote = (dir: string): string => readFileSync(join(dir, 'checkpoint'), 'utf8');

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
    expect(ledger.history().at(-1)).toBe(ledger.checkpointNote); // … by a checkpoint already in the history on disk
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
    const clock = manualClock();
    const { ledger, recorder } = openStationLedger({ dir, stationId: 'idle', idleCheckpointMs: 40, idleClock: clock });
    const h = await provisionOne(recorder, custodian, 'dev-c');
    await recorder.recordOutcome(h, { result: 'passed' });
    expect(ledger.uncovered).toBe(1);
    clock.advance(39);
    expect(ledger.uncovered).toBe(1); // not before idleCheckpointMs
    clock.advance(1);
    expect(ledger.uncovered).toBe(0);
    expect(ledger.history().at(-1)).toBe(ledger.checkpointNote);
    expect(readFileSync(join(dir, 'checkpoint'), 'utf8')).toBe(ledger.checkpointNote);
    // Covered entries arm nothing: no further checkpoint appears.
    const n = ledger.history().length;
    clock.advance(10_000);
    expect(ledger.history()).toHaveLength(n);
    ledger.close();
  });

  it('appends the policy checkpoint to the history at once and replaces `checkpoint` atomically later, without reopening the directory', () => {
    const dir = join(tempDir(), 'ledger');
    const t = tracingIo();
    const l = Ledger.create({ dir, stationId: 'sys', io: t.io, idleCheckpointMs: 0 });
    expect(fileNote(dir)).toBe(l.checkpointNote); // a new ledger is complete on disk
    t.calls.length = 0;
    l.append('config', { key: 'k', value: 1, operator: 'op' });
    expect(t.calls).toEqual(['fsync entries.jsonl', 'fsync checkpoints.jsonl']);
    expect(l.history().at(-1)).toBe(l.checkpointNote);
    expect(sizeOf(fileNote(dir))).toBe(1);
    t.calls.length = 0;
    l.close();
    expect(t.calls).toEqual([
      'open checkpoint.tmp',
      'fsync checkpoint.tmp',
      'rename checkpoint.tmp checkpoint',
      'fsync ledger',
    ]);
    expect(fileNote(dir)).toBe(l.history().at(-1));
  });

  it('brings `checkpoint` up to the history within idleCheckpointMs even while devices keep coming', async () => {
    const dir = tempDir();
    const { custodian } = await makeHierarchy();
    const leaves = await Promise.all(Array.from({ length: 24 }, (_, i) => makeLeaf(custodian, `busy-${i}`)));
    const idleMs = 60;
    const clock = manualClock();
    const { ledger, recorder } = openStationLedger({ dir, stationId: 'busy', idleCheckpointMs: idleMs, idleClock: clock });
    // A device every 10 ms, each done signing a checkpoint: a timer reset by each of them would never fire on a busy line.
    let lagStart = -1;
    let catchUps = 0;
    for (const { intent, der } of leaves) {
      const start = clock.now();
      const h = await recorder.recordIntent(intent);
      await recorder.recordIssued(h, der);
      await recorder.recordOutcome(h, { result: 'passed' });
      clock.advance(10);
      if (sizeOf(fileNote(dir)) < sizeOf(ledger.history().at(-1)!)) {
        if (lagStart < 0) lagStart = start; // this device's done put the file behind
        expect(clock.now() - lagStart, '`checkpoint` behind the history').toBeLessThan(idleMs);
      } else {
        if (lagStart >= 0) catchUps++;
        lagStart = -1;
      }
    }
    expect(catchUps).toBeGreaterThanOrEqual(3); // 240 ms of devices with idleMs = 60: brought up to date again and again
    clock.advance(idleMs);
    expect(ledger.uncovered).toBe(0);
    expect(fileNote(dir)).toBe(ledger.checkpointNote);
    expect(ledger.history().at(-1)).toBe(ledger.checkpointNote);
    ledger.close();
  });

  it('signs no idle checkpoint for entries a done covers within idleCheckpointMs, and still covers the last one in time', async () => {
    const dir = tempDir();
    const { custodian } = await makeHierarchy();
    const leaves = await Promise.all(Array.from({ length: 16 }, (_, i) => makeLeaf(custodian, `steady-${i}`)));
    const idleMs = 150;
    const clock = manualClock();
    const { ledger, recorder } = openStationLedger({ dir, stationId: 'steady', idleCheckpointMs: idleMs, idleClock: clock });
    const history0 = ledger.history().length;
    const t0 = clock.now();
    let outcomeAt = -1;
    for (const { intent, der } of leaves) {
      clock.advance(25); // well under idleMs: the next done covers the previous outcome
      const h = await recorder.recordIntent(intent);
      await recorder.recordIssued(h, der); // covers this intent and the previous device's outcome
      await recorder.recordOutcome(h, { result: 'passed' });
      outcomeAt = clock.now();
    }
    // Longer than idleMs in all, so the timer fired while an outcome was uncovered; it signed only for the dones.
    expect(clock.now() - t0).toBeGreaterThan(2 * idleMs);
    expect(ledger.history()).toHaveLength(history0 + leaves.length);
    expect(ledger.uncovered).toBe(1);
    clock.advance(idleMs - 1);
    expect(ledger.uncovered).toBe(1);
    clock.advance(1);
    expect(clock.now() - outcomeAt).toBe(idleMs);
    expect(ledger.uncovered).toBe(0); // the last outcome is covered by the timer idleMs after it, not only at close
    expect(ledger.history()).toHaveLength(history0 + leaves.length + 1);
    expect(fileNote(dir)).toBe(ledger.checkpointNote);
    ledger.close();
  });

  it('after a crash while `checkpoint` lagged, open takes the history\'s newer checkpoint and brings the file up to date', async () => {
    const dir = join(tempDir(), 'ledger');
    const crashed = join(tempDir(), 'ledger');
    const { custodian } = await makeHierarchy();
    const { ledger, recorder } = openStationLedger({ dir, stationId: 'lag', idleCheckpointMs: 0 });
    await provisionOne(recorder, custodian, 'dev-lag');
    // The files as a crash would leave them now: the done's checkpoint is only in the history.
    cpSync(dir, crashed, { recursive: true });
    rmSync(join(crashed, 'ledger.lock'));
    ledger.close();
    expect(sizeOf(fileNote(crashed))).toBe(1);
    const again = Ledger.open({ dir: crashed });
    expect(again.openReport.checkpointSize).toBe(3);
    expect(again.checkpoint.size).toBe(3);
    expect(fileNote(crashed)).toBe(again.checkpointNote);
    expect(again.history().at(-1)).toBe(again.checkpointNote);
    again.close();
  });
});
