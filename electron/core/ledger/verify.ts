/**
 * Full verification of a station ledger (`custodian ledger verify`, and the
 * app's background check after open): every entry re-hashed from
 * entries.jsonl and checked as open checked it before the index existed —
 * `n` is its position, entry 0 is the genesis, every intent reference points
 * back to an intent, no intent is closed twice — and the tree rebuilt from
 * those hashes must have the root of every checkpoint: the latest, every
 * line of the history (whose sizes never go back) and every cosigned one,
 * and, at the size verified, the root of the tree in the index.
 *
 * It streams: the entries and the history are read in chunks, the tree is
 * kept as its right edge (one hash per level), and the records' links as two
 * bits per entry, so memory stays bounded (2.5 MB per 10 million entries
 * besides the two 16 MB read slots). A generator, so the CLI runs it to the
 * end and the app yields to its event loop between chunks.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { CustodianError } from '../errors';
import { LedgerCodes } from './codes';
import { decodeForIndex, newDecoded, C_GENESIS, C_INTENT, C_OUTCOME, LINKED_CODES } from './index-fields';
import { HASH_SIZE, EMPTY_ROOT, nodeHash } from './merkle';
import { hashLines, type ScanOptions } from './scan';
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
  scan?: ScanOptions;
}

/** The right edge of an RFC 6962 tree: the roots of its perfect subtrees, largest first. */
class TreeEdge {
  private readonly hashes: Buffer[] = [];
  private readonly heights: number[] = [];
  size = 0;
  push(leaf: Buffer): void {
    let h: Buffer = Buffer.from(leaf);
    let height = 0;
    while (this.heights.length && this.heights[this.heights.length - 1] === height) {
      h = nodeHash(this.hashes.pop()!, h);
      this.heights.pop();
      height++;
    }
    this.hashes.push(h);
    this.heights.push(height);
    this.size++;
  }
  root(): Buffer {
    if (!this.hashes.length) return EMPTY_ROOT;
    let r = this.hashes[this.hashes.length - 1]!;
    for (let j = this.hashes.length - 2; j >= 0; j--) r = nodeHash(this.hashes[j]!, r);
    return r;
  }
}

function tamper(dir: string, message: string, details: Record<string, unknown> = {}): CustodianError {
  return new CustodianError(LedgerCodes.TAMPERED, message, { dir, verify: true, ...details });
}

/** Lines of a file, chunk by chunk (for the checkpoint history). */
function* fileLines(path: string): Generator<Buffer> {
  if (!existsSync(path)) return;
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(4 << 20);
    let have = 0;
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
        yield buf.subarray(s, nl);
        s = nl + 1;
      }
      buf.copy(buf, 0, s, have);
      have -= s;
      if (n === 0) return; // a torn last line is left to open, which cuts it
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Size and root of one history line (a JSON string holding the note
 * `<origin>\n<size>\n<root>\n…`), read without parsing the note, or null.
 */
function historyLine(line: Buffer, prefix: Buffer): { size: number; root: Buffer } | null {
  if (line.compare(prefix, 0, prefix.length, 0, prefix.length) !== 0) return null;
  let i = prefix.length;
  let size = 0;
  const d0 = i;
  for (; i < line.length && line[i]! >= 48 && line[i]! <= 57; i++) size = size * 10 + line[i]! - 48;
  if (i === d0 || line[i] !== 92 || line[i + 1] !== 110) return null;
  const r0 = i + 2;
  const r1 = line.indexOf(92, r0);
  if (r1 < 0) return null;
  const root = Buffer.from(line.toString('latin1', r0, r1), 'base64');
  return root.length === HASH_SIZE ? { size, root } : null;
}

export function* verifyLedger(input: VerifyInput): Generator<VerifyProgress, VerifyResult> {
  const t0 = performance.now();
  const { dir, size, bytes } = input;
  const edge = new TreeEdge();
  const isIntent = new Uint8Array((size >> 3) + 1);
  const closed = new Uint8Array((size >> 3) + 1);
  const rec = newDecoded();
  let checkpoints = 0;

  // Checkpoints to compare, in size order: the history as it streams, then the cosigned and the latest.
  const prefix = Buffer.from(`${JSON.stringify(input.origin).slice(0, -1)}\\n`);
  const history = fileLines(join(dir, 'checkpoints.jsonl'));
  let line = 0;
  let prevSize = 0;
  let nextHistory: { size: number; root: Buffer } | null = null;
  const pullHistory = (): void => {
    const r = history.next();
    if (r.done) { nextHistory = null; return; }
    const h = historyLine(r.value, prefix);
    if (!h) throw tamper(dir, `checkpoint history line ${line} is malformed or names another origin`, { line });
    // Checkpoints signed after the verification began cover entries it does not read.
    if (h.size > size && h.size >= prevSize && size > input.latest.size) { nextHistory = null; return; }
    if (h.size < prevSize || h.size > input.latest.size) throw tamper(dir, `checkpoint history goes back from ${prevSize} to ${h.size}: the ledger was rewritten`, { line });
    prevSize = h.size;
    nextHistory = h;
    line++;
  };
  const others = [...input.cosigned.map((c, i) => ({ size: c.size, root: c.root, what: `cosigned checkpoint ${i}` })), { size: input.latest.size, root: input.latest.root, what: 'latest checkpoint' }]
    .sort((a, b) => a.size - b.size);
  for (const o of others) if (o.size > size) throw tamper(dir, `the ${o.what} covers ${o.size} entries but only ${size} are verified`, { size: o.size });
  let nextOther = 0;
  /** Compare every checkpoint of the tree's current size. */
  const compare = (): void => {
    const at = edge.size;
    let root: Buffer | null = null;
    const rootNow = () => (root ??= edge.root());
    while (nextHistory && (nextHistory as { size: number }).size === at) {
      const h = nextHistory as { size: number; root: Buffer };
      if (!rootNow().equals(h.root)) throw tamper(dir, `entries do not match history checkpoint ${line - 1} (size ${at}): an entry was altered, removed or reordered`, { size: at, line: line - 1 });
      checkpoints++;
      pullHistory();
    }
    while (nextOther < others.length && others[nextOther]!.size === at) {
      const o = others[nextOther++]!;
      if (!rootNow().equals(o.root)) throw tamper(dir, `entries do not match the ${o.what} (size ${at}): an entry was altered, removed or reordered`, { size: at });
      checkpoints++;
    }
  };
  pullHistory();
  compare();

  const fd = openSync(join(dir, 'entries.jsonl'), 'r');
  try {
    let i = 0;
    for (const c of hashLines(fd, 0, bytes, { ...input.scan, mainShare: 0.35 })) {
      for (let j = 0; j < c.count; j++, i++) {
        const s = c.bounds[2 * j]!;
        const e = c.bounds[2 * j + 1]!;
        const r = decodeForIndex(c.data, s, e, rec);
        const code = r.code;
        if (code < 0) throw tamper(dir, `entry ${i} is malformed or has an unknown type`, { index: i });
        if (r.n !== i) throw tamper(dir, `entry ${i} carries index ${String(r.n)}: entries were removed, inserted or reordered`, { index: i, n: r.n });
        if (i === 0 && code !== C_GENESIS) throw tamper(dir, 'entry 0 is not a genesis record', { index: 0 });
        if (code === C_INTENT) {
          if (r.deviceId === undefined || r.serialHex === undefined) throw tamper(dir, `intent ${i} lacks a device ID or serial`, { index: i });
          isIntent[i >> 3]! |= 1 << (i & 7);
        } else if (LINKED_CODES[code]) {
          const t = r.intent;
          if (!Number.isInteger(t) || t < 0 || t >= i || !(isIntent[t >> 3]! & (1 << (t & 7)))) throw tamper(dir, `entry ${i} refers to a missing intent`, { index: i, intent: t });
          if (code !== C_OUTCOME) {
            if (closed[t >> 3]! & (1 << (t & 7))) throw tamper(dir, `intent ${t} is closed twice`, { index: i, intent: t });
            closed[t >> 3]! |= 1 << (t & 7);
          }
        }
        edge.push(c.hashes.subarray(j * HASH_SIZE, (j + 1) * HASH_SIZE));
        compare();
      }
      yield { entries: i, bytes: c.base + c.bounds[2 * c.count - 1]! + 1, total: bytes };
    }
    if (i !== size) throw tamper(dir, `${i} entries were read where the index has ${size}`, { entries: i, size });
  } finally {
    closeSync(fd);
    history.return(undefined);
  }
  if (nextHistory) throw tamper(dir, `history checkpoint ${line - 1} covers ${(nextHistory as { size: number }).size} entries but only ${size} are verified`, { line: line - 1 });
  if (!edge.root().equals(input.indexRoot)) {
    throw tamper(dir, 'the entries do not match the tree in the index at the size verified', { size });
  }
  return { entries: size, bytes, checkpoints, millis: performance.now() - t0 };
}
