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
import { HASH_SIZE } from './merkle';

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
// ctrl: [state0, state1, count0, count1, split0, split1, finish]; state 0 free, 1 submitted, 2 hashed by the worker.
const COUNT = 2;
const SPLIT = 4;
const FINISH = 6;

// CommonJS source of the hashing worker (eval'd, so it needs no TypeScript loader): leaf hashes of lines [split, count) of each slot, in turn.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { hash } = require('node:crypto');
const ctrl = new Int32Array(workerData.ctrl);
const slots = workerData.slots.map((s) => ({ data: Buffer.from(s.data), bounds: new Int32Array(s.bounds), out: Buffer.from(s.out) }));
let scratch = Buffer.alloc(1 << 16);
(function run() { for (let k = 0; ; k++) {
  const i = k % 2;
  while (Atomics.load(ctrl, i) !== 1) {
    if (Atomics.load(ctrl, ${FINISH}) === 1) return;
    Atomics.wait(ctrl, i, Atomics.load(ctrl, i), 50);
  }
  const { data, bounds, out } = slots[i];
  const count = Atomics.load(ctrl, ${COUNT} + i);
  for (let j = Atomics.load(ctrl, ${SPLIT} + i); j < count; j++) {
    const s = bounds[2 * j], e = bounds[2 * j + 1];
    if (e - s + 1 > scratch.length) scratch = Buffer.alloc(2 * (e - s + 1));
    scratch[0] = 0;
    data.copy(scratch, 1, s, e);
    out.set(hash('sha256', scratch.subarray(0, e - s + 1), 'buffer'), j * 32);
  }
  Atomics.store(ctrl, i, 2);
  Atomics.notify(ctrl, i);
} })();
`;

interface Slot { data: Buffer; bounds: Int32Array; out: Buffer; count: number; base: number }

function newSlot(shared: boolean, chunk: number): Slot {
  const mk = (n: number) => (shared ? new SharedArrayBuffer(n) : new ArrayBuffer(n));
  // Records are longer than 16 bytes, so a chunk never holds more than chunk/16 lines.
  const lines = Math.max(16, Math.min(MAX_LINES, Math.ceil(chunk / 16)));
  return { data: Buffer.from(mk(chunk)), bounds: new Int32Array(mk(8 * lines)), out: Buffer.from(mk(HASH_SIZE * lines)), count: 0, base: 0 };
}

function readFully(fd: number, buf: Buffer, at: number, len: number, pos: number): void {
  let got = 0;
  while (got < len) {
    const n = readSync(fd, buf, at + got, len - got, pos + got);
    if (n <= 0) throw new CustodianError(LedgerCodes.TAMPERED, 'entries file shrank while reading', { pos });
    got += n;
  }
}

function startWorker(slots: Slot[], ctrl: SharedArrayBuffer): Worker | null {
  try {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ctrl, slots: slots.map((s) => ({ data: s.data.buffer, bounds: s.bounds.buffer, out: s.out.buffer })) },
    });
    worker.unref();
    return worker;
  } catch {
    return null;
  }
}

let scratch = Buffer.alloc(1 << 16);

function hashRange(slot: Slot, from: number, to: number): void {
  for (let j = from; j < to; j++) {
    const s = slot.bounds[2 * j]!;
    const e = slot.bounds[2 * j + 1]!;
    if (e - s + 1 > scratch.length) scratch = Buffer.alloc(2 * (e - s + 1));
    scratch[0] = 0;
    slot.data.copy(scratch, 1, s, e);
    slot.out.set(hash('sha256', scratch.subarray(0, e - s + 1), 'buffer'), j * HASH_SIZE);
  }
}

/**
 * The lines of the entries file in [from, to), chunk by chunk, with their
 * leaf hashes. `to` must end on a newline (see completeLength). `mainShare`
 * is the part of each chunk hashed on this thread (0: the worker hashes it
 * all, for a caller with much work of its own per line).
 */
export function* hashLines(fd: number, from: number, to: number, opts: ScanOptions & { mainShare?: number } = {}): Generator<LineChunk> {
  const CHUNK = opts.chunkBytes ?? MAX_ENTRY_BYTES;
  const parallel = to - from >= (opts.parallelMinBytes ?? 8 << 20) && typeof SharedArrayBuffer === 'function';
  const slots = [newSlot(parallel, CHUNK), newSlot(parallel, CHUNK)];
  const maxLines = slots[0]!.bounds.length / 2;
  const sab = parallel ? new SharedArrayBuffer(8 * 4) : null;
  const w = sab ? startWorker(slots, sab) : null;
  const ctrl = w && sab ? new Int32Array(sab) : null;
  const share = opts.mainShare ?? 0.4;
  let filePos = from;
  let carry: { slot: Slot; start: number; len: number } | null = null;
  /** Read the next chunk into slot i and hand its share to the worker; false at the end. */
  const prepare = (i: number): boolean => {
    if (filePos >= to) return false;
    const slot = slots[i]!;
    const carryLen = carry?.len ?? 0;
    if (carry && carryLen) carry.slot.data.copy(slot.data, 0, carry.start, carry.start + carryLen);
    const want = Math.min(CHUNK - carryLen, to - filePos);
    if (want <= 0) throw new CustodianError(LedgerCodes.TAMPERED, `an entry is longer than ${CHUNK} bytes`, { offset: filePos - carryLen });
    readFully(fd, slot.data, carryLen, want, filePos);
    slot.base = filePos - carryLen;
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
      more = prepare(1 - i);
      if (ctrl) {
        hashRange(slot, 0, Math.floor(slot.count * share));
        while (Atomics.load(ctrl, i) !== 2) Atomics.wait(ctrl, i, 1, 1000);
      } else {
        hashRange(slot, 0, slot.count);
      }
      yield { data: slot.data, bounds: slot.bounds, count: slot.count, hashes: slot.out, base: slot.base };
      if (ctrl) Atomics.store(ctrl, i, 0);
    }
  } finally {
    if (w && ctrl) {
      Atomics.store(ctrl, FINISH, 1);
      Atomics.notify(ctrl, 0);
      Atomics.notify(ctrl, 1);
      void w.terminate();
    }
  }
}
