/**
 * The persistent index beside entries.jsonl (index/): an open from a current
 * index hashes nothing; a missing index is built (with progress), an index
 * older than the log is caught up from its last entry, and an inconsistent
 * one (from a longer log, with damaged tree hashes, from another ledger) is
 * rebuilt — each time with the same tree and lookups as a fresh build. A
 * reader beside a live writer shares the writer's index.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { cpSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { Ledger, MerkleTree, leafHash, type IndexProgress } from '../../electron/core/ledger';
import { nodeIo } from '../../electron/core/ledger/files';
import { tempDir } from './helpers';
import { cli } from './station-fixture';

const noSync = { ...nodeIo, fsyncSync: () => undefined };

function intent(i: number) {
  return {
    deviceId: `dev-${i}`, subject: `CN=dev-${i}`, serialHex: (0x1000 + i).toString(16), spkiSha256: 'b'.repeat(64),
    issuerFingerprint: 'a'.repeat(64), profile: 'device-leaf', notBefore: '2026-01-01T00:00:00Z', notAfter: '2036-01-01T00:00:00Z',
    operator: 'op', workOrder: `WO-${i % 4}`,
  };
}

/** Append `count` issuances (intent + done) from device `from`. */
function issue(l: Ledger, from: number, count: number): void {
  for (let i = from; i < from + count; i++) {
    const it = l.append('intent', intent(i)).index;
    l.append('done', { intent: it, deviceId: `dev-${i}`, serialHex: intent(i).serialHex, issuerFingerprint: 'a'.repeat(64), certSha256: 'c'.repeat(64), cert: 'AAAA' });
  }
}

/** The root of a tree built from the stored lines, as the audit builds it. */
function rootOf(dir: string): Buffer {
  const t = new MerkleTree();
  for (const line of readFileSync(join(dir, 'entries.jsonl')).toString('latin1').split('\n').slice(0, -1)) t.appendLeafHash(leafHash(Buffer.from(line, 'latin1')));
  return t.root();
}

/** The same answers as an index built from nothing. */
function expectIndexed(l: Ledger, devices: number): void {
  expect(l.size).toBe(1 + 2 * devices);
  expect(l.tree.root().equals(rootOf(l.dir))).toBe(true);
  expect(l.index.byDevice.get(`dev-${devices - 1}`)).toEqual([2 * devices - 1]);
  expect(l.index.bySerial.get((0x1000 + devices - 1).toString(16))).toEqual([2 * devices - 1]);
  expect(l.index.byWorkOrder.get('WO-1')).toHaveLength(Math.floor((devices + 2) / 4));
  expect(l.index.linkOf(2 * devices - 1)).toBe(2 * devices);
  expect(l.search({ deviceId: `dev-${devices - 1}` }).map((e) => e.type)).toEqual(['intent', 'done']);
  expect([...l.verify()].length).toBeGreaterThan(0);
}

let dir: string;
beforeEach(() => {
  dir = join(tempDir('ledger-index-'), 'ledger');
  const l = Ledger.create({ dir, stationId: 'index', io: noSync });
  issue(l, 0, 40);
  l.close();
});

describe('the persistent index', () => {
  it('is current after the writer closes: open hashes no entry', () => {
    const l = Ledger.open({ dir });
    expect(l.openReport.index).toEqual({ state: 'current', hashed: 0 });
    expectIndexed(l, 40);
    l.close();
  });

  it('missing: built from every entry, with progress up to the whole file', () => {
    rmSync(join(dir, 'index'), { recursive: true });
    const progress: IndexProgress[] = [];
    const l = Ledger.open({ dir, onIndexProgress: (p) => progress.push(p) });
    expect(l.openReport.index).toEqual({ state: 'missing', hashed: 81 });
    expect(progress.at(-1)).toEqual({ reason: 'missing', bytes: readFileSync(join(dir, 'entries.jsonl')).length, total: readFileSync(join(dir, 'entries.jsonl')).length, entries: 81 });
    expectIndexed(l, 40);
    l.close();
  });

  it('missing, from the CLI: `ledger status` shows the build on stderr, `ledger verify` its progress and verdict', async () => {
    rmSync(join(dir, 'index'), { recursive: true });
    const home = join(dir, '..');
    const st = await cli(['--home', home, 'ledger', 'status']);
    expect(st.status).toBe(0);
    expect(st.stderr).toContain('index: building (missing) 100% (81 entries)');
    expect(st.stdout).toContain('(index missing, 81 entries hashed)');
    const v = await cli(['--home', home, 'ledger', 'verify', '--json']);
    expect(v.status).toBe(0);
    expect(v.json).toMatchObject({ entries: 81, checkpoints: expect.any(Number) });
    expect((await cli(['--home', home, 'ledger', 'status'])).stdout).toContain('(index current)');
  });

  it('older than the log: only the entries after its last one are hashed', () => {
    const old = tempDir('old-index-');
    cpSync(join(dir, 'index'), old, { recursive: true });
    const l = Ledger.open({ dir, io: noSync });
    issue(l, 40, 10);
    l.close();
    // The index as it was before those 10 issuances (a copy restored, a crash before its writes reached the disk).
    rmSync(join(dir, 'index'), { recursive: true });
    cpSync(old, join(dir, 'index'), { recursive: true });
    // A reader with no writer beside it takes the lock and catches the index up (a writer would too).
    const progress: IndexProgress[] = [];
    const r = Ledger.open({ dir, readOnly: true, onIndexProgress: (p) => progress.push(p) });
    expect(r.openReport.index).toEqual({ state: 'behind', hashed: 20 });
    expect(progress.at(-1)?.reason).toBe('behind');
    expectIndexed(r, 50);
    r.close();
    const w = Ledger.open({ dir });
    expect(w.openReport.index).toEqual({ state: 'current', hashed: 0 });
    w.close();
  });

  it('inconsistent, from a longer log: rebuilt for the entries there are', () => {
    const shorter = join(tempDir('shorter-'), 'ledger');
    cpSync(dir, shorter, { recursive: true });
    const l = Ledger.open({ dir, io: noSync });
    issue(l, 40, 5);
    l.close();
    // The longer log's index beside the shorter log (a backup of the log restored without its index).
    rmSync(join(shorter, 'index'), { recursive: true });
    cpSync(join(dir, 'index'), join(shorter, 'index'), { recursive: true });
    const r = Ledger.open({ dir: shorter });
    expect(r.openReport.index).toEqual({ state: 'inconsistent', hashed: 81 });
    expectIndexed(r, 40);
    r.close();
  });

  it('inconsistent, a tree hash damaged: the tree disagrees with the checkpoint, so the index is rebuilt and the ledger opens', () => {
    // The hash of the first 64 entries, which the root of all 81 is made of.
    const fd = openSync(join(dir, 'index', 'tree-06'), 'r+');
    writeSync(fd, Buffer.alloc(32, 0xee), 0, 32, 0);
    closeSync(fd);
    const l = Ledger.open({ dir });
    expect(l.openReport.index).toEqual({ state: 'inconsistent', hashed: 81 });
    expectIndexed(l, 40);
    l.close();
  });

  it('inconsistent, another ledger\'s index: its first entry does not hash to the stored leaf, so it is rebuilt', () => {
    const other = join(tempDir('other-'), 'ledger');
    const o = Ledger.create({ dir: other, stationId: 'other', io: noSync });
    issue(o, 0, 40);
    o.close();
    rmSync(join(dir, 'index'), { recursive: true });
    cpSync(join(other, 'index'), join(dir, 'index'), { recursive: true });
    const l = Ledger.open({ dir });
    expect(l.openReport.index.state).toBe('inconsistent');
    expectIndexed(l, 40);
    l.close();
  });

  it('indexes the device ID, serial and work order of record types it knows nothing else of, and keeps them across a rebuild', () => {
    const l = Ledger.open({ dir, io: noSync });
    // A station event carrying the three fields (as a revocation record carries a serial).
    const { index } = l.append('config', { key: 'note', value: 'x', operator: 'op', deviceId: 'dev-3', serialHex: 'abc123', workOrder: 'WO-9' } as never);
    expect(l.index.mentions.serial.get('abc123')).toEqual([index]);
    expect(l.search({ serialHex: 'ABC123' }).map((e) => e.index)).toEqual([index]);
    expect(l.search({ deviceId: 'dev-3' }).map((e) => e.index)).toEqual([7, 8, index]);
    l.close();
    rmSync(join(dir, 'index'), { recursive: true });
    const r = Ledger.open({ dir, readOnly: true });
    expect(r.index.mentions.device.get('dev-3')).toEqual([index]);
    expect(r.index.mentions.workOrder.get('WO-9')).toEqual([index]);
    r.close();
  });

  it('an old history line rewritten (outside what open reads): open passes, verify finds the history going back', () => {
    const hp = join(dir, 'checkpoints.jsonl');
    const hist = readFileSync(hp, 'utf8').split('\n');
    // Line 5's size raised past the lines after it (the note's own signature is not what this checks).
    hist[5] = hist[5]!.replace(/^("custodian\.station\/index\\n)\d+/, '$1' + '79');
    writeFileSync(hp, hist.join('\n'));
    const l = Ledger.open({ dir, historyWindow: 4 });
    expect(() => [...l.verify()]).toThrow(expect.objectContaining({ code: 'LEDGER_TAMPERED', message: expect.stringContaining('checkpoint history goes back') }));
    l.close();
  });

  it('verify compares the root of each of the newest historyWindow history lines, and of none older', () => {
    const hp = join(dir, 'checkpoints.jsonl');
    const hist = readFileSync(hp, 'utf8').split('\n');
    const lines = hist.length - 1;
    expect(lines).toBeGreaterThan(8);
    // Another root of the same length: the first base64 character of line k's root changed (after the file is opened, so only verify reads it).
    const verifyWithRootChanged = (k: number): unknown => {
      const l = Ledger.open({ dir, readOnly: true, historyWindow: 4 });
      const h = [...hist];
      h[k] = h[k]!.replace(/^("custodian\.station\/index\\n\d+\\n)(.)/, (_, head: string, c: string) => head + (c === 'A' ? 'B' : 'A'));
      expect(h[k]).not.toBe(hist[k]);
      writeFileSync(hp, h.join('\n'));
      try {
        return [...l.verify()];
      } finally {
        l.close();
      }
    };
    // The older line first: a tamper found removes the index, and the open that rebuilds it checks the newest lines itself.
    expect(() => verifyWithRootChanged(lines - 5)).not.toThrow();
    expect(() => verifyWithRootChanged(lines - 4)).toThrow(expect.objectContaining({ code: 'LEDGER_TAMPERED', message: expect.stringContaining(`history checkpoint ${lines - 4}`) }));
  });

  it('a reader beside a live writer reads the writer\'s index as it is, and sees its appends after it opened', () => {
    const w = Ledger.open({ dir, io: noSync });
    issue(w, 40, 3);
    const r = Ledger.open({ dir, readOnly: true });
    expect(r.openReport.index).toEqual({ state: 'current', hashed: 0 });
    expect(r.size).toBe(w.size);
    expect(r.tree.root().equals(w.tree.root())).toBe(true);
    r.close();
    w.close();
  });
});
