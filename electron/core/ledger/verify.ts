/**
 * Full verification of a station ledger (`custodian ledger verify`, and the
 * app's background check after open): every entry re-hashed from
 * entries.jsonl and checked as open checked it before the index existed —
 * `n` is its position, entry 0 is the genesis, every intent reference points
 * back to an intent, no intent is closed twice — and the tree rebuilt from
 * those hashes must have the root of the latest checkpoint, of every cosigned
 * one and of the newest `historyWindow` lines of the history (whose sizes,
 * all of them, never go back), and at the size verified the root of the
 * tree in the index. (The audit checks every history line; here each would
 * cost a root of its own, log n hashes, per device.)
 *
 * It streams: the entries and the history are read in chunks, the tree is
 * kept as its right edge (one hash per level), and the records' links as two
 * bits per entry, so memory stays bounded (2.5 MB per 10 million entries
 * besides the two 16 MB read slots). A generator, so the CLI runs it to the
 * end and the app yields to its event loop between chunks.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { CustodianError } from '../errors';
import { LedgerCodes } from './codes';
import { decodeForIndex, newDecoded, C_GENESIS, C_INTENT, C_OUTCOME, LINKED_CODES } from './index-fields';
import { HASH_SIZE, EMPTY_ROOT } from './merkle';
import { foldLines, type ScanOptions } from './scan';
import type { Checkpoint } from './checkpoint';

export interface VerifyProgress {
  entries: number;
  /** Bytes of entries.jsonl verified so far, of `total`. */
  bytes: number;
  total: number;
}

export interface VerifyResult {
  entries: number;
  bytes: number;
  /** Checkpoints whose root was compared (history lines, cosigned, latest). */
  checkpoints: number;
  millis: number;
}

export interface VerifyInput {
  dir: string;
  origin: string;
  /** Entries to verify: [0, size), their bytes [0, bytes). */
  size: number;
  bytes: number;
  latest: Checkpoint;
  cosigned: readonly Checkpoint[];
  /** The root of the index's tree at `size`. */
  indexRoot: Buffer;
  /** How many of the newest history lines are compared with the tree (default 4096). */
  historyWindow?: number;
  scan?: ScanOptions;
}

function tamper(dir: string, message: string, details: Record<string, unknown> = {}): CustodianError {
  return new CustodianError(LedgerCodes.TAMPERED, message, { dir, verify: true, ...details });
}

/**
 * Each complete line of a file, chunk by chunk (for the checkpoint history):
 * f(buf, start, end, offset in the file of start), until it returns false.
 */
function eachLine(path: string, f: (buf: Buffer, s: number, e: number, at: number) => boolean): void {
  if (!existsSync(path)) return;
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(4 << 20);
    let have = 0;
    let base = 0;
    for (;;) {
      if (have === buf.length) {
        const grown = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(grown, 0, 0, have);
        buf = grown;
      }
      const n = readSync(fd, buf, have, buf.length - have, null);
      have += n;
      let s = 0;
      for (let nl = buf.indexOf(10, s); nl >= 0 && nl < have; nl = buf.indexOf(10, s)) {
        if (!f(buf, s, nl, base + s)) return;
        s = nl + 1;
      }
      buf.copy(buf, 0, s, have);
      have -= s;
      base += s;
      if (n === 0) return; // a torn last line is left to open, which cuts it
    }
  } finally {
    closeSync(fd);
  }
}

/** Offset in the file of the first of its newest `lines` complete lines (0 if it has no more), read from its end. */
function tailStart(path: string, lines: number): number {
  if (!existsSync(path)) return 0;
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    let end = fstatSync(fd).size;
    // The newline ending the last complete line is the first found; the (lines + 1)-th ends the line before the kept ones.
    let seen = 0;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const n = readSync(fd, chunk, 0, end - start, start);
      for (let i = chunk.lastIndexOf(10, n - 1); i >= 0; i = i > 0 ? chunk.lastIndexOf(10, i - 1) : -1) {
        if (++seen === lines + 1) return start + i + 1;
      }
      end = start;
    }
    return 0;
  } finally {
    closeSync(fd);
  }
}

/**
 * Size and root of one history line buf[s, e) (a JSON string holding the note
 * `<origin>\n<size>\n<root>\n…`), read without parsing the note, or null.
 */
function historyLine(buf: Buffer, s: number, e: number, prefix: Buffer, withRoot: boolean): { size: number; root: Buffer } | null {
  if (e - s < prefix.length) return null;
  for (let j = 0; j < prefix.length; j++) if (buf[s + j] !== prefix[j]) return null;
  let i = s + prefix.length;
  let size = 0;
  const d0 = i;
  for (; i < e && buf[i]! >= 48 && buf[i]! <= 57; i++) size = size * 10 + buf[i]! - 48;
  if (i === d0 || buf[i] !== 92 || buf[i + 1] !== 110) return null;
  const r0 = i + 2;
  const r1 = buf.indexOf(92, r0);
  if (r1 < 0 || r1 >= e) return null;
  if (!withRoot) return { size, root: EMPTY_ROOT };
  const root = Buffer.from(buf.toString('latin1', r0, r1), 'base64');
  return root.length === HASH_SIZE ? { size, root } : null;
}

interface Expected { size: number; root: Buffer; what: string; details: Record<string, unknown> }

/**
 * Every line of the history: sizes never go back nor beyond the latest;
 * the newest `window` lines are returned to be compared with the tree.
 */
function historyChecks(dir: string, origin: string, latest: Checkpoint, size: number, window: number): Expected[] {
  const prefix = Buffer.from(`${JSON.stringify(origin).slice(0, -1)}\\n`);
  const path = join(dir, 'checkpoints.jsonl');
  // Only the newest `window` lines are compared: the others' sizes are read, their roots not decoded.
  const keptFrom = tailStart(path, window);
  const kept: Expected[] = [];
  let line = 0;
  let prev = 0;
  eachLine(path, (buf, s, e, at) => {
    const h = historyLine(buf, s, e, prefix, at >= keptFrom);
    if (!h) throw tamper(dir, `checkpoint history line ${line} is malformed or names another origin`, { line });
    // Checkpoints signed after the verification began cover entries it does not read.
    if (h.size > size && size > latest.size) return false;
    if (h.size < prev || h.size > latest.size) throw tamper(dir, `checkpoint history goes back from ${prev} to ${h.size}: the ledger was rewritten`, { line });
    prev = h.size;
    if (at >= keptFrom) kept.push({ size: h.size, root: h.root, what: `history checkpoint ${line}`, details: { line } });
    line++;
    return true;
  });
  return kept;
}

export function* verifyLedger(input: VerifyInput): Generator<VerifyProgress, VerifyResult> {
  const t0 = performance.now();
  const { dir, size, bytes } = input;
  const isIntent = new Uint8Array((size >> 3) + 1);
  const closed = new Uint8Array((size >> 3) + 1);
  const rec = newDecoded();

  // The checkpoints the tree must match: the history's newest lines, the cosigned ones, the latest, and the index's tree.
  const expected: Expected[] = [
    ...historyChecks(dir, input.origin, input.latest, size, input.historyWindow ?? 4096),
    ...input.cosigned.map((c, i) => ({ size: c.size, root: c.root, what: `cosigned checkpoint ${i}`, details: {} })),
    { size: input.latest.size, root: input.latest.root, what: 'latest checkpoint', details: {} },
  ];
  for (const e of expected) if (e.size > size) throw tamper(dir, `the ${e.what} covers ${e.size} entries but only ${size} are verified`, { size: e.size, ...e.details });
  const sizes = [...new Set([...expected.map((e) => e.size), size])].sort((a, b) => a - b);

  const fd = openSync(join(dir, 'entries.jsonl'), 'r');
  let roots: Buffer[];
  try {
    let i = 0;
    // Half the leaves hashed here: the records' checks here weigh about as much as the tree's nodes on the worker.
    const chunks = foldLines(fd, bytes, sizes, { ...input.scan, mainShare: 0.5 });
    let r = chunks.next();
    for (; !r.done; r = chunks.next()) {
      const c = r.value;
      for (let j = 0; j < c.count; j++, i++) {
        const s = c.bounds[2 * j]!;
        const e = c.bounds[2 * j + 1]!;
        const d = decodeForIndex(c.data, s, e, rec, true);
        const code = d.code;
        if (code < 0) throw tamper(dir, `entry ${i} is malformed or has an unknown type`, { index: i });
        if (d.n !== i) throw tamper(dir, `entry ${i} carries index ${String(d.n)}: entries were removed, inserted or reordered`, { index: i, n: d.n });
        if (i === 0 && code !== C_GENESIS) throw tamper(dir, 'entry 0 is not a genesis record', { index: 0 });
        if (code === C_INTENT) {
          if (d.deviceId === undefined || d.serialHex === undefined) throw tamper(dir, `intent ${i} lacks a device ID or serial`, { index: i });
          isIntent[i >> 3]! |= 1 << (i & 7);
        } else if (LINKED_CODES[code]) {
          const t = d.intent;
          if (!Number.isInteger(t) || t < 0 || t >= i || !(isIntent[t >> 3]! & (1 << (t & 7)))) throw tamper(dir, `entry ${i} refers to a missing intent`, { index: i, intent: t });
          if (code !== C_OUTCOME) {
            if (closed[t >> 3]! & (1 << (t & 7))) throw tamper(dir, `intent ${t} is closed twice`, { index: i, intent: t });
            closed[t >> 3]! |= 1 << (t & 7);
          }
        }
      }
      yield { entries: i, bytes: c.base + c.bounds[2 * c.count - 1]! + 1, total: bytes };
    }
    roots = r.value;
    if (i !== size) throw tamper(dir, `${i} entries were read where the index has ${size}`, { entries: i, size });
  } finally {
    closeSync(fd);
  }
  const rootAt = new Map(sizes.map((s, j) => [s, roots[j]!]));
  for (const e of expected) {
    if (!rootAt.get(e.size)!.equals(e.root)) {
      throw tamper(dir, `entries do not match the ${e.what} (size ${e.size}): an entry was altered, removed or reordered`, { size: e.size, ...e.details });
    }
  }
  if (!rootAt.get(size)!.equals(input.indexRoot)) {
    throw tamper(dir, 'the entries do not match the tree in the index at the size verified', { size });
  }
  return { entries: size, bytes, checkpoints: expected.length, millis: performance.now() - t0 };
}
