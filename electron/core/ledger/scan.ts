/**
 * Re-hash the entries file at open. The file is read in 16 MB chunks into two
 * shared-memory slots; a worker thread computes the RFC 6962 leaf hashes of a
 * chunk and folds them into the Merkle tree while this thread indexes the
 * records of the same chunk. The hand-off uses Atomics, so the open stays
 * synchronous; the worker hands its tree levels back when done. Small ledgers
 * (or a platform without workers) are hashed on this thread.
 */
import { readSync } from 'node:fs';
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { CustodianError } from '../errors';
import { LedgerCodes } from './codes';
import type { EntryIndex } from './entry-index';
import { decodeForIndex, newDecoded } from './entry-index';
import { HASH_SIZE, MerkleTree, leafHash } from './merkle';

/** The longest entry a ledger accepts (the default scan chunk); the audit refuses longer lines unparsed. */
export const MAX_ENTRY_BYTES = 16 << 20;

export interface ScanOptions {
  /** Bytes read per chunk (default MAX_ENTRY_BYTES; also the longest entry accepted). */
  chunkBytes?: number;
  /** Below this file size the hashing stays on this thread (default 8 MB). */
  parallelMinBytes?: number;
}

const MAX_LINES = 1 << 20;
// ctrl: [state0, state1, count0, count1, finish, done, split0, split1, mainDone0, mainDone1];
// state 0 free, 1 submitted. Leaves [0, split) of a chunk are hashed by this thread, the rest by the worker.
const FINISH = 4;
const DONE = 5;
const SPLIT = 6;
const MAIN_DONE = 8;
/** Share of each chunk's leaf hashes computed on this thread, to balance it with the worker (which also builds the tree). */
const MAIN_SHARE = 0.4;

// CommonJS source of the hashing worker (eval'd, so it needs no TypeScript loader). Its tree
// append is MerkleTree.appendLeafHash; the scan tests compare both against a plain tree.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { hash } = require('node:crypto');
const ctrl = new Int32Array(workerData.ctrl);
const port = workerData.port;
const slots = workerData.slots.map((s) => ({ data: Buffer.from(s.data), bounds: new Int32Array(s.bounds), out: Buffer.from(s.out) }));
const levels = [];
const counts = [];
function push(level, src) {
  if (levels.length <= level) { levels.push(Buffer.alloc(32 * 1024)); counts.push(0); }
  let b = levels[level];
  const c = counts[level];
  if ((c + 1) * 32 > b.length) { const g = Buffer.alloc(b.length * 2); b.copy(g, 0, 0, c * 32); levels[level] = b = g; }
  b.set(src, c * 32);
  counts[level] = c + 1;
}
const node = Buffer.alloc(65);
let scratch = Buffer.alloc(1 << 16);
function slotDone(i) { Atomics.store(ctrl, i, 0); Atomics.notify(ctrl, i); }
(function run() { for (let k = 0; ; k++) {
  const i = k % 2;
  while (Atomics.load(ctrl, i) !== 1) {
    if (Atomics.load(ctrl, ${FINISH}) === 1 && Atomics.load(ctrl, i) !== 1) {
      port.postMessage({ levels: levels.map((b, j) => b.subarray(0, counts[j] * 32)), counts });
      Atomics.store(ctrl, ${DONE}, 1);
      Atomics.notify(ctrl, ${DONE});
      return;
    }
    Atomics.wait(ctrl, i, Atomics.load(ctrl, i), 50);
  }
  const { data, bounds, out } = slots[i];
  const count = Atomics.load(ctrl, 2 + i);
  const split = Atomics.load(ctrl, ${SPLIT} + i);
  for (let j = split; j < count; j++) {
    const s = bounds[2 * j], e = bounds[2 * j + 1];
    if (e - s + 1 > scratch.length) scratch = Buffer.alloc(2 * (e - s + 1));
    scratch[0] = 0;
    data.copy(scratch, 1, s, e);
    out.set(hash('sha256', scratch.subarray(0, e - s + 1), 'buffer'), j * 32);
  }
  while (Atomics.load(ctrl, ${MAIN_DONE} + i) !== 1) Atomics.wait(ctrl, ${MAIN_DONE} + i, 0, 50);
  Atomics.store(ctrl, ${MAIN_DONE} + i, 0);
  for (let j = 0; j < count; j++) {
    push(0, out.subarray(j * 32, j * 32 + 32));
    let level = 0, c = counts[0];
    while (c % 2 === 0) {
      node[0] = 1;
      levels[level].copy(node, 1, (c - 2) * 32, c * 32);
      push(level + 1, hash('sha256', node, 'buffer'));
      level++;
      c = counts[level];
    }
  }
  slotDone(i);
} })();
`;

interface Slot { data: Buffer; bounds: Int32Array; out: Buffer; count: number }

function newSlot(shared: boolean, chunk: number): Slot {
  const mk = (n: number) => (shared ? new SharedArrayBuffer(n) : new ArrayBuffer(n));
  // Records are longer than 16 bytes, so a chunk never holds more than chunk/16 lines.
  const lines = Math.max(16, Math.min(MAX_LINES, Math.ceil(chunk / 16)));
  return { data: Buffer.from(mk(chunk)), bounds: new Int32Array(mk(8 * lines)), out: Buffer.from(mk(HASH_SIZE * (shared ? lines : 1))), count: 0 };
}

function readFully(fd: number, buf: Buffer, at: number, len: number, pos: number): void {
  let got = 0;
  while (got < len) {
    const n = readSync(fd, buf, at + got, len - got, pos + got);
    if (n <= 0) throw new CustodianError(LedgerCodes.TAMPERED, 'entries file shrank while reading', { pos });
    got += n;
  }
}

interface HashWorker { worker: Worker; ctrl: Int32Array; port: MessageChannel['port1'] }

function startWorker(slots: Slot[]): HashWorker | null {
  try {
    const c = new SharedArrayBuffer(10 * 4);
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ctrl: c, port: port2, slots: slots.map((s) => ({ data: s.data.buffer, bounds: s.bounds.buffer, out: s.out.buffer })) },
      transferList: [port2],
    });
    worker.unref();
    return { worker, ctrl: new Int32Array(c), port: port1 };
  } catch {
    return null;
  }
}

/**
 * Hash and index every line of the entries file [0, length) into `tree` and
 * `index`. `length` must end on a newline (see completeLength).
 */
export function scanEntries(fd: number, length: number, tree: MerkleTree, index: EntryIndex, opts: ScanOptions = {}): void {
  const CHUNK = opts.chunkBytes ?? MAX_ENTRY_BYTES;
  const parallel = length >= (opts.parallelMinBytes ?? 8 << 20) && typeof SharedArrayBuffer === 'function';
  const slots = [newSlot(parallel, CHUNK), newSlot(parallel, CHUNK)];
  const maxLines = slots[0]!.bounds.length / 2;
  const w = parallel ? startWorker(slots) : null;
  const ctrl = w?.ctrl;
  const rec = newDecoded();
  const waitFree = (i: number) => {
    if (ctrl) while (Atomics.load(ctrl, i) !== 0) Atomics.wait(ctrl, i, 1, 1000);
  };
  try {
    let filePos = 0; // file offset of the next byte to read
    let carry: { slot: Slot; start: number; len: number } | null = null;
    for (let k = 0; filePos < length; k++) {
      const i = k % 2;
      const slot = slots[i]!;
      waitFree(i);
      const carryLen: number = carry?.len ?? 0;
      if (carry && carryLen) carry.slot.data.copy(slot.data, 0, carry.start, carry.start + carryLen);
      const want = Math.min(CHUNK - carryLen, length - filePos);
      if (want <= 0) throw new CustodianError(LedgerCodes.TAMPERED, `an entry is longer than ${CHUNK} bytes`, { offset: filePos - carryLen });
      readFully(fd, slot.data, carryLen, want, filePos);
      const base = filePos - carryLen; // file offset of slot.data[0]
      const avail: number = carryLen + want;
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
      const split = Math.floor(count * MAIN_SHARE);
      if (ctrl) {
        Atomics.store(ctrl, 2 + i, count);
        Atomics.store(ctrl, SPLIT + i, split);
        Atomics.store(ctrl, i, 1);
        Atomics.notify(ctrl, i);
      } else {
        for (let j = 0; j < count; j++) tree.appendLeafHash(leafHash(slot.data.subarray(slot.bounds[2 * j]!, slot.bounds[2 * j + 1]!)));
      }
      for (let j = 0; j < count; j++) {
        const ls = slot.bounds[2 * j]!;
        const le = slot.bounds[2 * j + 1]!;
        index.add(decodeForIndex(slot.data, ls, le, rec), base + ls, le - ls);
      }
      if (ctrl) {
        for (let j = 0; j < split; j++) slot.out.set(leafHash(slot.data.subarray(slot.bounds[2 * j]!, slot.bounds[2 * j + 1]!)), j * HASH_SIZE);
        Atomics.store(ctrl, MAIN_DONE + i, 1);
        Atomics.notify(ctrl, MAIN_DONE + i);
      }
      carry = { slot, start: s, len: avail - s };
      if (filePos >= length && carry.len > 0) {
        throw new CustodianError(LedgerCodes.TAMPERED, 'the entries file does not end on a complete line', {});
      }
    }
    if (w && ctrl) {
      Atomics.store(ctrl, FINISH, 1);
      Atomics.notify(ctrl, 0);
      Atomics.notify(ctrl, 1);
      while (Atomics.load(ctrl, DONE) !== 1) Atomics.wait(ctrl, DONE, 0, 1000);
      const msg = receiveMessageOnPort(w.port)?.message as { levels: Uint8Array[]; counts: number[] } | undefined;
      if (!msg) throw new CustodianError(LedgerCodes.TAMPERED, 'the hashing worker returned no tree', {});
      tree.adopt(MerkleTree.fromLevels(msg.levels.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)), msg.counts));
    }
  } finally {
    if (w) {
      Atomics.store(w.ctrl, FINISH, 1);
      Atomics.notify(w.ctrl, 0);
      Atomics.notify(w.ctrl, 1);
      w.port.close();
      void w.worker.terminate();
    }
  }
}
