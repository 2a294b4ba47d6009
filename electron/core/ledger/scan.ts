/**
 * Read a range of the entries file and compute the RFC 6962 leaf hash of
 * every line, in chunks of bounded size (two 16 MB slots, whatever the
 * file's length). A worker thread hashes part of each chunk while this
 * thread hashes the rest, and the next chunk is read and handed to the
 * worker before this one is given to the caller, who folds the hashes into
 * a tree and checks the records meanwhile. The hand-off uses Atomics, so the
 * scan is synchronous; small ranges (or a platform without workers) are
 * hashed on this thread.
 */
import { hash } from 'node:crypto';
import { readSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { CustodianError } from '../errors';
import { LedgerCodes } from './codes';
import { EMPTY_ROOT, HASH_SIZE, LEAF_PREFIX, nodeHash } from './merkle';

/** The longest entry a ledger accepts (the default scan chunk); the audit refuses longer lines unparsed. */
export const MAX_ENTRY_BYTES = 16 << 20;

export interface ScanOptions {
  /** Bytes read per chunk (default MAX_ENTRY_BYTES; also the longest entry accepted). */
  chunkBytes?: number;
  /** Below this many bytes the hashing stays on this thread (default 8 MB). */
  parallelMinBytes?: number;
}

/** One chunk of complete lines: line j is data[bounds[2j], bounds[2j+1]) at file offset base + bounds[2j]; its leaf hash is hashes[32j, 32j+32). */
export interface LineChunk {
  data: Buffer;
  bounds: Int32Array;
  count: number;
  hashes: Buffer;
  base: number;
}

const MAX_LINES = 1 << 20;
// A slot's data starts with one spare byte, so every line has a byte before it (that byte or the
// previous line's newline) to hold the leaf prefix while the line is hashed in place, uncopied.
const LEAD = 1;
// ctrl: [state0, state1, count0, count1, split0, split1, finish, mainDone0, mainDone1, done];
// state 0 free, 1 submitted, 2 hashed (and folded) by the worker. Leaves [0, split) of a chunk are hashed by this thread.
const COUNT = 2;
const SPLIT = 4;
const FINISH = 6;
const MAIN_DONE = 7;
const DONE = 9;
const CTRL_WORDS = 10;

// CommonJS source of the hashing worker (eval'd, so it needs no TypeScript loader): leaf hashes of
// lines [split, count) of each slot, in turn. With `fold`, it also folds every leaf hash of the chunk
// into the right edge of the tree (as Edge below) and keeps its root at each size asked for.
// Digests are taken as 'binary' (latin1) strings and written into place: per call that costs about half of
// a new Buffer ('buffer' output), which dominates the hashing of short lines and of tree nodes.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { hash } = require('node:crypto');
const ctrl = new Int32Array(workerData.ctrl);
const slots = workerData.slots.map((s) => ({ data: Buffer.from(s.data), bounds: new Int32Array(s.bounds), out: Buffer.from(s.out) }));
const fold = workerData.fold;
const wanted = fold ? new Float64Array(fold.sizes) : null;
const roots = fold ? Buffer.from(fold.roots) : null;
// The right edge: one hash per level of a complete subtree, in one buffer, with their heights.
const edge = Buffer.alloc(64 * 32), heights = new Int32Array(64);
let depth = 0, size = 0, next = 0;
// node = 0x01 || left || right; nodeHash() replaces right by the hash of the three.
const node = Buffer.alloc(65);
node[0] = 1;
function nodeHash() { node.write(hash('sha256', node, 'binary'), 33, 'latin1'); }
function root(at) {
  if (!depth) { hash('sha256', Buffer.alloc(0), 'buffer').copy(roots, at); return; }
  edge.copy(node, 33, (depth - 1) * 32, depth * 32);
  for (let j = depth - 2; j >= 0; j--) { edge.copy(node, 1, j * 32, j * 32 + 32); nodeHash(); }
  node.copy(roots, at, 33, 65);
}
function push(leaves, at) {
  leaves.copy(node, 33, at, at + 32);
  let ht = 0;
  while (depth && heights[depth - 1] === ht) { depth--; edge.copy(node, 1, depth * 32, depth * 32 + 32); nodeHash(); ht++; }
  node.copy(edge, depth * 32, 33, 65);
  heights[depth++] = ht;
  size++;
  while (next < wanted.length && wanted[next] === size) { root(next * 32); next++; }
}
(function run() {
  if (fold) while (next < wanted.length && wanted[next] === 0) { root(next * 32); next++; }
  for (let k = 0; ; k++) {
    const i = k % 2;
    while (Atomics.load(ctrl, i) !== 1) {
      if (Atomics.load(ctrl, ${FINISH}) === 1) { Atomics.store(ctrl, ${DONE}, 1); Atomics.notify(ctrl, ${DONE}); return; }
      Atomics.wait(ctrl, i, Atomics.load(ctrl, i), 50);
    }
    const { data, bounds, out } = slots[i];
    const count = Atomics.load(ctrl, ${COUNT} + i);
    const split = Atomics.load(ctrl, ${SPLIT} + i);
    for (let j = split; j < count; j++) {
      const p = bounds[2 * j] - 1, e = bounds[2 * j + 1], was = data[p];
      data[p] = 0;
      out.write(hash('sha256', data.subarray(p, e), 'binary'), j * 32, 'latin1');
      data[p] = was;
    }
    if (fold) {
      while (Atomics.load(ctrl, ${MAIN_DONE} + i) !== 1) Atomics.wait(ctrl, ${MAIN_DONE} + i, 0, 50);
      Atomics.store(ctrl, ${MAIN_DONE} + i, 0);
      for (let j = 0; j < count; j++) push(out, j * 32);
    }
    Atomics.store(ctrl, i, 2);
    Atomics.notify(ctrl, i);
  }
})();
`;

interface Slot { data: Buffer; bounds: Int32Array; out: Buffer; count: number; base: number }

function newSlot(shared: boolean, chunk: number): Slot {
  const mk = (n: number) => (shared ? new SharedArrayBuffer(n) : new ArrayBuffer(n));
  // Records are longer than 16 bytes, so a chunk never holds more than chunk/16 lines.
  const lines = Math.max(16, Math.min(MAX_LINES, Math.ceil(chunk / 16)));
  return { data: Buffer.from(mk(LEAD + chunk)), bounds: new Int32Array(mk(8 * lines)), out: Buffer.from(mk(HASH_SIZE * lines)), count: 0, base: 0 };
}

function readFully(fd: number, buf: Buffer, at: number, len: number, pos: number): void {
  let got = 0;
  while (got < len) {
    const n = readSync(fd, buf, at + got, len - got, pos + got);
    if (n <= 0) throw new CustodianError(LedgerCodes.TAMPERED, 'entries file shrank while reading', { pos });
    got += n;
  }
}

function startWorker(slots: Slot[], ctrl: SharedArrayBuffer, fold: { sizes: SharedArrayBuffer; roots: SharedArrayBuffer } | null): Worker | null {
  try {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ctrl, fold, slots: slots.map((s) => ({ data: s.data.buffer, bounds: s.bounds.buffer, out: s.out.buffer })) },
    });
    worker.unref();
    return worker;
  } catch {
    return null;
  }
}

/** Leaf hashes of lines [from, to) of a slot: the byte before each line becomes the leaf prefix while it is hashed (as in the worker). */
function hashRange(slot: Slot, from: number, to: number): void {
  const { data, bounds, out } = slot;
  for (let j = from; j < to; j++) {
    const p = bounds[2 * j]! - 1;
    const e = bounds[2 * j + 1]!;
    const was = data[p]!;
    data[p] = LEAF_PREFIX;
    out.write(hash('sha256', data.subarray(p, e), 'binary'), j * HASH_SIZE, 'latin1');
    data[p] = was;
  }
}

/**
 * The lines of the entries file in [from, to), chunk by chunk, with their
 * leaf hashes. `to` must end on a newline (see completeLength). `mainShare`
 * is the part of each chunk hashed on this thread (0: the worker hashes it
 * all, for a caller with much work of its own per line).
 */
export function hashLines(fd: number, from: number, to: number, opts: ScanOptions & { mainShare?: number } = {}): Generator<LineChunk, unknown> {
  return scanLines(fd, from, to, opts, null);
}

/**
 * The lines of the whole entries file [0, to) chunk by chunk, and the roots
 * of the tree over them at each of `sizes` (ascending) as the generator's
 * return value. The hashes are folded into the tree's right edge as they
 * come, off this thread where a worker runs, so `hashes` of a chunk may
 * not be filled in yet when the caller sees it: use the lines only.
 */
export function foldLines(fd: number, to: number, sizes: readonly number[], opts: ScanOptions & { mainShare?: number } = {}): Generator<LineChunk, Buffer[]> {
  return scanLines(fd, 0, to, opts, sizes);
}

/** Fold leaf hashes into a tree's right edge on this thread (no worker): the same algorithm as the worker's. */
class Edge {
  private readonly hashes: Buffer[] = [];
  private readonly heights: number[] = [];
  size = 0;
  private next = 0;
  readonly roots: Buffer[] = [];
  constructor(private readonly sizes: readonly number[]) {
    this.take();
  }
  push(leaf: Buffer): void {
    let h = leaf;
    let ht = 0;
    while (this.heights.length && this.heights[this.heights.length - 1] === ht) {
      h = nodeHash(this.hashes.pop()!, h);
      this.heights.pop();
      ht++;
    }
    this.hashes.push(ht === 0 ? Buffer.from(h) : h);
    this.heights.push(ht);
    this.size++;
    this.take();
  }
  private take(): void {
    while (this.next < this.sizes.length && this.sizes[this.next] === this.size) {
      let r = this.hashes.length ? this.hashes[this.hashes.length - 1]! : EMPTY_ROOT;
      for (let j = this.hashes.length - 2; j >= 0; j--) r = nodeHash(this.hashes[j]!, r);
      this.roots.push(r);
      this.next++;
    }
  }
}

function* scanLines(fd: number, from: number, to: number, opts: ScanOptions & { mainShare?: number }, sizes: readonly number[] | null): Generator<LineChunk, Buffer[]> {
  const CHUNK = opts.chunkBytes ?? MAX_ENTRY_BYTES;
  const parallel = to - from >= (opts.parallelMinBytes ?? 8 << 20) && typeof SharedArrayBuffer === 'function';
  const slots = [newSlot(parallel, CHUNK), newSlot(parallel, CHUNK)];
  const maxLines = slots[0]!.bounds.length / 2;
  const sab = parallel ? new SharedArrayBuffer(CTRL_WORDS * 4) : null;
  const fold = sab && sizes ? { sizes: new SharedArrayBuffer(8 * Math.max(1, sizes.length)), roots: new SharedArrayBuffer(HASH_SIZE * Math.max(1, sizes.length)) } : null;
  if (fold && sizes) new Float64Array(fold.sizes).set(sizes);
  const w = sab ? startWorker(slots, sab, fold) : null;
  const ctrl = w && sab ? new Int32Array(sab) : null;
  const local = sizes && !ctrl ? new Edge(sizes) : null;
  const share = opts.mainShare ?? 0.4;
  let filePos = from;
  let carry: { slot: Slot; start: number; len: number } | null = null;
  /** Read the next chunk into slot i and hand its share to the worker; false at the end. */
  const prepare = (i: number): boolean => {
    if (filePos >= to) return false;
    const slot = slots[i]!;
    // Folding: the worker may still be folding this slot's previous chunk.
    if (ctrl && sizes) {
      while (Atomics.load(ctrl, i) === 1) Atomics.wait(ctrl, i, 1, 1000);
      Atomics.store(ctrl, i, 0);
    }
    const carryLen = carry?.len ?? 0;
    if (carry && carryLen) carry.slot.data.copy(slot.data, LEAD, carry.start, carry.start + carryLen);
    const want = Math.min(CHUNK - carryLen, to - filePos);
    if (want <= 0) throw new CustodianError(LedgerCodes.TAMPERED, `an entry is longer than ${CHUNK} bytes`, { offset: filePos - carryLen });
    readFully(fd, slot.data, LEAD + carryLen, want, filePos);
    slot.base = filePos - carryLen - LEAD;
    const avail = LEAD + carryLen + want;
    filePos += want;
    let s = LEAD;
    let count = 0;
    for (;;) {
      const nl = slot.data.indexOf(10, s);
      if (nl < 0 || nl >= avail || count === maxLines) break;
      slot.bounds[2 * count] = s;
      slot.bounds[2 * count + 1] = nl;
      count++;
      s = nl + 1;
    }
    slot.count = count;
    carry = { slot, start: s, len: avail - s };
    if (filePos >= to && carry.len > 0) throw new CustodianError(LedgerCodes.TAMPERED, 'the entries file does not end on a complete line', {});
    if (ctrl) {
      Atomics.store(ctrl, COUNT + i, count);
      Atomics.store(ctrl, SPLIT + i, Math.floor(count * share));
      Atomics.store(ctrl, i, 1);
      Atomics.notify(ctrl, i);
    }
    return true;
  };
  try {
    let more = prepare(0);
    for (let k = 0; more; k++) {
      const i = k % 2;
      const slot = slots[i]!;
      // The slot about to be read must not be the one the worker still folds: in fold mode prepare waits for it.
      if (ctrl && sizes) {
        hashRange(slot, 0, Math.floor(slot.count * share));
        Atomics.store(ctrl, MAIN_DONE + i, 1);
        Atomics.notify(ctrl, MAIN_DONE + i);
        yield { data: slot.data, bounds: slot.bounds, count: slot.count, hashes: slot.out, base: slot.base };
        more = prepare(1 - i);
        continue;
      }
      more = prepare(1 - i);
      if (ctrl) {
        hashRange(slot, 0, Math.floor(slot.count * share));
        while (Atomics.load(ctrl, i) !== 2) Atomics.wait(ctrl, i, 1, 1000);
      } else {
        hashRange(slot, 0, slot.count);
        if (local) for (let j = 0; j < slot.count; j++) local.push(slot.out.subarray(j * HASH_SIZE, (j + 1) * HASH_SIZE));
      }
      yield { data: slot.data, bounds: slot.bounds, count: slot.count, hashes: slot.out, base: slot.base };
      if (ctrl) Atomics.store(ctrl, i, 0);
    }
    if (!sizes) return [];
    if (local) return local.roots;
    if (!ctrl || !fold) return [];
    // Every chunk is handed over: wait until the worker has folded the last ones, then read its roots.
    for (const i of [0, 1]) while (Atomics.load(ctrl, i) === 1) Atomics.wait(ctrl, i, 1, 1000);
    const roots = Buffer.from(fold.roots);
    return sizes.map((_, j) => Buffer.from(roots.subarray(j * HASH_SIZE, (j + 1) * HASH_SIZE)));
  } finally {
    if (w && ctrl) {
      Atomics.store(ctrl, FINISH, 1);
      Atomics.notify(ctrl, 0);
      Atomics.notify(ctrl, 1);
      void w.terminate();
    }
  }
}
