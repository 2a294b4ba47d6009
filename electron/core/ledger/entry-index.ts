/**
 * The ledger's index, persisted beside entries.jsonl in `index/entries.sqlite`
 * (node:sqlite): per entry its byte offset, length, type and intent link;
 * lookups by device ID, serial, work order and (intents) the device key's
 * SPKI hash; outcomes by intent. Derived data, rebuilt from entries.jsonl
 * (Ledger.open): it is never fsynced, and an index that is missing, behind
 * the log or inconsistent with it is caught up or rebuilt at open.
 *
 * What is indexed per record type:
 *   intent             device ID, serial, work order, SPKI hash
 *   done/failed/reconcile/outcome   the link to their intent (an intent links to its closing record)
 *   verification-cert  serial
 *   any other type     whichever of device ID, serial and work order it carries (`mentions`)
 */
import { CustodianError } from '../errors';
import { LedgerCodes } from './codes';
import { RECORD_TYPES, TYPE_CODE, type RecordType } from './records';
import { C_GENESIS, C_INTENT, C_OUTCOME, C_ROTATION, C_VERIFICATION, LINKED_CODES, type Decoded } from './index-fields';
import { openDatabase, type DatabaseSync, type StatementSync } from './sqlite';

export const INDEX_FORMAT = 'custodian-ledger-index/1';

const K_DEVICE = 0;
const K_SERIAL = 1;
const K_WORK_ORDER = 2;
const K_SPKI = 3;
const K_OUTCOME = 4;
const K_OTHER_DEVICE = 5;
const K_OTHER_SERIAL = 6;
const K_OTHER_WORK_ORDER = 7;

/** Record types few and far between that readers list whole (revocations, CRLs, rollovers): each has a partial index. */
export const RARE_TYPES = ['revocation', 'crl', 'authority-successor'] as const;
export type RareType = (typeof RARE_TYPES)[number];

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entry(n INTEGER PRIMARY KEY, off INTEGER NOT NULL, len INTEGER NOT NULL, type INTEGER NOT NULL, link INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS entry_open ON entry(n) WHERE type = ${C_INTENT} AND link = -1;
CREATE INDEX IF NOT EXISTS entry_rotation ON entry(n) WHERE type = ${C_ROTATION};
${RARE_TYPES.map((t) => `CREATE INDEX IF NOT EXISTS entry_${t.replace('-', '_')} ON entry(n) WHERE type = ${TYPE_CODE[t]};`).join('\n')}
CREATE TABLE IF NOT EXISTS lookup(kind INTEGER NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL);
`;
const LOOKUP_INDEX = 'CREATE INDEX IF NOT EXISTS lookup_key ON lookup(kind, key, n)';

/** Entry indices under one key of one kind, oldest first. */
export class IndexLookup {
  constructor(private readonly idx: EntryIndex, private readonly kind: number) {}
  get(key: string): number[] | undefined {
    const rows = this.idx.keyRows(this.kind, key);
    return rows.length ? rows : undefined;
  }
  /** The oldest `limit` of them (a search shows a page, not every device of a work order). */
  first(key: string, limit: number): number[] {
    return this.idx.keyRows(this.kind, key, limit);
  }
}

function invalidNext(rec: Decoded, index: number, message: string): CustodianError {
  return new CustodianError(LedgerCodes.RECORD_INVALID, message, { index, intent: rec.intent });
}

function tamper(message: string, details: Record<string, unknown>): CustodianError {
  return new CustodianError(LedgerCodes.TAMPERED, message, details);
}

export class EntryIndex {
  private readonly db: DatabaseSync;
  private readonly q: Record<'insert' | 'entryAt' | 'setLink' | 'addKey' | 'keyRows' | 'keyRowsFirst' | 'outcome' | 'open' | 'rotations' | 'dropEntries' | 'dropKeys' | 'reopenLinks' | 'first' | 'last' | 'getMeta' | 'setMeta', StatementSync> & Partial<Record<`of:${RareType}`, StatementSync>>;
  readonly byDevice = new IndexLookup(this, K_DEVICE);
  readonly bySerial = new IndexLookup(this, K_SERIAL);
  readonly byWorkOrder = new IndexLookup(this, K_WORK_ORDER);
  /** Intents by spkiSha256: which device IDs a key was presented for. */
  readonly bySpki = new IndexLookup(this, K_SPKI);
  /** Records of other types by the lookup fields they carry (revocations, …). */
  readonly mentions = {
    device: new IndexLookup(this, K_OTHER_DEVICE), serial: new IndexLookup(this, K_OTHER_SERIAL), workOrder: new IndexLookup(this, K_OTHER_WORK_ORDER),
  };
  /** The newest outcome of an intent. */
  readonly outcomes = { get: (intent: number): number | undefined => (this.q.outcome.get(K_OUTCOME, String(intent)) as { n: number | null } | undefined)?.n ?? undefined };
  size = 0;
  /** Byte length of the complete entries indexed. */
  end = 0;
  private inBatch = false;
  /** The last entry looked up (appends and page reads ask for the same one several times). */
  private cached = { n: -1, off: 0, len: 0, type: 0, link: 0 };

  /** Open (creating) the index database at `path`. */
  constructor(path: string) {
    this.db = openDatabase(path);
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA cache_size = -16384;');
    this.db.exec(SCHEMA);
    this.db.exec(LOOKUP_INDEX);
    const p = (sql: string) => this.db.prepare(sql);
    this.q = {
      insert: p('INSERT INTO entry(n, off, len, type, link) VALUES (?, ?, ?, ?, ?)'),
      entryAt: p('SELECT off, len, type, link FROM entry WHERE n = ?'),
      setLink: p('UPDATE entry SET link = ? WHERE n = ?'),
      addKey: p('INSERT INTO lookup(kind, key, n) VALUES (?, ?, ?)'),
      keyRows: p('SELECT n FROM lookup WHERE kind = ? AND key = ? ORDER BY n'),
      keyRowsFirst: p('SELECT n FROM lookup WHERE kind = ? AND key = ? ORDER BY n LIMIT ?'),
      outcome: p('SELECT max(n) AS n FROM lookup WHERE kind = ? AND key = ?'),
      open: p(`SELECT n FROM entry WHERE type = ${C_INTENT} AND link = -1 ORDER BY n`),
      rotations: p(`SELECT n FROM entry WHERE type = ${C_ROTATION} ORDER BY n`),
      ...Object.fromEntries(RARE_TYPES.map((t) => [`of:${t}`, p(`SELECT n FROM entry WHERE type = ${TYPE_CODE[t]} ORDER BY n`)])),
      dropEntries: p('DELETE FROM entry WHERE n >= ?'),
      dropKeys: p('DELETE FROM lookup WHERE n >= ?'),
      reopenLinks: p(`UPDATE entry SET link = -1 WHERE type = ${C_INTENT} AND link >= ?`),
      first: p('SELECT min(n) AS n FROM entry'),
      last: p('SELECT n, off, len FROM entry ORDER BY n DESC LIMIT 1'),
      getMeta: p('SELECT v FROM meta WHERE k = ?'),
      setMeta: p('INSERT OR REPLACE INTO meta(k, v) VALUES (?, ?)'),
    };
    const last = this.q.last.get() as { n: number; off: number; len: number } | undefined;
    if (last) {
      this.size = last.n + 1;
      this.end = last.off + last.len + 1;
    }
  }

  meta(key: string): string | undefined {
    return (this.q.getMeta.get(key) as { v: string } | undefined)?.v;
  }

  setMeta(key: string, value: string): void {
    this.q.setMeta.run(key, value);
  }

  /**
   * Rows start at entry 0 (else the index is inconsistent and rebuilt). They
   * are only ever added at the end and cut from the end, so no gap can open
   * between; counting them would cost a scan of the table at every open.
   */
  get startsAtZero(): boolean {
    return this.size === 0 || (this.q.first.get() as { n: number | null }).n === 0;
  }

  /**
   * Group the writes of many adds in one transaction (a rebuild or catch-up);
   * endBatch commits. A bulk batch (a rebuild) drops the lookup index and
   * builds it once at the end, which is much faster than keeping it sorted row by row.
   */
  beginBatch(bulk = false): void {
    if (this.inBatch) return;
    if (bulk) this.db.exec('DROP INDEX IF EXISTS lookup_key; PRAGMA cache_size = -65536;');
    this.db.exec('BEGIN');
    this.inBatch = true;
  }

  /** Commit the batch's writes so far; the batch goes on. */
  commitBatch(): void {
    if (!this.inBatch) return;
    this.db.exec('COMMIT; BEGIN');
  }

  endBatch(): void {
    if (!this.inBatch) return;
    this.db.exec('COMMIT');
    this.inBatch = false;
    this.db.exec(`${LOOKUP_INDEX}; PRAGMA cache_size = -16384;`);
  }

  private row(i: number): { off: number; len: number; type: number; link: number } {
    if (this.cached.n === i) return this.cached;
    const r = this.q.entryAt.get(i) as { off: number; len: number; type: number; link: number } | undefined;
    if (!r) throw new RangeError(`no entry ${i} in the index`);
    this.cached = { n: i, off: r.off, len: r.len, type: r.type, link: r.link };
    return this.cached;
  }

  keyRows(kind: number, key: string, limit?: number): number[] {
    const rows = limit === undefined ? this.q.keyRows.all(kind, key) : this.q.keyRowsFirst.all(kind, key, limit);
    return (rows as { n: number }[]).map((r) => r.n);
  }

  offsetOf(i: number): number {
    return this.row(i).off;
  }
  /** Length of entry i without its newline. */
  lengthOf(i: number): number {
    return this.row(i).len;
  }
  typeOf(i: number): RecordType {
    return RECORD_TYPES[this.row(i).type]!;
  }
  /** intent → its closing record (-1 while open); closing or outcome record → its intent; -1 for others. */
  linkOf(i: number): number {
    return this.row(i).link;
  }
  /** Intents with no done, failed or reconcile record, in index order. */
  get openIntents(): Set<number> {
    return new Set((this.q.open.all() as { n: number }[]).map((r) => r.n));
  }
  /** Indices of the records of one rare type, oldest first (a partial index each: no scan of the log). */
  ofType(t: RareType): number[] {
    return (this.q[`of:${t}`]!.all() as { n: number }[]).map((r) => r.n);
  }
  /** Indices of the key-rotation records. */
  rotations(): number[] {
    return (this.q.rotations.all() as { n: number }[]).map((r) => r.n);
  }

  /**
   * Check, before it is written, that a new record would index cleanly (its
   * intent exists and, for a closing record, is still open). Throws LEDGER_RECORD_INVALID.
   */
  validateNext(rec: Decoded): void {
    const i = this.size;
    if (rec.code < 0 || rec.n !== i) throw invalidNext(rec, i, 'malformed record');
    if (rec.code === C_INTENT && (rec.deviceId === undefined || rec.serialHex === undefined)) throw invalidNext(rec, i, 'intent lacks a device ID or serial');
    if (LINKED_CODES[rec.code]) {
      const target = rec.intent;
      if (!Number.isInteger(target) || target < 0 || target >= i || this.row(target).type !== C_INTENT) throw invalidNext(rec, i, `no intent ${target}`);
      if (rec.code !== C_OUTCOME && this.row(target).link !== -1) throw invalidNext(rec, i, `intent ${target} is already closed`);
    }
  }

  /** Index one record (decoded by decodeForIndex). Throws LEDGER_TAMPERED on an inconsistent record. */
  add(rec: Decoded, offset: number, length: number): void {
    const i = this.size;
    const code = rec.code;
    if (code < 0) throw tamper(`entry ${i} is malformed or has an unknown type`, { index: i });
    if (rec.n !== i) throw tamper(`entry ${i} carries index ${String(rec.n)}: entries were removed, inserted or reordered`, { index: i, n: rec.n });
    if (i === 0 && code !== C_GENESIS) throw tamper('entry 0 is not a genesis record', { index: 0 });
    let link = -1;
    if (code === C_INTENT) {
      if (rec.deviceId === undefined || rec.serialHex === undefined) throw tamper(`intent ${i} lacks a device ID or serial`, { index: i });
    } else if (LINKED_CODES[code]) {
      const target = rec.intent;
      if (!Number.isInteger(target) || target < 0 || target >= i || this.row(target).type !== C_INTENT) {
        throw tamper(`entry ${i} refers to a missing intent`, { index: i, intent: target });
      }
      if (code !== C_OUTCOME && this.row(target).link !== -1) throw tamper(`intent ${target} is closed twice`, { index: i, intent: target });
      link = target;
    }
    const q = this.q;
    const solo = !this.inBatch;
    if (solo) this.db.exec('BEGIN');
    try {
      q.insert.run(i, offset, length, code, link);
      if (code === C_INTENT) {
        q.addKey.run(K_DEVICE, rec.deviceId!, i);
        q.addKey.run(K_SERIAL, rec.serialHex!, i);
        if (rec.workOrder !== undefined) q.addKey.run(K_WORK_ORDER, rec.workOrder, i);
        if (rec.spkiSha256 !== undefined) q.addKey.run(K_SPKI, rec.spkiSha256, i);
      } else if (LINKED_CODES[code]) {
        if (code === C_OUTCOME) q.addKey.run(K_OUTCOME, String(link), i);
        else q.setLink.run(i, link);
      } else if (code === C_VERIFICATION) {
        if (rec.serialHex !== undefined) q.addKey.run(K_SERIAL, rec.serialHex, i);
      } else if (code !== C_GENESIS) {
        if (rec.deviceId !== undefined) q.addKey.run(K_OTHER_DEVICE, rec.deviceId, i);
        if (rec.serialHex !== undefined) q.addKey.run(K_OTHER_SERIAL, rec.serialHex, i);
        if (rec.workOrder !== undefined) q.addKey.run(K_OTHER_WORK_ORDER, rec.workOrder, i);
      }
      if (solo) this.db.exec('COMMIT');
    } catch (e) {
      // SQLite may have rolled back already (a full disk): the first error is the one to tell.
      if (solo) {
        try { this.db.exec('ROLLBACK'); } catch { /* no transaction left to roll back */ }
      }
      throw e;
    }
    if (LINKED_CODES[code] && code !== C_OUTCOME && this.cached.n === link) this.cached = { ...this.cached, link: i };
    this.size = i + 1;
    this.end = offset + length + 1;
  }

  /**
   * Forget every entry at index >= size: a group-committed append whose
   * fsync failed is not in the ledger (Ledger.appendDurable), nor are
   * entries the index holds beyond the end of the log.
   */
  truncate(size: number): void {
    if (size >= this.size) return;
    this.db.exec('BEGIN');
    this.q.dropEntries.run(size);
    this.q.dropKeys.run(size);
    this.q.reopenLinks.run(size);
    this.db.exec('COMMIT');
    this.cached = { n: -1, off: 0, len: 0, type: 0, link: 0 };
    this.size = size;
    const last = this.q.last.get() as { n: number; off: number; len: number } | undefined;
    this.end = last ? last.off + last.len + 1 : 0;
  }

  close(): void {
    if (this.inBatch) this.endBatch();
    if (this.db.isOpen) this.db.close();
  }
}

