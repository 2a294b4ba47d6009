/**
 * Re-hash the entries file at open. The file is read in 16 MB chunks; a worker
 * thread computes the RFC 6962 leaf hashes of a chunk while this thread indexes
 * the records of the same chunk and folds the previous chunk's leaf hashes into
 * the tree. The hand-off is two shared-memory slots and Atomics, so the open
 * stays synchronous. Small ledgers (or a platform without workers) are hashed
 * on this thread.
 */
import { hash } from 'node:crypto';
import { readSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { CustodianError } from '../errors';
import { LedgerCodes } from './codes';
import type { EntryIndex } from './entry-index';
import { decodeForIndex } from './entry-index';
import { HASH_SIZE, type MerkleTree } from './merkle';

export interface ScanOptions {
  /** Bytes read per chunk (default 16 MB; also the longest entry accepted). */
  chunkBytes?: number;
  /** Below this file size the hashing stays on this thread (default 8 MB). */
  parallelMinBytes?: number;
}

const MAX_LINES = 1 << 20;

// CommonJS source of the hashing worker (eval'd: no TypeScript loader needed in the worker).
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { hash } = require('node:crypto');
const ctrl = new Int32Array(workerData.ctrl);
const slots = workerData.slots.map((s) => ({
  data: Buffer.from(s.data), bounds: new Int32Array(s.bounds), out: Buffer.from(s.out),
}));
let scratch = Buffer.alloc(1 << 16);
for (let k = 0; ; k++) {
  const i = k % 2;
  while (Atomics.load(ctrl, i) !== 1) {
    if (Atomics.load(ctrl, 4) === 1) process.exit(0);
    Atomics.wait(ctrl, i, Atomics.load(ctrl, i), 200);
  }
  const { data, bounds, out } = slots[i];
  const count = Atomics.load(ctrl, 2 + i);
  for (let j = 0; j < count; j++) {
    const s = bounds[2 * j], e = bounds[2 * j + 1];
    if (e - s + 1 > scratch.length) scratch = Buffer.alloc(2 * (e - s + 1));
    scratch[0] = 0;
    data.copy(scratch, 1, s, e);
    out.set(hash('sha256', scratch.subarray(0, e - s + 1), 'buffer'), j * 32);
  }
  Atomics.store(ctrl, i, 2);
  Atomics.notify(ctrl, i);
}
`;

interface Slot { data: Buffer; bounds: Int32Array; out: Buffer; count: number }

function newSlot(shared: boolean, chunk: number): Slot {
  const mk = (n: number) => (shared ? new SharedArrayBuffer(n) : new ArrayBuffer(n));
  const lines = Math.min(MAX_LINES, chunk);
  return { data: Buffer.from(mk(chunk)), bounds: new Int32Array(mk(8 * lines)), out: Buffer.from(mk(HASH_SIZE * lines)), count: 0 };
}

function readFully(fd: number, buf: Buffer, at: number, len: number, pos: number): void {
  let got = 0;
  while (got < len) {
    const n = readSync(fd, buf, at + got, len - got, pos + got);
    if (n <= 0) throw new CustodianError(LedgerCodes.TAMPERED, 'entries file shrank while reading', { pos });
    got += n;
  }
}

/**
 * Hash and index every line of the entries file [0, length). `length` must
 * end on a newline (see completeLength). Lines longer than 16 MB are refused.
 */
export function scanEntries(fd: number, length: number, tree: MerkleTree, index: EntryIndex, opts: ScanOptions = {}): void {
  const CHUNK = opts.chunkBytes ?? 16 << 20;
  let worker: Worker | null = null;
  let ctrl: Int32Array | null = null;
  const parallel = length >= (opts.parallelMinBytes ?? 8 << 20) && typeof SharedArrayBuffer === 'function';
  const slots = [newSlot(parallel, CHUNK), newSlot(parallel, CHUNK)];
  const maxLines = slots[0]!.bounds.length / 2;
  if (parallel) {
    try {
      const c = new SharedArrayBuffer(5 * 4);
      ctrl = new Int32Array(c);
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { ctrl: c, slots: slots.map((s) => ({ data: s.data.buffer, bounds: s.bounds.buffer, out: s.out.buffer })) },
      });
      worker.unref();
    } catch {
      worker = null;
      ctrl = null;
    }
  }
  const hashLocal = (slot: Slot) => {
    const scratch = Buffer.alloc(1 << 16);
    let sc = scratch;
    for (let j = 0; j < slot.count; j++) {
      const s = slot.bounds[2 * j]!;
      const e = slot.bounds[2 * j + 1]!;
      if (e - s + 1 > sc.length) sc = Buffer.alloc(2 * (e - s + 1));
      sc[0] = 0;
      slot.data.copy(sc, 1, s, e);
      slot.out.set(hash('sha256', sc.subarray(0, e - s + 1), 'buffer'), j * HASH_SIZE);
    }
  };
  const pending: number[] = [];
  const fold = (i: number) => {
    const slot = slots[i]!;
    if (ctrl) {
      while (Atomics.load(ctrl, i) !== 2) Atomics.wait(ctrl, i, 1, 1000);
      Atomics.store(ctrl, i, 0);
    }
    for (let j = 0; j < slot.count; j++) tree.appendLeafHash(slot.out.subarray(j * HASH_SIZE, (j + 1) * HASH_SIZE));
  };
  try {
    let filePos = 0; // file offset of the next byte to read
    let carryFrom: Slot | null = null;
    let carryStart = 0;
    let carryLen = 0;
    for (let k = 0; filePos < length || carryLen > 0; k++) {
      const i = k % 2;
      const slot = slots[i]!;
      if (pending.length && pending[0] === i) fold(pending.shift()!);
      if (carryLen > 0) carryFrom!.data.copy(slot.data, 0, carryStart, carryStart + carryLen);
      const want = Math.min(CHUNK - carryLen, length - filePos);
      if (want <= 0) throw new CustodianError(LedgerCodes.TAMPERED, `an entry is longer than ${CHUNK} bytes`, { offset: filePos - carryLen });
      readFully(fd, slot.data, carryLen, want, filePos);
      const base = filePos - carryLen; // file offset of slot.data[0]
      const avail = carryLen + want;
      filePos += want;
      let s = 0;
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
      if (ctrl) {
        Atomics.store(ctrl, 2 + i, count);
        Atomics.store(ctrl, i, 1);
        Atomics.notify(ctrl, i);
      } else {
        hashLocal(slot);
      }
      pending.push(i);
      for (let j = 0; j < count; j++) {
        const ls = slot.bounds[2 * j]!;
        const le = slot.bounds[2 * j + 1]!;
        index.add(decodeForIndex(slot.data, ls, le), base + ls, le - ls);
      }
      carryFrom = slot;
      carryStart = s;
      carryLen = avail - s;
      if (filePos >= length && carryLen > 0 && count === 0) {
        throw new CustodianError(LedgerCodes.TAMPERED, 'the entries file does not end on a complete line', {});
      }
      // The carried bytes live in this slot: the next slot may be refilled only after copying them.
    }
    while (pending.length) fold(pending.shift()!);
  } finally {
    if (ctrl) {
      Atomics.store(ctrl, 4, 1);
      Atomics.notify(ctrl, 0);
      Atomics.notify(ctrl, 1);
    }
    void worker?.terminate();
  }
}
