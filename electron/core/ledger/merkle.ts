/**
 * RFC 6962 / RFC 9162 Merkle tree over SHA-256.
 *
 *   leaf hash  = SHA-256(0x00 || entry)
 *   node hash  = SHA-256(0x01 || left || right)
 *   empty tree = SHA-256("")
 *
 * `MerkleTree` keeps every complete subtree hash (level k holds the hashes of the
 * aligned subtrees of 2^k leaves), so roots at any size, inclusion proofs and
 * consistency proofs cost O(log n) hashes instead of a recomputation.
 */
import { hash } from 'node:crypto';

export const HASH_SIZE = 32;
/** First byte hashed for a leaf (RFC 6962 §2.1); interior nodes use 0x01. */
export const LEAF_PREFIX = 0x00;

const scratch = Buffer.alloc(1 + 2 * HASH_SIZE);

export function sha256(data: Uint8Array): Buffer {
  return hash('sha256', data, 'buffer');
}

/** SHA-256 of the empty string: the root of the empty tree. */
export const EMPTY_ROOT: Buffer = sha256(new Uint8Array(0));

/** RFC 6962 leaf hash of the entry bytes exactly as stored. */
export function leafHash(entry: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(entry.length + 1);
  b[0] = LEAF_PREFIX;
  b.set(entry, 1);
  return sha256(b);
}

/** RFC 6962 interior node hash. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  scratch[0] = 1;
  scratch.set(left, 1);
  scratch.set(right, 1 + HASH_SIZE);
  return sha256(scratch);
}

/** Largest power of two strictly smaller than n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPow2(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/**
 * Where a tree keeps its complete subtree hashes: level k holds count(k)
 * hashes of aligned 2^k-leaf subtrees. In memory (MemoryLevels, the audit's
 * trees) or in files beside the ledger (tree-store.ts, the station's).
 */
export interface LevelStore {
  readonly depth: number;
  count(level: number): number;
  /** Copy `n` hashes of `level` from node `start` into `target` at `at`. */
  copy(level: number, start: number, n: number, target: Buffer, at: number): void;
  push(level: number, h: Uint8Array): void;
  /** Keep the nodes of the first `size` leaves. */
  truncate(size: number): void;
}

/** Levels in growable buffers. For one million leaves they take about 64 MB. */
export class MemoryLevels implements LevelStore {
  levels: Buffer[] = [];
  counts: number[] = [];
  get depth(): number {
    return this.levels.length;
  }
  count(level: number): number {
    return this.counts[level] ?? 0;
  }
  copy(level: number, start: number, n: number, target: Buffer, at: number): void {
    this.levels[level]!.copy(target, at, start * HASH_SIZE, (start + n) * HASH_SIZE);
  }
  push(level: number, h: Uint8Array): void {
    if (this.levels.length <= level) {
      this.levels.push(Buffer.allocUnsafe(HASH_SIZE * 1024));
      this.counts.push(0);
    }
    let buf = this.levels[level]!;
    const count = this.counts[level]!;
    if ((count + 1) * HASH_SIZE > buf.length) {
      const grown = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(grown, 0, 0, count * HASH_SIZE);
      this.levels[level] = buf = grown;
    }
    buf.set(h, count * HASH_SIZE);
    this.counts[level] = count + 1;
  }
  truncate(size: number): void {
    for (let k = 0; k < this.counts.length; k++) this.counts[k] = Math.min(this.counts[k]!, Math.floor(size / 2 ** k));
  }
}

export class MerkleTree {
  constructor(private store: LevelStore = new MemoryLevels()) {}

  get size(): number {
    return this.store.count(0);
  }

  /** The store behind this tree (a file-backed one flushes and closes through it). */
  get levels(): LevelStore {
    return this.store;
  }

  /** Append a leaf by its leaf hash (see `leafHash`). Returns the leaf index. */
  appendLeafHash(h: Uint8Array): number {
    const index = this.size;
    const st = this.store;
    st.push(0, h);
    let level = 0;
    let count = st.count(0);
    while (count % 2 === 0) {
      scratch[0] = 1;
      st.copy(level, count - 2, 2, scratch, 1);
      st.push(level + 1, sha256(scratch));
      level++;
      count = st.count(level);
    }
    return index;
  }

  appendEntry(entry: Uint8Array): number {
    return this.appendLeafHash(leafHash(entry));
  }

  /** Drop every leaf at index >= size (used when a torn tail is cut off). */
  truncate(size: number): void {
    if (size >= this.size) return;
    this.store.truncate(size);
  }

  leafHashAt(index: number): Buffer {
    if (index < 0 || index >= this.size) throw new RangeError(`leaf ${index} out of range`);
    const out = Buffer.allocUnsafe(HASH_SIZE);
    this.store.copy(0, index, 1, out, 0);
    return out;
  }

  /** Hashes of `count` complete nodes at `level` (subtrees of 2^level leaves) starting at node `start`. */
  levelHashes(level: number, start: number, count: number): Buffer {
    if (level >= this.store.depth || start + count > this.store.count(level)) throw new RangeError(`no nodes ${start}+${count} at level ${level}`);
    const out = Buffer.allocUnsafe(count * HASH_SIZE);
    this.store.copy(level, start, count, out, 0);
    return out;
  }

  /** Number of complete nodes at `level`. */
  levelCount(level: number): number {
    return this.store.count(level);
  }

  /** MTH(D[start : start+n]) using stored complete subtrees where aligned. */
  subtreeHash(start: number, n: number): Buffer {
    if (n === 0) return EMPTY_ROOT;
    if (isPow2(n) && start % n === 0) {
      const level = Math.log2(n);
      const idx = start / n;
      if (level < this.store.depth && idx < this.store.count(level)) {
        const out = Buffer.allocUnsafe(HASH_SIZE);
        this.store.copy(level, idx, 1, out, 0);
        return out;
      }
    }
    if (n === 1) throw new RangeError(`leaf ${start} out of range`);
    const k = splitPoint(n);
    return nodeHash(this.subtreeHash(start, k), this.subtreeHash(start + k, n - k));
  }

  /** Root hash of the first `size` leaves (default: all). */
  root(size = this.size): Buffer {
    if (size < 0 || size > this.size) throw new RangeError(`tree size ${size} exceeds ${this.size}`);
    return this.subtreeHash(0, size);
  }

  /** RFC 6962 PATH(index, D[0:size]). */
  inclusionProof(index: number, size = this.size): Buffer[] {
    if (size > this.size || index < 0 || index >= size) throw new RangeError(`no leaf ${index} in a tree of ${size}`);
    const out: Buffer[] = [];
    const path = (m: number, start: number, n: number): void => {
      if (n === 1) return;
      const k = splitPoint(n);
      if (m < k) {
        path(m, start, k);
        out.push(this.subtreeHash(start + k, n - k));
      } else {
        path(m - k, start + k, n - k);
        out.push(this.subtreeHash(start, k));
      }
    };
    path(index, 0, size);
    return out;
  }

  /** RFC 6962 PROOF(m, D[0:n]); empty when m is 0 or m equals n. */
  consistencyProof(m: number, n = this.size): Buffer[] {
    if (n > this.size || m < 0 || m > n) throw new RangeError(`no consistency proof from ${m} to ${n}`);
    const out: Buffer[] = [];
    if (m === 0 || m === n) return out;
    const sub = (mm: number, start: number, nn: number, b: boolean): void => {
      if (mm === nn) {
        if (!b) out.push(this.subtreeHash(start, nn));
        return;
      }
      const k = splitPoint(nn);
      if (mm <= k) {
        sub(mm, start, k, b);
        out.push(this.subtreeHash(start + k, nn - k));
      } else {
        sub(mm - k, start + k, nn - k, false);
        out.push(this.subtreeHash(start, k));
      }
    };
    sub(m, 0, n, true);
    return out;
  }
}

const odd = (x: number): boolean => x % 2 === 1;
const half = (x: number): number => Math.floor(x / 2);

/** RFC 9162 §2.1.3.2: the root implied by an inclusion proof, or null if malformed. */
export function rootFromInclusionProof(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[]): Buffer | null {
  if (index < 0 || index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (sn === 0) return null;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!odd(fn)) while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : null;
}

export function verifyInclusion(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  const r = rootFromInclusionProof(leaf, index, size, proof);
  return r !== null && r.equals(root);
}

/** RFC 9162 §2.1.4.2 consistency proof verification. */
export function verifyConsistency(
  size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array,
): boolean {
  const eq = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(b);
  if (size1 < 0 || size2 < size1) return false;
  if (size1 === size2) return proof.length === 0 && eq(root1, root2);
  if (size1 === 0) return proof.length === 0 && eq(root1, EMPTY_ROOT);
  if (proof.length === 0) return false;
  const path = isPow2(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) { fn = half(fn); sn = half(sn); }
  let fr: Buffer = Buffer.from(path[0]!);
  let sr: Buffer = Buffer.from(path[0]!);
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!odd(fn)) while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && eq(fr, root1) && eq(sr, root2);
}
