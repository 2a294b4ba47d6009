/**
 * The station's Merkle tree hashes in files beside the ledger
 * (`index/tree-<k>`: the 32-byte hashes of level k, node after node, the
 * same hashes a C2SP tile at that level holds), so an open reads the tree
 * instead of re-hashing every entry. Derived data: the index rebuilds them
 * from entries.jsonl (index-store.ts).
 *
 * Pushed hashes are buffered per level and written by flush(); the ledger
 * flushes after every append, a rebuild every few thousand entries. Nothing
 * is fsynced: a file that lost its tail is shorter than the index says and
 * the index is rebuilt (or caught up) at the next open.
 */
import { closeSync, constants, existsSync, fstatSync, ftruncateSync, openSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFully, nodeIo } from './files';
import { HASH_SIZE, type LevelStore } from './merkle';

const MAX_LEVELS = 64;
const BUFFER_HASHES = 2048;

export const levelFile = (dir: string, level: number): string => join(dir, `tree-${String(level).padStart(2, '0')}`);

interface Level {
  fd: number;
  /** Hashes at this level, flushed or buffered. */
  count: number;
  /** Hashes in the file. */
  flushed: number;
  pending: Buffer;
  /** The two newest hashes (count-2, count-1), for the next node above. */
  tail: Buffer;
}

export class FileLevels implements LevelStore {
  private readonly ls: Level[] = [];

  /** Open the level files in `dir` (created when absent) as they are; the owner truncates them to what its index covers. */
  constructor(private readonly dir: string) {
    for (let k = 0; k < MAX_LEVELS && existsSync(levelFile(dir, k)); k++) this.open(k);
  }

  private open(k: number): Level {
    const fd = openSync(levelFile(this.dir, k), constants.O_RDWR | constants.O_CREAT, 0o644);
    const count = Math.floor(fstatSync(fd).size / HASH_SIZE);
    const l: Level = { fd, count, flushed: count, pending: Buffer.allocUnsafe(BUFFER_HASHES * HASH_SIZE), tail: Buffer.alloc(2 * HASH_SIZE) };
    this.ls[k] = l;
    this.loadTail(l);
    return l;
  }

  private loadTail(l: Level): void {
    const n = Math.min(2, l.count);
    if (n > 0) this.copy(this.ls.indexOf(l), l.count - n, n, l.tail, (2 - n) * HASH_SIZE, true);
  }

  get depth(): number {
    let d = this.ls.length;
    while (d > 0 && this.ls[d - 1]!.count === 0) d--;
    return d;
  }

  count(level: number): number {
    return this.ls[level]?.count ?? 0;
  }

  copy(level: number, start: number, n: number, target: Buffer, at: number, raw = false): void {
    const l = this.ls[level]!;
    // The newest two (the path of every append) come from memory.
    if (!raw && start >= l.count - 2 && start + n <= l.count) {
      l.tail.copy(target, at, (start - (l.count - 2)) * HASH_SIZE, (start + n - (l.count - 2)) * HASH_SIZE);
      return;
    }
    let i = start;
    let o = at;
    const fileEnd = Math.min(start + n, l.flushed);
    if (i < fileEnd) {
      const len = (fileEnd - i) * HASH_SIZE;
      let got = 0;
      while (got < len) {
        const r = readSync(l.fd, target, o + got, len - got, i * HASH_SIZE + got);
        if (r <= 0) throw new RangeError(`tree level ${level} is shorter than ${fileEnd} hashes`);
        got += r;
      }
      o += len;
      i = fileEnd;
    }
    if (i < start + n) l.pending.copy(target, o, (i - l.flushed) * HASH_SIZE, (start + n - l.flushed) * HASH_SIZE);
  }

  push(level: number, h: Uint8Array): void {
    const l = this.ls[level] ?? this.open(level);
    if ((l.count - l.flushed) * HASH_SIZE >= l.pending.length) this.flushLevel(l);
    l.pending.set(h, (l.count - l.flushed) * HASH_SIZE);
    l.tail.copy(l.tail, 0, HASH_SIZE, 2 * HASH_SIZE);
    l.tail.set(h, HASH_SIZE);
    l.count++;
  }

  truncate(size: number): void {
    for (let k = 0; k < this.ls.length; k++) {
      const l = this.ls[k]!;
      const keep = Math.floor(size / 2 ** k);
      if (keep >= l.count) continue;
      this.flushLevel(l);
      ftruncateSync(l.fd, keep * HASH_SIZE);
      l.count = l.flushed = keep;
      this.loadTail(l);
    }
  }

  /** Read only the nodes of the first `size` leaves, leaving the files as they are (another process writes them). */
  limit(size: number): void {
    for (let k = 0; k < this.ls.length; k++) {
      const l = this.ls[k]!;
      const keep = Math.floor(size / 2 ** k);
      if (keep >= l.count) continue;
      l.count = l.flushed = keep;
      this.loadTail(l);
    }
  }

  private flushLevel(l: Level): void {
    if (l.count === l.flushed) return;
    writeFully(nodeIo, l.fd, l.pending.subarray(0, (l.count - l.flushed) * HASH_SIZE), l.flushed * HASH_SIZE);
    l.flushed = l.count;
  }

  /** Write every buffered hash to its file. */
  flush(): void {
    for (const l of this.ls) this.flushLevel(l);
  }

  close(): void {
    try { this.flush(); } finally {
      for (const l of this.ls) closeSync(l.fd);
      this.ls.length = 0;
    }
  }

  /** Remove every level file (before a rebuild). */
  static remove(dir: string): void {
    for (let k = 0; k < MAX_LEVELS; k++) rmSync(levelFile(dir, k), { force: true });
  }
}
