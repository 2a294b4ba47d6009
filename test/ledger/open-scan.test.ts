/**
 * The re-hash in all its paths (worker thread, multiple chunks, entries split
 * across chunks, single thread), when open builds the index from the entries
 * and when verify() re-hashes them all, agrees with a plain tree, and the
 * paged view/search API reads the right entries.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Ledger, MerkleTree, leafHash, listEntries, searchEntries } from '../../electron/core/ledger';
import { tempDir } from './helpers';
import { nodeIo } from '../../electron/core/ledger/files';

let dir: string;
let expectedRoot: Buffer;
const COUNT = 1500;

function intent(i: number) {
  return {
    deviceId: i === 7 ? 'dev-"quoted"-7' : `dev-${i}`, subject: `CN=dev-${i}`, serialHex: (0x1000 + i).toString(16), spkiSha256: 'b'.repeat(64),
    issuerFingerprint: 'a'.repeat(64), profile: 'device-leaf', notBefore: '2026-01-01T00:00:00Z', notAfter: '2036-01-01T00:00:00Z',
    operator: 'op', ...(i % 2 ? { workOrder: `WO-${i % 10}` } : {}),
  };
}

beforeAll(() => {
  dir = join(tempDir('scan-'), 'ledger');
  const l = Ledger.create({ dir, stationId: 'scan', checkpointEvery: 100_000, io: { ...nodeIo, fsyncSync: () => undefined } });
  for (let i = 0; i < COUNT; i++) {
    const it = l.append('intent', intent(i)).index;
    if (i % 3 === 0) l.append('failed', { intent: it, code: 'X', message: 'm' });
    else l.append('done', { intent: it, deviceId: intent(i).deviceId, serialHex: intent(i).serialHex, issuerFingerprint: 'a'.repeat(64), certSha256: 'c'.repeat(64), cert: randomBytes(200 + (i % 700)).toString('base64') });
  }
  l.close();
  const t = new MerkleTree();
  for (const line of readFileSync(join(dir, 'entries.jsonl')).toString('latin1').split('\n').slice(0, -1)) t.appendLeafHash(leafHash(Buffer.from(line, 'latin1')));
  expectedRoot = t.root();
});

/** A copy of the ledger without its index: open builds it from the entries. */
function withoutIndex(): string {
  const copy = join(tempDir('scan-copy-'), 'ledger');
  cpSync(dir, copy, { recursive: true });
  rmSync(join(copy, 'index'), { recursive: true, force: true });
  return copy;
}

describe('index build and full verification', () => {
  const variants = {
    'single thread, one chunk': {},
    'worker, 64 KB chunks': { chunkBytes: 64 << 10, parallelMinBytes: 0 },
    'worker, 3 KB chunks (entries split across chunks)': { chunkBytes: 3 << 10, parallelMinBytes: 0 },
    'single thread, 5 KB chunks': { chunkBytes: 5 << 10 },
  };
  for (const [name, scan] of Object.entries(variants)) {
    it(`${name}: same root and index`, () => {
      const l = Ledger.open({ dir: withoutIndex(), readOnly: true, scan });
      expect(l.openReport.index).toEqual({ state: 'missing', hashed: 1 + 2 * COUNT });
      expect(l.tree.root().equals(expectedRoot)).toBe(true);
      expect(l.size).toBe(1 + 2 * COUNT);
      expect(l.index.byDevice.get('dev-"quoted"-7')).toEqual([1 + 2 * 7]);
      expect(l.index.bySerial.get((0x1000 + 1499).toString(16))).toEqual([1 + 2 * 1499]);
      expect(l.index.byWorkOrder.get('WO-3')).toHaveLength(150);
      expect(l.index.linkOf(1 + 2 * 10)).toBe(2 + 2 * 10);
      const steps = l.verify();
      let r = steps.next();
      let chunks = 0;
      for (; !r.done; r = steps.next()) chunks++;
      expect(r.value).toMatchObject({ entries: 1 + 2 * COUNT, bytes: readFileSync(join(dir, 'entries.jsonl')).length });
      if ('chunkBytes' in scan) expect(chunks).toBeGreaterThan(1);
      l.close();
    });
  }

  it('detects a flipped byte in a later chunk on the worker path: verify with the index, open without it', () => {
    const copy = join(tempDir('scan-copy-'), 'ledger');
    cpSync(dir, copy, { recursive: true });
    const p = join(copy, 'entries.jsonl');
    const b = readFileSync(p);
    const at = Math.floor(b.length * 0.8);
    b[at] = b[at] === 0x41 ? 0x42 : 0x41;
    writeFileSync(p, b);
    const scan = { chunkBytes: 64 << 10, parallelMinBytes: 0 };
    // The index (built before the edit) still has the tree the checkpoint signed: open checks that tree, verify the entries.
    const l = Ledger.open({ dir: copy, scan });
    expect(() => [...l.verify()]).toThrow(expect.objectContaining({ code: 'LEDGER_TAMPERED' }));
    l.close();
    rmSync(join(copy, 'index'), { recursive: true, force: true });
    expect(() => Ledger.open({ dir: copy, scan })).toThrow(expect.objectContaining({ code: 'LEDGER_TAMPERED' }));
  });

  it('refuses a malformed entry after the last checkpoint', () => {
    const d = join(tempDir('scan-tail-'), 'ledger');
    Ledger.create({ dir: d, stationId: 't' }).close();
    appendFileSync(join(d, 'entries.jsonl'), '{"t":"intent","n":1,"at":"x", oops}\n');
    expect(() => Ledger.open({ dir: d })).toThrow(expect.objectContaining({ code: 'LEDGER_TAMPERED' }));
  });
});

describe('paged view', () => {
  it('lists a range with decoded summaries and searches by device, serial and work order', () => {
    const l = Ledger.open({ dir, readOnly: true });
    // Entry 0 is the genesis; device i has its intent at 1+2i and its done/failed record at 2+2i.
    const page = listEntries(l, 21, 3);
    expect(page.map((e) => [e.index, e.type])).toEqual([[21, 'intent'], [22, 'done'], [23, 'intent']]);
    expect(page[1]).toMatchObject({ intent: 21, deviceId: 'dev-10', serialHex: (0x1000 + 10).toString(16), result: 'issued' });
    expect(listEntries(l, l.size - 1, 50)).toHaveLength(1);
    expect(searchEntries(l, { deviceId: 'dev-10' }).map((e) => e.index)).toEqual([21, 22]);
    expect(searchEntries(l, { serialHex: (0x1000 + 9).toString(16) }).map((e) => e.type)).toEqual(['intent', 'failed']);
    expect(searchEntries(l, { workOrder: 'WO-3', deviceId: 'dev-13' }).map((e) => e.index)).toEqual([27, 28]);
    expect(l.search({ workOrder: 'WO-3', limit: 4 })).toHaveLength(4);
    l.close();
  });
});
