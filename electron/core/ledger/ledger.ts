/**
 * The station's append-only signing ledger (see docs/ledger-format.md).
 *
 *   <dir>/entries.jsonl      one JSON record per line, hashed as stored
 *   <dir>/checkpoint         latest signed checkpoint (replaced atomically, on a delay while busy)
 *   <dir>/checkpoints.jsonl  every signed checkpoint, one JSON string per line (appended at once)
 *   <dir>/cosigned.jsonl     checkpoints cosigned by auditors and handed back
 *   <dir>/ledger.vkey        the checkpoint key in force (public); the private key: keys.ts
 *
 * The checkpoint key may be locked (sealed by the vault, or on a token, until
 * the authority unlocks): appends go on being durable, and the checkpoint
 * that covers them is signed as soon as unlockKey() hands the key over.
 * close() while locked leaves the uncovered tail to the next unlock.
 *
 * Appends are durable (write + fsync) before they resolve. Any write failure
 * stops the ledger (every later append rejects with LEDGER_WRITE_FAILED) until
 * it is reopened: nothing may be signed after a record that may be missing.
 * The error names the file that could not be written (`details.site`:
 * entries, checkpoint-history, checkpoint-file, lock, create) and whether the
 * record of the failing append reached the disk anyway (`details.durable`:
 * its line is written, only the checkpoint after it failed).
 */
import { closeSync, existsSync, fstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The real one even where a test fakes the global timers: a group's fsync must always run.
import { setImmediate } from 'node:timers';
import { CustodianError, isCustodianError } from '../errors';
import { LedgerCodes } from './codes';
import { describeLockHolder, releasePidLock, takePidLock } from '../pid-lock';
import { atomicWrite, completeLength, fsyncDir, nodeIo, openDir, writeFully, type LedgerIo } from './files';
import { systemIdleClock, type IdleClock } from './idle-clock';
import type { EntryIndex } from './entry-index';
import { decodeBody, type Decoded } from './index-fields';
import { INDEX_DIR, syncIndex, type IndexProgress, type IndexState } from './index-sync';
import type { ScanOptions } from './scan';
import { sha256, type MerkleTree } from './merkle';
import type { FileLevels } from './tree-store';
import { verifyLedger, type VerifyProgress, type VerifyResult } from './verify';
import { createLedgerKey, KEY_FILE, ledgerKeyPlacement, loadLedgerKey, VKEY_FILE, type LedgerKeyPlacement } from './keys';
import { KeySchedule } from './key-schedule';
import { parseVkey, type NoteSigner, type VerifierKey } from './note';
import { parseCheckpointBody, signCheckpoint, verifyCosignatures, type Checkpoint } from './checkpoint';
import { parseNote } from './note';
import { decodeRecord, frameRecord, type EntrySummary, type LedgerRecord, type RecordBodies, type RecordType } from './records';
import { listEntries, searchEntries, type LedgerQuery } from './view';

export const ENTRIES_FILE = 'entries.jsonl';
export const CHECKPOINT_FILE = 'checkpoint';
export const HISTORY_FILE = 'checkpoints.jsonl';
export const COSIGNED_FILE = 'cosigned.jsonl';
/** Single-writer lock (holds the owner's pid) while a ledger is open for writing. */
export const LOCK_FILE = 'ledger.lock';

export interface LedgerOptions {
  dir: string;
  /** Also sign a checkpoint once this many entries are not covered by one (default 32). */
  checkpointEvery?: number;
  /**
   * Sign a covering checkpoint this long after an entry was left uncovered
   * (an intent or an outcome), unless a later record's checkpoint covers it
   * first, and bring `checkpoint` up to the history this long after it fell
   * behind (default 2000 ms; 0 turns the timer off, close() still does both).
   */
  idleCheckpointMs?: number;
  /** How many of the newest history checkpoints open re-checks against the tree (default 4096; audit checks all). */
  historyWindow?: number;
  clock?: () => Date;
  /** The monotonic clock and timer behind idleCheckpointMs (default: performance.now() and setTimeout). */
  idleClock?: IdleClock;
  /** Injectable write primitives (fault injection in tests). */
  io?: LedgerIo;
  /**
   * Called once when a write fails and the ledger stops (from an append, a
   * checkpoint or the idle timer), with the LEDGER_WRITE_FAILED error every
   * later append rejects with. The station stops signing and serving on it.
   */
  onStop?: (error: CustodianError) => void;
  /** Open without repairing a torn tail or signing: for inspection and export. */
  readOnly?: boolean;
  /** Tuning of the re-hash when the index is built or caught up, and of verify() (chunk size, when to use the hashing worker). */
  scan?: ScanOptions;
  /** Progress while open builds or catches up the index (index/ beside entries.jsonl). */
  onIndexProgress?: (p: IndexProgress) => void;
}

export interface CreateLedgerOptions extends LedgerOptions {
  stationId: string;
  /** Checkpoint origin and key name; default `custodian.station/<stationId>`. */
  origin?: string;
  software?: string;
  /** The checkpoint key, already stored sealed or on a token (keys.ts); without one a plain key file is created (stations made before sealed keys). */
  signer?: NoteSigner;
}

export interface OpenReport {
  /** Set when a torn final line was cut off (LEDGER_TORN_TAIL, not fatal). */
  tornTail: CustodianError | null;
  /** Intents with no done, failed or reconcile record: the operator must reconcile them. */
  unreconciled: number[];
  /** Size of the last signed checkpoint found at open. */
  checkpointSize: number;
  entries: number;
  millis: number;
  /** What open found of the index: current, or missing / behind / inconsistent (then built or caught up), and how many entries it hashed. */
  index: { state: IndexState; hashed: number };
}

export interface AppendResult {
  index: number;
  /** The record's `at` as stored. */
  at: string;
  /** The signed checkpoint covering this entry, when the policy signed one. */
  checkpoint?: string;
}

/** An appendDurable caller waiting for its group's fsync. */
interface PendingAppend {
  type: RecordType;
  index: number;
  offset: number;
  decoded: Decoded;
  at: string;
  /** The checkpoint policy covers this record at once (a done, failed, … record). */
  cover: boolean;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

/** The files behind each write site (`details.site` of LEDGER_WRITE_FAILED). */
export type WriteSite = 'entries' | 'index' | 'checkpoint-history' | 'checkpoint-file' | 'lock' | 'create';

const SITE_TEXT: Readonly<Record<WriteSite, string>> = {
  entries: `append to ${ENTRIES_FILE}`,
  index: 'update its index (index/, derived from the entries)',
  'checkpoint-history': `append a signed checkpoint to ${HISTORY_FILE}`,
  'checkpoint-file': `replace the ${CHECKPOINT_FILE} file`,
  lock: `write its lock file ${LOCK_FILE}`,
  create: 'create its files',
};

/** What is on disk after a failure at each site, in the operator's words. */
const SITE_STATE: Readonly<Record<WriteSite, string>> = {
  entries: 'the entry being written is not in the ledger; every entry before it is on disk',
  index: `every entry is in ${ENTRIES_FILE}, the one being written too; the index derived from them is behind, and reopening the ledger brings it up to date`,
  'checkpoint-history': 'every entry is on disk, but the newest are not yet covered by a signed checkpoint; reopening the ledger signs one',
  'checkpoint-file': `every entry and its signed checkpoint are on disk (${HISTORY_FILE}); reopening the ledger brings ${CHECKPOINT_FILE} up to date`,
  lock: 'nothing was written',
  create: 'the ledger was not created',
};

/** LEDGER_WRITE_FAILED for a failed write at `site` in `dir`. */
/** SQLite's result codes (the index) in the errno words of the other sites. */
const SQLITE_ERRNO: Readonly<Record<number, string>> = { 8: 'EROFS', 10: 'EIO', 13: 'ENOSPC' };

function writeFailure(dir: string, site: WriteSite, e: unknown, extra: Record<string, unknown>): CustodianError {
  const sqlite = (e as { code?: string; errcode?: number }).code === 'ERR_SQLITE_ERROR' ? SQLITE_ERRNO[(e as { errcode: number }).errcode & 0xff] : undefined;
  const errno = sqlite ?? (e as NodeJS.ErrnoException).code;
  const why = errno === 'ENOSPC' ? 'the disk is full' : errno === 'EDQUOT' ? 'the disk quota is used up' : errno === 'EACCES' || errno === 'EPERM' || errno === 'EROFS' ? 'it may not be written'
    : (e as Error).message.replace(/^[A-Z0-9]+: /, '');
  return new CustodianError(LedgerCodes.WRITE_FAILED, `the ledger could not ${SITE_TEXT[site]} (${errno ? `${errno}: ` : ''}${why}): ${SITE_STATE[site]}`, {
    dir, site, errno, ...extra,
  }, { cause: e });
}

/** LEDGER_LOCKED naming the process that holds the ledger and how to stop it. */
/** Records whose checkpoint is signed at once: an intent or an outcome waits for the record that follows it. */
const coversAtOnce = (type: RecordType): boolean => type !== 'intent' && type !== 'outcome';

function lockedError(dir: string, pid: number): CustodianError {
  if (!Number.isInteger(pid)) {
    return new CustodianError(LedgerCodes.LOCKED, `the ledger in ${dir} is being opened by another process at this moment; try again in a few seconds`, { dir, pid: null });
  }
  const h = describeLockHolder(pid);
  const who = `pid ${pid}${h.command ? ` (${h.command})` : ''}${h.startedAt ? `, started ${h.startedAt}` : ''}`;
  return new CustodianError(LedgerCodes.LOCKED,
    `the ledger is open for writing by another process: ${who}. Stop it first (quit the Custodian app, press Ctrl-C where \`custodian provision\` runs, or \`kill -TERM ${pid}\`; it closes the ledger cleanly), then run this again.`,
    { dir, pid, command: h.command, startedAt: h.startedAt, lockFile: join(dir, LOCK_FILE) });
}

function readLines(path: string): { lines: string[]; torn: number } {
  if (!existsSync(path)) return { lines: [], torn: 0 };
  const text = readFileSync(path, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  return { lines: text.slice(0, end).split('\n').slice(0, -1), torn: Buffer.byteLength(text.slice(end)) };
}

/**
 * The newest `window` checkpoints of the history file, read from its end
 * (open's cost does not grow with the history; verify() reads it all), and
 * the bytes of a torn last line.
 */
function readHistoryTail(path: string, window: number, tamper: (m: string, d: Record<string, unknown>) => CustodianError): { recent: string[]; firstLine: number; torn: number } {
  if (!existsSync(path)) return { recent: [], firstLine: 0, torn: 0 };
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const end = completeLength(fd, size);
    let start = end;
    let lines = 0;
    const step = 1 << 20;
    const parts: Buffer[] = [];
    // Walk back chunk by chunk until window + 1 newlines (window whole lines) are in hand, or the file's start.
    while (start > 0 && lines <= window) {
      const from = Math.max(0, start - step);
      const b = Buffer.allocUnsafe(start - from);
      let got = 0;
      while (got < b.length) got += readSync(fd, b, got, b.length - got, from + got);
      parts.unshift(b);
      for (const c of b) if (c === 10) lines++;
      start = from;
    }
    let all = Buffer.concat(parts).toString('utf8').split('\n').slice(0, -1);
    if (start > 0) all = all.slice(1); // the first piece is the tail of an older line
    const kept = all.slice(-window);
    // Line numbers are known when the whole file was read; else they count back from the end (-1 is the last line).
    const firstLine = start === 0 ? all.length - kept.length : -kept.length;
    const recent = kept.map((l, j) => {
      try { return JSON.parse(l) as string; } catch {
        throw tamper(`checkpoint history line ${firstLine + j} is malformed`, { line: firstLine + j });
      }
    });
    return { recent, firstLine, torn: size - end };
  } finally {
    closeSync(fd);
  }
}

export class Ledger {
  readonly dir: string;
  readonly origin: string;
  /** Which key signs at which size (genesis, then each key-rotation record). */
  private schedule: KeySchedule;
  /** The Merkle tree, its hashes in index/tree-* (derived from the entries, checked against the latest checkpoint at open). */
  tree!: MerkleTree;
  /** Offsets, types, links and lookups of every entry, in index/entries.sqlite. */
  index!: EntryIndex;
  private levels: FileLevels | null = null;
  /** A private index in a temporary directory (a reader beside a writer whose index is not current), removed at close. */
  private privateIndexDir: string | null = null;
  openReport!: OpenReport;
  private fd: number;
  private historyFd = -1;
  /** Bytes in checkpoints.jsonl (tracked, so a checkpoint needs no fstat). */
  private historySize = 0;
  /** The ledger directory, held open for the fsync after each checkpoint rename. */
  private dirFd = -1;
  /** Cancels the armed idle timer, or null. */
  private idleTimer: (() => void) | null = null;
  private readonly idleMs: number;
  private locked = false;
  private stopped: CustodianError | null = null;
  private latest: { note: string; checkpoint: Checkpoint } | null = null;
  /**
   * When (idleClock time) `checkpoint` fell behind the history's last line
   * (the first policy checkpoint not yet copied there), or -1.
   */
  private behindSince = -1;
  /** When the oldest entry not covered by a signed checkpoint was appended, or -1 (all covered). */
  private uncoveredSince = -1;
  private readonly io: LedgerIo;
  private readonly clock: () => Date;
  private readonly idleClock: IdleClock;
  private readonly every: number;
  /** Records written by appendDurable and waiting for their group's fsync (group commit). */
  private group: PendingAppend[] = [];
  /** Bytes are written to entries.jsonl that no fsync has covered yet. */
  private unsynced = false;

  private constructor(private readonly opts: LedgerOptions, private signer: NoteSigner | null, vkey: string) {
    this.dir = opts.dir;
    this.io = opts.io ?? nodeIo;
    this.clock = opts.clock ?? (() => new Date());
    this.idleClock = opts.idleClock ?? systemIdleClock;
    this.every = opts.checkpointEvery ?? 32;
    this.idleMs = opts.idleCheckpointMs ?? 2000;
    this.schedule = new KeySchedule(vkey);
    this.origin = this.schedule.origin;
    if (!opts.readOnly) {
      let lock: ReturnType<typeof takePidLock>;
      try {
        lock = takePidLock(join(this.dir, LOCK_FILE), this.io);
      } catch (e) {
        throw writeFailure(this.dir, 'lock', e, { durable: false });
      }
      if (!lock.ok) throw lockedError(this.dir, lock.pid);
      this.locked = true;
    }
    this.fd = openSync(join(this.dir, ENTRIES_FILE), opts.readOnly ? 'r' : 'r+');
    if (!opts.readOnly) {
      this.historyFd = openSync(join(this.dir, HISTORY_FILE), 'a');
      this.historySize = fstatSync(this.historyFd).size;
      this.dirFd = openDir(this.io, this.dir);
    }
  }

  /** Create a new ledger: key, genesis record and first checkpoint. */
  static create(opts: CreateLedgerOptions): Ledger {
    mkdirSync(opts.dir, { recursive: true });
    if (existsSync(join(opts.dir, ENTRIES_FILE))) {
      throw new CustodianError(LedgerCodes.EXISTS, 'a ledger already exists here', { dir: opts.dir });
    }
    const origin = opts.origin ?? `custodian.station/${opts.stationId}`;
    const io = opts.io ?? nodeIo;
    // A creation that fails part-way (a full disk) removes what it wrote, so the
    // next attempt starts afresh: nothing was recorded, and a genesis entry
    // without its checkpoint would read as a tampered ledger.
    const undo = (): void => {
      rmSync(join(opts.dir, INDEX_DIR), { recursive: true, force: true });
      for (const f of [ENTRIES_FILE, HISTORY_FILE, CHECKPOINT_FILE, `${CHECKPOINT_FILE}.tmp`, KEY_FILE, `${KEY_FILE}.tmp`, VKEY_FILE, `${VKEY_FILE}.tmp`]) {
        rmSync(join(opts.dir, f), { force: true });
      }
    };
    let signer: NoteSigner;
    try {
      signer = opts.signer ?? createLedgerKey(opts.dir, origin, io);
      if (opts.signer) atomicWrite(io, join(opts.dir, VKEY_FILE), Buffer.from(`${signer.vkey}\n`));
      const fd = io.openSync(join(opts.dir, ENTRIES_FILE), 'wx', 0o644);
      io.closeSync(fd);
      fsyncDir(io, opts.dir);
    } catch (e) {
      if (isCustodianError(e, LedgerCodes.EXISTS)) throw e;
      undo();
      throw isCustodianError(e) ? e : writeFailure(opts.dir, 'create', e, { durable: false });
    }
    let ledger: Ledger | null = null;
    try {
      ledger = new Ledger({ ...opts, readOnly: false }, signer, signer.vkey);
      const state = ledger.attachIndex(0, false);
      ledger.openReport = { tornTail: null, unreconciled: [], checkpointSize: 0, entries: 0, millis: 0, index: state };
      ledger.append('genesis', { stationId: opts.stationId, origin, vkey: signer.vkey, software: opts.software ?? 'custodian' });
      ledger.replaceCheckpointFile(); // a new ledger is complete on disk at once
    } catch (e) {
      ledger?.close();
      if (!isCustodianError(e, LedgerCodes.WRITE_FAILED)) throw e;
      undo();
      throw new CustodianError(e.code, `${e.message}; the ledger was not created`, { ...e.details, durable: false }, { cause: e });
    }
    return ledger;
  }

  /**
   * Open an existing ledger: cut a torn tail (reported), bring the index up
   * to date (built when missing or inconsistent, caught up when behind: only
   * the entries after the last indexed one are re-hashed), and compare its
   * tree with the latest signed checkpoint, the newest history checkpoints
   * and every cosigned one. Throws LEDGER_TAMPERED on any mismatch. Every
   * entry is re-hashed by verify() (`custodian ledger verify`, the app's
   * background check after open).
   */
  static open(opts: LedgerOptions): Ledger {
    const t0 = performance.now();
    if (!existsSync(join(opts.dir, ENTRIES_FILE))) throw new CustodianError(LedgerCodes.NOT_FOUND, 'no ledger here', { dir: opts.dir });
    const vkey = readFileSync(join(opts.dir, VKEY_FILE), 'utf8').trim();
    const origin = parseVkey(vkey).name;
    // Only a plain key (a station that has not sealed it yet) loads here; a sealed or token key waits for unlockKey().
    const signer = !opts.readOnly && ledgerKeyPlacement(opts.dir) === 'plain' ? loadLedgerKey(opts.dir, origin) : null;
    const l = new Ledger(opts, null, vkey);
    try {
      l.load(t0, signer);
    } catch (e) {
      l.close();
      throw e;
    }
    return l;
  }

  private tamper(message: string, details: Record<string, unknown> = {}): CustodianError {
    return new CustodianError(LedgerCodes.TAMPERED, message, { dir: this.dir, ...details });
  }

  /**
   * Open the index (index-sync.ts) for the first `complete` bytes of the
   * entries, rebuilding it when `force`. A writer owns the index files; a
   * reader takes the ledger's lock while it repairs them, or, beside a live
   * writer, reads them as they are, and builds a private copy only if they
   * are not current.
   */
  private attachIndex(complete: number, force: boolean): { state: IndexState; hashed: number } {
    this.index?.close();
    this.levels?.close();
    const shared = join(this.dir, INDEX_DIR);
    const opts = { ...(this.opts.scan ? { scan: this.opts.scan } : {}), ...(this.opts.onIndexProgress ? { onProgress: this.opts.onIndexProgress } : {}) };
    let lockedHere = false;
    if (this.opts.readOnly && !this.locked) {
      // A current index is read as it is, whoever writes it; only a repair takes the ledger's lock.
      if (!force && existsSync(shared)) {
        try {
          const o = syncIndex(shared, this.fd, complete, { ...opts, shared: true });
          this.useIndex(o);
          return { state: o.state, hashed: 0 };
        } catch { /* not current: repaired below */ }
      }
      let lock: ReturnType<typeof takePidLock>;
      try { lock = takePidLock(join(this.dir, LOCK_FILE), this.io); } catch { lock = { ok: false, pid: NaN }; }
      lockedHere = lock.ok;
      if (!lock.ok) {
        // A live writer owns the files: its index as far as it has written it, else a private copy for this reader.
        if (!force && existsSync(shared)) {
          try {
            const o = syncIndex(shared, this.fd, complete, { ...opts, shared: 'behind-ok' });
            this.useIndex(o);
            return { state: o.state, hashed: 0 };
          } catch { /* not usable: a private copy */ }
        }
        this.privateIndexDir ??= mkdtempSync(join(tmpdir(), 'custodian-ledger-index-'));
        const o = syncIndex(this.privateIndexDir, this.fd, complete, opts, true);
        this.useIndex(o);
        return { state: o.state, hashed: o.hashed };
      }
    }
    try {
      let o: ReturnType<typeof syncIndex>;
      try {
        o = syncIndex(shared, this.fd, complete, opts, force);
      } catch (e) {
        // A full or read-only disk while the index is built: the station stops as for any other write.
        if (isCustodianError(e)) throw e;
        throw writeFailure(this.dir, 'index', e, { durable: true });
      }
      this.useIndex(o);
      return { state: o.state, hashed: o.hashed };
    } finally {
      if (lockedHere) releasePidLock(join(this.dir, LOCK_FILE));
    }
  }

  private useIndex(o: { index: EntryIndex; tree: MerkleTree; levels: FileLevels }): void {
    this.index = o.index;
    this.tree = o.tree;
    this.levels = o.levels;
  }

  private load(t0: number, signer: NoteSigner | null): void {
    const size = fstatSync(this.fd).size;
    const complete = completeLength(this.fd, size);
    let tornTail: CustodianError | null = null;
    if (complete < size) {
      tornTail = new CustodianError(LedgerCodes.TORN_TAIL, `cut off ${size - complete} bytes of a torn final entry`, {
        offset: complete, bytes: size - complete,
      });
      if (!this.opts.readOnly) {
        this.io.ftruncateSync(this.fd, complete);
        this.io.fsyncSync(this.fd);
      }
    }
    let indexState = this.attachIndex(complete, false);
    let file: string | null;
    let latest: { note: string; checkpoint: Checkpoint };
    try {
      ({ file, latest } = this.checkOpen(signer));
    } catch (e) {
      // The tree in the index may be what disagrees (a damaged index file): build it from the entries and check again.
      if (!isCustodianError(e, LedgerCodes.TAMPERED) || indexState.state === 'missing' || indexState.state === 'inconsistent') throw e;
      const rebuilt = this.attachIndex(complete, true);
      indexState = { state: 'inconsistent', hashed: rebuilt.hashed };
      ({ file, latest } = this.checkOpen(signer));
    }
    this.latest = latest;
    this.openReport = {
      tornTail,
      unreconciled: [...this.index.openIntents].sort((a, b) => a - b),
      checkpointSize: latest.checkpoint.size,
      entries: this.tree.size,
      millis: 0,
      index: indexState,
    };
    if (!this.opts.readOnly && this.signer && this.tree.size > latest.checkpoint.size) this.signCheckpoint();
    else if (!this.opts.readOnly && file !== latest.note) this.replaceCheckpointFile();
    this.openReport.millis = performance.now() - t0;
  }

  /** The open-time checks of the indexed tree and records against the checkpoints (docs/ledger-format.md §5). */
  private checkOpen(signer: NoteSigner | null): { file: string | null; latest: { note: string; checkpoint: Checkpoint } } {
    if (this.index.size === 0) throw this.tamper('the ledger has no genesis entry');
    this.loadSchedule();
    // A plain key that is no longer in force (seal-key interrupted after its rotation) signs nothing: the ledger opens locked.
    this.signer = signer && signer.vkey === this.vkey ? signer : null;

    // History and latest checkpoint. A torn history line is an unacknowledged checkpoint write.
    const window = this.opts.historyWindow ?? 4096;
    const hist = readHistoryTail(join(this.dir, HISTORY_FILE), window, (m, d) => this.tamper(m, d));
    if (hist.torn && !this.opts.readOnly) {
      this.historySize -= hist.torn;
      this.io.ftruncateSync(this.historyFd, this.historySize);
      this.io.fsyncSync(this.historyFd);
    }
    const file = existsSync(join(this.dir, CHECKPOINT_FILE)) ? readFileSync(join(this.dir, CHECKPOINT_FILE), 'utf8') : null;
    const candidates = file ? [...hist.recent.slice(-1), file] : hist.recent.slice(-1);
    let latest: { note: string; checkpoint: Checkpoint } | null = null;
    for (const note of candidates) {
      let c: Checkpoint;
      try { c = this.schedule.open(note); } catch (e) {
        throw this.tamper('the latest checkpoint signature does not verify', { cause: (e as Error).message });
      }
      if (!latest || c.size > latest.checkpoint.size) latest = { note, checkpoint: c };
    }
    if (!latest) throw this.tamper('no signed checkpoint covers the ledger');
    this.checkAgainstTree(latest.checkpoint, 'latest checkpoint');
    // The newest history checkpoints: sizes never go back nor beyond the latest, and they match the entries (verify() checks them all).
    let prev = 0;
    hist.recent.forEach((note, j) => {
      const line = hist.firstLine + j;
      let c: Checkpoint;
      try { c = parseCheckpointBody(parseNote(note).text); } catch {
        throw this.tamper(`checkpoint history line ${line} is malformed`, { line });
      }
      if (c.size < prev || c.size > latest.checkpoint.size) {
        throw this.tamper(`checkpoint history goes back from ${prev} to ${c.size}: the ledger was rewritten`, { line });
      }
      prev = c.size;
      this.checkAgainstTree(c, `history checkpoint ${line}`);
    });
    // Entries after the last checkpoint are not covered by a signature yet: they must at least be well-formed.
    for (let i = latest.checkpoint.size; i < this.tree.size; i++) {
      let r: LedgerRecord;
      try { r = decodeRecord(this.entryBytes(i)); } catch { throw this.tamper(`entry ${i} after the last checkpoint is malformed`, { index: i }); }
      if (r.n !== i || r.t !== this.index.typeOf(i)) throw this.tamper(`entry ${i} after the last checkpoint is out of sequence`, { index: i });
    }
    for (const [i, line] of readLines(join(this.dir, COSIGNED_FILE)).lines.entries()) {
      const c = this.schedule.open(JSON.parse(line) as string);
      this.checkAgainstTree(c, `cosigned checkpoint ${i}`);
    }
    return { file, latest };
  }

  private checkAgainstTree(c: Checkpoint, what: string): void {
    if (c.origin !== this.origin) throw this.tamper(`${what} names another origin`, { origin: c.origin });
    if (c.size > this.tree.size) {
      throw this.tamper(`${what} covers ${c.size} entries but only ${this.tree.size} remain`, { size: c.size, entries: this.tree.size });
    }
    if (!this.tree.root(c.size).equals(c.root)) {
      throw this.tamper(`entries do not match the ${what} (size ${c.size}): an entry was altered, removed or reordered`, { size: c.size });
    }
  }

  /** The genesis key, then each key-rotation record's (their vkeys are in the hashed entries). */
  private loadSchedule(): void {
    let schedule: KeySchedule;
    try {
      const g = this.record(0);
      if (g.t !== 'genesis') throw new Error('it is not a genesis record');
      schedule = new KeySchedule(g.vkey);
    } catch (e) {
      throw this.tamper(`entry 0 does not name the ledger key: ${(e as Error).message}`, { index: 0 });
    }
    for (const i of this.index.rotations()) {
      try {
        const r = this.record(i);
        if (r.t === 'key-rotation') schedule.rotate(i, r.vkey);
      } catch (e) { throw this.tamper(`key-rotation entry ${i}: ${(e as Error).message}`, { index: i }); }
    }
    this.schedule = schedule;
    // ledger.vkey follows the records (a rotation interrupted before it was rewritten).
    if (!this.opts.readOnly && readFileSync(join(this.dir, VKEY_FILE), 'utf8').trim() !== this.vkey) {
      atomicWrite(this.io, join(this.dir, VKEY_FILE), Buffer.from(`${this.vkey}\n`));
    }
  }

  /** The checkpoint key in force (a C2SP vkey). */
  get vkey(): string {
    return this.schedule.current.vkey;
  }

  get verifier(): VerifierKey {
    return this.schedule.current.verifier;
  }

  /** Every checkpoint key in force so far, oldest first: the genesis key, then each rotation's. */
  get vkeys(): string[] {
    return this.schedule.periods.map((p) => p.vkey);
  }

  /** Where the checkpoint key is kept (keys.ts); `plain` is a station that has not run `custodian ledger seal-key`. */
  get keyPlacement(): LedgerKeyPlacement {
    return ledgerKeyPlacement(this.dir);
  }

  /** True while a writable ledger has no checkpoint key: entries are kept, their checkpoint waits for unlockKey(). */
  get keyLocked(): boolean {
    return !this.opts.readOnly && this.signer === null;
  }

  /**
   * Hand over the unlocked checkpoint key (it must be the key in force) and
   * sign the checkpoint deferred while it was locked, so every entry is
   * covered. Returns that checkpoint, or undefined when nothing was pending.
   */
  unlockKey(signer: NoteSigner): string | undefined {
    if (this.fd < 0 || this.opts.readOnly) throw new CustodianError(LedgerCodes.CLOSED, 'the ledger is not open for writing', {});
    if (signer.vkey !== this.vkey) throw new CustodianError(LedgerCodes.KEY_INVALID, 'that key is not the ledger\'s checkpoint key in force', { dir: this.dir });
    this.commitGroup();
    this.signer = signer;
    if (this.stopped || this.uncovered === 0) return undefined;
    return this.signCheckpoint();
  }

  /** Forget the checkpoint key (the authority locked): later entries wait for the next unlockKey(). */
  lockKey(): void {
    this.commitGroup();
    this.signer = null;
    this.disarmIdleCheckpoint();
  }

  /**
   * Rotate to `next` (same origin): append a key-rotation record, have the
   * current key sign the checkpoint that covers it, then sign the same size
   * with the new key, which signs from then on. The caller has stored the
   * new key (sealed or on a token) before and removes the old one after.
   */
  rotateKey(next: NoteSigner, body: { location: 'sealed' | 'token'; operator: string; keyRef?: string }): AppendResult {
    if (!this.signer) throw new CustodianError(LedgerCodes.KEY_LOCKED, 'the ledger\'s checkpoint key is locked: the current key must sign the rotation', { dir: this.dir });
    if (next.name !== this.origin) throw new CustodianError(LedgerCodes.KEY_INVALID, `the new key is named ${next.name}, not ${this.origin}`, {});
    const previous = this.vkey;
    const r = this.append('key-rotation', { vkey: next.vkey, previous, location: body.location, operator: body.operator, ...(body.keyRef ? { keyRef: body.keyRef } : {}) });
    if (!r.checkpoint) throw new CustodianError(LedgerCodes.KEY_INVALID, 'the rotation was not covered by a checkpoint of the previous key', { index: r.index });
    this.schedule.rotate(r.index, next.vkey);
    this.signer = next;
    try {
      atomicWrite(this.io, join(this.dir, VKEY_FILE), Buffer.from(`${next.vkey}\n`), 0o644, this.dirFd);
    } catch (e) {
      throw this.fail('checkpoint-file', e);
    }
    return { ...r, checkpoint: this.signCheckpoint() };
  }

  get size(): number {
    return this.tree.size;
  }

  get closed(): boolean {
    return this.fd < 0;
  }

  /** The latest signed checkpoint note. */
  get checkpointNote(): string {
    return this.latest!.note;
  }

  get checkpoint(): Checkpoint {
    return this.latest!.checkpoint;
  }

  /** The write failure that stopped this ledger, or null while it can write. */
  get failure(): CustodianError | null {
    return this.stopped;
  }

  private writable(record?: RecordType): void {
    if (this.fd < 0 || this.opts.readOnly) throw new CustodianError(LedgerCodes.CLOSED, 'the ledger is not open for writing', {});
    if (this.stopped?.code === LedgerCodes.TAMPERED) {
      throw new CustodianError(LedgerCodes.TAMPERED, `the ledger stopped: verification found it tampered and it records nothing more: ${this.stopped.message}`, {
        ...this.stopped.details, stopped: true, durable: false, ...(record ? { record } : {}),
      });
    }
    if (this.stopped) {
      const { errno, site } = this.stopped.details as { errno?: string; site?: WriteSite };
      throw new CustodianError(LedgerCodes.WRITE_FAILED, `the ledger stopped after an earlier write failure and records nothing until it is reopened: ${this.stopped.message}`, {
        dir: this.dir, site, errno, stopped: true, durable: false, ...(record ? { record } : {}), cause: this.stopped.message,
      });
    }
  }

  /** Stop the ledger on a failed write at `site` (every later append rejects) and tell the owner once. */
  private fail(site: WriteSite, e: unknown, extra: Record<string, unknown> = {}): CustodianError {
    if (isCustodianError(e, LedgerCodes.WRITE_FAILED)) return e;
    const err = writeFailure(this.dir, site, e, { durable: false, at: this.clock().toISOString(), ...extra });
    const first = this.stopped === null;
    this.stopped ??= err;
    if (first) {
      try { this.opts.onStop?.(err); } catch { /* the owner's listener must not mask the failure */ }
    }
    return err;
  }

  /**
   * Append one record durably (write + fsync before it returns). Checkpoint
   * policy (docs/ledger-format.md §4): sign a checkpoint after every record
   * except `intent` and `outcome`, so a certificate (`done`) is covered by a
   * signed, durable checkpoint before it leaves the station. An intent is
   * covered by the checkpoint of the done/failed record that follows it; an
   * outcome by the next checkpoint signed (the next device's done record).
   * Nothing stays uncovered for long: a checkpoint is also signed once
   * `checkpointEvery` entries are uncovered, `idleCheckpointMs` after an entry
   * was left uncovered, and by close().
   */
  append<K extends RecordType>(type: K, body: RecordBodies[K]): AppendResult {
    const { index, at } = this.writeRecord(type, body, true);
    if (this.signer && (coversAtOnce(type) || this.uncovered >= this.every)) {
      try {
        return { index, at, checkpoint: this.coverEntries() };
      } catch (e) {
        // The entry itself is on disk (and in the index): the caller must know it was recorded.
        const err = e as CustodianError;
        throw new CustodianError(err.code, err.message, { ...err.details, record: type, index, durable: true }, { cause: err });
      }
    }
    this.leaveUncovered();
    return { index, at };
  }

  /**
   * Write one record after the last (fsynced when `sync`, else left for the
   * group's fsync) and add it to the tree and the index. A failed write or
   * fsync cuts the file back and stops the ledger.
   */
  private writeRecord<K extends RecordType>(type: K, body: RecordBodies[K], sync: boolean): { index: number; at: string; offset: number; decoded: ReturnType<typeof decodeBody> } {
    this.writable(type);
    const index = this.tree.size;
    const at = this.clock().toISOString();
    // One buffer, 0x00 ‖ line ‖ \n: the file gets line ‖ \n, the leaf hash 0x00 ‖ line, without a copy.
    const framed = frameRecord(type, index, at, body);
    const line = framed.subarray(1, framed.length - 1);
    const offset = this.index.end;
    const decoded = decodeBody(type, index, body);
    this.index.validateNext(decoded);
    try {
      writeFully(this.io, this.fd, framed.subarray(1), offset);
      if (sync) this.io.fsyncSync(this.fd);
    } catch (e) {
      try { this.io.ftruncateSync(this.fd, offset); } catch { /* stays stopped; open cuts it */ }
      throw this.fail('entries', e, { record: type, index });
    }
    this.unsynced = !sync;
    this.tree.appendLeafHash(sha256(framed.subarray(0, framed.length - 1)));
    try {
      this.levels?.flush(); // the tree's hashes reach their files before the row that counts them
      this.index.add(decoded, offset, line.length);
    } catch (e) {
      // The line is in the file; the derived index is behind it. Stop: reopening catches the index up.
      throw this.fail('index', e, { record: type, index, durable: sync });
    }
    return { index, at, offset, decoded };
  }

  /** Entries stay uncovered for now: the idle timer signs their checkpoint if nothing else does first. */
  private leaveUncovered(): void {
    if (this.uncoveredSince < 0) this.uncoveredSince = this.idleClock.now();
    this.armIdleCheckpoint();
  }

  /**
   * Append one record and resolve once it is durable, sharing one fsync with
   * every other appendDurable in the same turn of the event loop (group
   * commit: the heads of a line record intents and certificates at once).
   * The record is written and indexed at once, in order; then the group is
   * fsynced once, a checkpoint is signed once if any record of the group
   * needs one (the policy of append), and only then does each caller's
   * promise resolve. A caller must not act on its record (sign, ship) before.
   * A failed fsync stops the ledger and rejects the whole group (durable:
   * false: its lines may or may not have reached the disk; open tells).
   */
  appendDurable<K extends RecordType>(type: K, body: RecordBodies[K]): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      const { index, at, offset, decoded } = this.writeRecord(type, body, false);
      this.group.push({ type, index, offset, decoded, at, cover: coversAtOnce(type), resolve, reject });
      if (this.group.length === 1) setImmediate(() => this.commitGroup());
    });
  }

  /** One fsync for the group, one checkpoint if any record needs it, then every caller hears. */
  private commitGroup(): void {
    const group = this.group;
    this.group = [];
    if (group.length === 0) return;
    const withRecord = (err: CustodianError, g: PendingAppend, durable: boolean): CustodianError =>
      new CustodianError(err.code, err.message, { ...err.details, record: g.type, index: g.index, durable }, { cause: err });
    try {
      this.writable();
      this.syncEntries();
    } catch (e) {
      const err = isCustodianError(e) ? e : this.fail('entries', e);
      this.dropGroup(group);
      for (const g of group) g.reject(withRecord(err, g, false));
      return;
    }
    let checkpoint: string | undefined;
    if (this.signer && (group.some((g) => g.cover) || this.uncovered >= this.every)) {
      try {
        checkpoint = this.coverEntries();
      } catch (e) {
        // Every record of the group is on disk; only the checkpoint after them failed.
        for (const g of group) g.reject(withRecord(e as CustodianError, g, true));
        return;
      }
    } else {
      this.leaveUncovered();
    }
    for (const g of group) g.resolve({ index: g.index, at: g.at, ...(checkpoint && g.cover ? { checkpoint } : {}) });
  }

  /** Take a group that did not become durable out of the file, the tree and the index (the ledger has stopped). */
  private dropGroup(group: readonly PendingAppend[]): void {
    const first = group[0]!;
    if (this.tree.size !== group.at(-1)!.index + 1) return; // not the newest entries: leave it to open
    try { this.io.ftruncateSync(this.fd, first.offset); } catch { /* stays stopped; open cuts it */ }
    this.index.truncate(first.index);
    this.tree.truncate(first.index);
    this.unsynced = false;
  }

  /** fsync entries.jsonl if appendDurable wrote to it since the last fsync (a checkpoint must never cover a line that is not durable). */
  private syncEntries(): void {
    if (!this.unsynced) return;
    try {
      this.io.fsyncSync(this.fd);
    } catch (e) {
      throw this.fail('entries', e);
    }
    this.unsynced = false;
  }

  /** Entries appended after the latest signed checkpoint. */
  get uncovered(): number {
    return this.tree.size - (this.latest?.checkpoint.size ?? 0);
  }

  /**
   * The idle timer. It fires when the oldest uncovered entry has been
   * uncovered for idleMs (then it signs a covering checkpoint, which also
   * replaces `checkpoint`) or when `checkpoint` has been behind the history
   * for idleMs (then it replaces the file), whichever comes first, and re-arms
   * for what is still pending. Each deadline runs from the moment its state
   * began, so later appends never push it back; an entry that a later
   * record's checkpoint covers in time costs no checkpoint of its own (on a
   * line every device's done covers the previous outcome and its own intent).
   */
  private armIdleCheckpoint(): void {
    if (this.idleTimer || this.idleMs <= 0) return;
    // Locked: the uncovered entries wait for unlockKey(); only a lagging checkpoint file is worth the timer.
    if (!this.signer && this.behindSince < 0) return;
    const due = this.nextIdleDeadline();
    if (due < 0) return;
    this.idleTimer = this.idleClock.after(Math.max(1, Math.ceil(due - this.idleClock.now())), () => this.onIdle());
  }

  /** The earliest idle deadline (idleClock time), or -1 when nothing is pending. */
  private nextIdleDeadline(): number {
    const uncoveredSince = this.signer ? this.uncoveredSince : -1;
    const since = uncoveredSince < 0 ? this.behindSince : this.behindSince < 0 ? uncoveredSince : Math.min(uncoveredSince, this.behindSince);
    return since < 0 ? -1 : since + this.idleMs;
  }

  private onIdle(): void {
    this.idleTimer = null;
    if (this.fd < 0 || this.stopped) return;
    const now = this.idleClock.now();
    // A failure stops the ledger (the next append rejects with LEDGER_WRITE_FAILED); the entries stay durable and open signs for them.
    try {
      if (this.signer && this.uncoveredSince >= 0 && now >= this.uncoveredSince + this.idleMs) this.signCheckpoint();
      else if (this.behindSince >= 0 && now >= this.behindSince + this.idleMs) this.replaceCheckpointFile();
    } catch {
      return; // recorded in this.stopped
    }
    this.armIdleCheckpoint();
  }

  private disarmIdleCheckpoint(): void {
    this.idleTimer?.();
    this.idleTimer = null;
  }

  /**
   * The policy's checkpoint: signed and appended to the history (fsynced)
   * before it returns, so the entries are covered durably. `checkpoint` is
   * replaced later (idle timer, close, open): its write-temp, fsync, rename and
   * directory fsync cost more than the signature, and open reads the newer of
   * it and the history's last line, so the history alone is the durable copy.
   */
  private coverEntries(): string {
    const note = this.appendCheckpoint();
    if (this.behindSince < 0) this.behindSince = this.idleClock.now();
    this.armIdleCheckpoint();
    return note;
  }

  /** Sign a checkpoint for the current tree and append it to the history (fsynced). */
  private appendCheckpoint(): string {
    this.writable();
    if (!this.signer) throw new CustodianError(LedgerCodes.KEY_LOCKED, 'the ledger\'s checkpoint key is locked: unlock the authority to sign a checkpoint', { dir: this.dir });
    this.syncEntries();
    const c: Checkpoint = { origin: this.origin, size: this.tree.size, root: this.tree.root(), extensions: [] };
    const note = signCheckpoint(c, this.signer);
    try {
      const line = Buffer.from(`${JSON.stringify(note)}\n`);
      try {
        writeFully(this.io, this.historyFd, line, this.historySize);
        this.io.fsyncSync(this.historyFd);
      } catch (e) {
        try { this.io.ftruncateSync(this.historyFd, this.historySize); } catch { /* open cuts a torn history line */ }
        throw e;
      }
      this.historySize += line.length;
    } catch (e) {
      throw this.fail('checkpoint-history', e);
    }
    this.latest = { note, checkpoint: c };
    this.uncoveredSince = -1;
    return note;
  }

  /** Replace `checkpoint` atomically with the latest note (write temp, fsync, rename, fsync the directory). */
  private replaceCheckpointFile(): void {
    try {
      atomicWrite(this.io, join(this.dir, CHECKPOINT_FILE), Buffer.from(this.latest!.note), 0o644, this.dirFd);
    } catch (e) {
      throw this.fail('checkpoint-file', e);
    }
    this.behindSince = -1;
    if (this.uncovered === 0) this.disarmIdleCheckpoint();
  }

  /** Sign a checkpoint for the current tree, append it to the history and replace `checkpoint` atomically. */
  signCheckpoint(): string {
    const note = this.appendCheckpoint();
    this.replaceCheckpointFile();
    return note;
  }

  /**
   * Verify every entry (verify.ts): re-hash the whole log and compare it with
   * every checkpoint and with the index, chunk by chunk (each step yields its
   * progress). A tamper found stops the ledger as a write failure does:
   * nothing is recorded or signed until it is reopened, and onStop tells the
   * owner. The entries appended while it runs were hashed as they were written.
   */
  *verify(): Generator<VerifyProgress, VerifyResult> {
    if (this.fd < 0) throw new CustodianError(LedgerCodes.CLOSED, 'the ledger is closed', {});
    const size = this.size;
    const bytes = this.index.end;
    const latest = this.checkpoint;
    const cosigned = this.cosignedCheckpoints().map((n) => parseCheckpointBody(parseNote(n).text));
    try {
      return yield* verifyLedger({
        dir: this.dir, origin: this.origin, size, bytes, latest, cosigned, indexRoot: this.tree.root(size),
        ...(this.opts.historyWindow ? { historyWindow: this.opts.historyWindow } : {}), ...(this.opts.scan ? { scan: this.opts.scan } : {}),
      });
    } catch (e) {
      if (isCustodianError(e, LedgerCodes.TAMPERED)) this.stopForTamper(e);
      throw e;
    }
  }

  /**
   * Stop the ledger on a tamper found after open (verify): it signs nothing
   * more, and the owner is told once. The index is removed, so the next open
   * rebuilds it from the entries and finds the tamper there too (a reopen
   * must not sign on a tree the entries no longer have).
   */
  private stopForTamper(e: CustodianError): void {
    if (this.stopped) return;
    if (!this.privateIndexDir) rmSync(join(this.dir, INDEX_DIR), { recursive: true, force: true });
    this.stopped = new CustodianError(e.code, e.message, { ...e.details, at: this.clock().toISOString() }, { cause: e });
    this.disarmIdleCheckpoint();
    try { this.opts.onStop?.(this.stopped); } catch { /* the owner's listener must not mask the tamper */ }
  }

  /** Summaries of entries [start, start+count): the UI's paged ledger view. */
  list(start: number, count: number): EntrySummary[] {
    return listEntries(this, start, count);
  }

  /** Entries about a device ID, serial and/or work order (index built at open). */
  search(q: LedgerQuery): EntrySummary[] {
    return searchEntries(this, q);
  }

  /** The stored bytes of entry i (without the newline). */
  entryBytes(i: number): Buffer {
    if (i < 0 || i >= this.size) throw new RangeError(`no entry ${i}`);
    const len = this.index.lengthOf(i);
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) got += readSync(this.fd, buf, got, len - got, this.index.offsetOf(i) + got);
    return buf;
  }

  record(i: number): LedgerRecord {
    return decodeRecord(this.entryBytes(i));
  }

  /**
   * Store a checkpoint an auditor cosigned and handed back. It must be signed
   * by this station and match the entries; cosignatures are verified when the
   * cosigner keys are given.
   */
  addCosignedCheckpoint(note: string, cosignerVkeys: readonly string[] = []): Checkpoint {
    this.writable();
    const c = this.schedule.open(note);
    this.checkAgainstTree(c, 'cosigned checkpoint');
    if (cosignerVkeys.length && !verifyCosignatures(note, cosignerVkeys.map(parseVkey)).length) {
      throw new CustodianError(LedgerCodes.NOTE_UNVERIFIED, 'no cosignature by the given cosigner keys', {});
    }
    const fd = this.io.openSync(join(this.dir, COSIGNED_FILE), 'a');
    try {
      writeFully(this.io, fd, Buffer.from(`${JSON.stringify(note)}\n`), fstatSync(fd).size);
      this.io.fsyncSync(fd);
    } finally {
      this.io.closeSync(fd);
    }
    return c;
  }

  /** Cosigned checkpoints stored by this station. */
  cosignedCheckpoints(): string[] {
    return readLines(join(this.dir, COSIGNED_FILE)).lines.map((l) => JSON.parse(l) as string);
  }

  /** All signed checkpoints in history order. */
  history(): string[] {
    return readLines(join(this.dir, HISTORY_FILE)).lines.map((l) => JSON.parse(l) as string);
  }

  /**
   * Close the files and release the writer lock. A writable ledger first signs
   * a checkpoint covering any uncovered entries (an intent or outcome written
   * since the last one) and brings `checkpoint` up to the history. If that
   * fails the entries are still durable and the next open repairs both, so
   * close does not throw for it.
   */
  close(): void {
    this.commitGroup();
    this.disarmIdleCheckpoint();
    if (this.fd >= 0 && this.signer && !this.opts.readOnly && !this.stopped && this.latest) {
      try {
        if (this.uncovered > 0) this.signCheckpoint();
        else if (this.behindSince >= 0) this.replaceCheckpointFile();
      } catch { /* recorded in this.stopped; open repairs */ }
    }
    if (this.fd >= 0) closeSync(this.fd);
    if (this.historyFd >= 0) closeSync(this.historyFd);
    if (this.dirFd >= 0) this.io.closeSync(this.dirFd);
    this.fd = -1;
    this.historyFd = -1;
    this.dirFd = -1;
    this.index?.close();
    this.levels?.close();
    this.levels = null;
    if (this.privateIndexDir) rmSync(this.privateIndexDir, { recursive: true, force: true });
    this.privateIndexDir = null;
    if (this.locked) releasePidLock(join(this.dir, LOCK_FILE));
    this.locked = false;
  }
}
