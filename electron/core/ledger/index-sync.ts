/**
 * Bring the ledger's persistent index (entry-index.ts, tree-store.ts, in
 * `<ledger>/index/`) up to date with entries.jsonl at open:
 *
 *   missing       built from every entry (progress reported);
 *   behind        the entries after the last indexed one are hashed and indexed;
 *   inconsistent  removed and built again: another format, rows not starting at 0,
 *                 entries beyond the end of the log, tree files shorter than
 *                 the rows, or a first or last indexed entry whose bytes no
 *                 longer hash to the stored leaf (the log was replaced).
 *
 * Hashes beyond the indexed rows (a crash between the tree write and the row
 * commit) are cut off. The caller checks the tree against the latest signed
 * checkpoint and asks for a rebuild if it disagrees.
 */
import { existsSync, fstatSync, mkdirSync, readSync, rmSync } from 'node:fs';
import { completeLength } from './files';
import { join } from 'node:path';
import { EntryIndex, INDEX_FORMAT } from './entry-index';
import { decodeForIndex, newDecoded } from './index-fields';
import { HASH_SIZE, MerkleTree, leafHash } from './merkle';
import { hashLines, type ScanOptions } from './scan';
import { FileLevels } from './tree-store';

export const INDEX_DIR = 'index';
export const INDEX_DB = 'entries.sqlite';

export type IndexState = 'current' | 'missing' | 'behind' | 'inconsistent';

export interface IndexProgress {
  /** Why the index is being written: built from scratch or caught up. */
  reason: Exclude<IndexState, 'current'>;
  /** Bytes of entries.jsonl indexed so far, of `total`. */
  bytes: number;
  total: number;
  entries: number;
}

export interface OpenedIndex {
  index: EntryIndex;
  tree: MerkleTree;
  levels: FileLevels;
  /** What open found (and repaired). */
  state: IndexState;
  /** Entries hashed at open (0 when the index was current). */
  hashed: number;
}

export interface IndexOptions {
  scan?: ScanOptions;
  onProgress?: (p: IndexProgress) => void;
  /**
   * Never change the files (another process may write them): an index that
   * is not current is an error for the caller; with 'behind-ok' (a live
   * writer holds the ledger) one behind the log is read as it is.
   */
  shared?: boolean | 'behind-ok';
}

function readAt(fd: number, pos: number, len: number): Buffer {
  const b = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const n = readSync(fd, b, got, len - got, pos + got);
    if (n <= 0) break;
    got += n;
  }
  return b.subarray(0, got);
}

/** Why the index in `idx`/`levels` cannot be trusted for a log of `complete` bytes, or null. */
function inconsistency(fd: number, complete: number, idx: EntryIndex, levels: FileLevels): string | null {
  if (idx.meta('format') !== INDEX_FORMAT) return 'another index format';
  if (!idx.startsAtZero) return 'rows that do not start at entry 0';
  if (idx.end > complete) return 'entries beyond the end of the log';
  for (let k = 0; 2 ** k <= idx.size; k++) if (levels.count(k) < Math.floor(idx.size / 2 ** k)) return `tree level ${k} is short`;
  for (const i of idx.size ? new Set([0, idx.size - 1]) : []) {
    const off = idx.offsetOf(i);
    const len = idx.lengthOf(i);
    const line = readAt(fd, off, len + 1);
    if (line.length !== len + 1 || line[len] !== 10 || (off > 0 && readAt(fd, off - 1, 1)[0] !== 10)) return `entry ${i} is not where the index has it`;
    const stored = Buffer.allocUnsafe(HASH_SIZE);
    levels.copy(0, i, 1, stored, 0);
    if (!leafHash(line.subarray(0, len)).equals(stored)) return `entry ${i} does not hash to its indexed leaf`;
  }
  return null;
}

function openFiles(dir: string): { index: EntryIndex; levels: FileLevels } {
  mkdirSync(dir, { recursive: true });
  const index = new EntryIndex(join(dir, INDEX_DB));
  try {
    return { index, levels: new FileLevels(dir) };
  } catch (e) {
    index.close();
    throw e;
  }
}

/** Remove the index in `dir` (derived data: the next open builds it again). */
export function removeIndex(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Open the index in `dir` for the `complete` bytes of entries.jsonl behind
 * `fd`, repairing it as the header says. `force` rebuilds it whatever its state.
 */
export function syncIndex(dir: string, fd: number, complete: number, opts: IndexOptions = {}, force = false): OpenedIndex {
  let state: IndexState = existsSync(join(dir, INDEX_DB)) ? 'current' : 'missing';
  if (opts.shared && state === 'missing') throw new Error('there is no index');
  // Beside a live writer the log may have grown since the caller measured it (the writer indexes a line after writing it).
  if (opts.shared) complete = Math.max(complete, completeLength(fd, fstatSync(fd).size));
  let { index, levels } = openFiles(dir);
  try {
    if (state === 'current' && (force || inconsistency(fd, complete, index, levels) !== null)) {
      if (opts.shared) throw new Error('the index is not consistent with the log');
      index.close();
      levels.close();
      removeIndex(dir);
      ({ index, levels } = openFiles(dir));
      state = 'inconsistent';
    }
    if (state === 'missing') index.setMeta('format', INDEX_FORMAT);
    const tree = new MerkleTree(levels);
    if (!opts.shared) levels.truncate(index.size);
    else levels.limit(index.size);
    if (state === 'current' && index.end < complete) {
      // Beside a live writer, lines it has written and not indexed yet are left to it: this reader sees the entries indexed.
      if (opts.shared === 'behind-ok') return { index, tree, levels, state, hashed: 0 };
      if (opts.shared) throw new Error('the index is behind the log');
      state = 'behind';
    }
    const before = index.size;
    if (index.end < complete) indexRange(fd, index.end, complete, index, tree, levels, state as IndexProgress['reason'], opts);
    return { index, tree, levels, state, hashed: index.size - before };
  } catch (e) {
    index.close();
    levels.close();
    throw e;
  }
}

/** Hash and index the lines in [from, to) after the last indexed entry. */
function indexRange(fd: number, from: number, to: number, index: EntryIndex, tree: MerkleTree, levels: FileLevels, reason: IndexProgress['reason'], opts: IndexOptions): void {
  const rec = newDecoded();
  const bulk = to - from > 64 << 20;
  index.beginBatch(bulk);
  try {
    for (const c of hashLines(fd, from, to, { ...opts.scan, mainShare: 0 })) {
      for (let j = 0; j < c.count; j++) {
        const s = c.bounds[2 * j]!;
        const e = c.bounds[2 * j + 1]!;
        tree.appendLeafHash(c.hashes.subarray(j * HASH_SIZE, (j + 1) * HASH_SIZE));
        index.add(decodeForIndex(c.data, s, e, rec), c.base + s, e - s);
      }
      levels.flush();
      index.commitBatch();
      opts.onProgress?.({ reason, bytes: index.end, total: to, entries: index.size });
    }
  } finally {
    levels.flush();
    index.endBatch();
  }
}
