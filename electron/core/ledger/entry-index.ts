/**
 * In-memory index over the entries file, built while the entries are re-hashed
 * at open: byte offsets and types of every entry, intent links, and lookups by
 * device ID, serial and work order. Records are decoded without converting the
 * certificate: done records are parsed up to their final `cert` key only.
 */
import { hash } from 'node:crypto';
import { readSync } from 'node:fs';
import { CustodianError } from '../errors';
import { LedgerCodes } from './codes';
import type { MerkleTree } from './merkle';
import { RECORD_TYPES, TYPE_CODE, type RecordType } from './records';

const CERT_KEY = Buffer.from(',"cert":"');

class Growable<T extends Float64Array | Int32Array | Uint8Array> {
  constructor(public data: T, private readonly make: (n: number) => T) {}
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const grown = this.make(Math.max(1024, this.data.length * 2));
      grown.set(this.data);
      this.data = grown;
    }
    this.data[i] = v;
  }
}

function push(map: Map<string, number[]>, key: string | undefined, i: number): void {
  if (key === undefined) return;
  const list = map.get(key);
  if (list) list.push(i);
  else map.set(key, [i]);
}

function tamper(message: string, details: Record<string, unknown>): CustodianError {
  return new CustodianError(LedgerCodes.TAMPERED, message, details);
}

export class EntryIndex {
  private offsets = new Growable(new Float64Array(1024), (n) => new Float64Array(n));
  private types = new Growable(new Uint8Array(1024), (n) => new Uint8Array(n));
  /** intent → closing record (-1 while open); closing/outcome record → its intent. */
  private links = new Growable(new Int32Array(1024), (n) => new Int32Array(n));
  readonly outcomes = new Map<number, number>();
  readonly byDevice = new Map<string, number[]>();
  readonly bySerial = new Map<string, number[]>();
  readonly byWorkOrder = new Map<string, number[]>();
  readonly openIntents = new Set<number>();
  size = 0;
  /** Byte length of the complete entries. */
  end = 0;

  offsetOf(i: number): number {
    return this.offsets.data[i]!;
  }
  /** Length of entry i without its newline. */
  lengthOf(i: number): number {
    return (i + 1 < this.size ? this.offsets.data[i + 1]! : this.end) - this.offsets.data[i]! - 1;
  }
  typeOf(i: number): RecordType {
    return RECORD_TYPES[this.types.data[i]!]!;
  }
  linkOf(i: number): number {
    return this.links.data[i]!;
  }

  /** Index one record (already decoded as far as needed). Throws LEDGER_TAMPERED on an inconsistent record. */
  add(rec: Record<string, unknown>, offset: number, length: number): void {
    const i = this.size;
    const t = rec.t as RecordType;
    const code = TYPE_CODE[t];
    if (code === undefined) throw tamper(`entry ${i} has an unknown type`, { index: i });
    if (rec.n !== i) throw tamper(`entry ${i} carries index ${String(rec.n)}: entries were removed, inserted or reordered`, { index: i, n: rec.n });
    if (i === 0 && t !== 'genesis') throw tamper('entry 0 is not a genesis record', { index: 0 });
    this.offsets.set(i, offset);
    this.types.set(i, code);
    this.links.set(i, -1);
    switch (t) {
      case 'intent':
        push(this.byDevice, rec.deviceId as string, i);
        push(this.bySerial, rec.serialHex as string, i);
        push(this.byWorkOrder, rec.workOrder as string | undefined, i);
        this.openIntents.add(i);
        break;
      case 'done': case 'failed': case 'reconcile': case 'outcome': {
        const target = rec.intent as number;
        if (!Number.isInteger(target) || target < 0 || target >= i || this.types.data[target] !== TYPE_CODE.intent) {
          throw tamper(`entry ${i} refers to a missing intent`, { index: i, intent: target });
        }
        this.links.set(i, target);
        if (t === 'outcome') {
          this.outcomes.set(target, i);
        } else {
          if (this.links.data[target] !== -1) throw tamper(`intent ${target} is closed twice`, { index: i, intent: target });
          this.links.set(target, i);
          this.openIntents.delete(target);
        }
        break;
      }
      case 'verification-cert':
        push(this.bySerial, rec.serialHex as string, i);
        break;
      default:
        break;
    }
    this.size = i + 1;
    this.end = offset + length + 1;
  }
}

/**
 * Decode the index-relevant part of the line buf[s:e] (no newline). Done and
 * other certificate-carrying records are parsed up to their last key only.
 */
export function decodeForIndex(buf: Buffer, s: number, e: number): Record<string, unknown> {
  try {
    const c = buf.indexOf(CERT_KEY, s);
    if (c >= 0 && c < e) return JSON.parse(`${buf.toString('utf8', s, c)}}`) as Record<string, unknown>;
    return JSON.parse(buf.toString('utf8', s, e)) as Record<string, unknown>;
  } catch {
    return { t: undefined };
  }
}

export interface ScanResult {
  /** Bytes of complete lines. */
  complete: number;
}

/**
 * Read the entries file [0, length) in large chunks; for each complete line
 * compute its RFC 6962 leaf hash in place (the byte before each line is
 * temporarily set to 0x00, so no copy is made) and append it to the tree, then
 * index the record. `length` must end on a newline (see completeLength).
 */
export function scanEntries(fd: number, length: number, tree: MerkleTree, index: EntryIndex, chunkSize = 16 << 20): void {
  let buf = Buffer.allocUnsafe(chunkSize + 1);
  let carry = 0; // bytes of an incomplete line kept at buf[1 .. 1+carry)
  let filePos = 0; // file offset of buf[1]
  while (filePos + carry < length) {
    if (carry === buf.length - 1) {
      const grown = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(grown, 0, 0, 1 + carry);
      buf = grown;
    }
    const want = Math.min(buf.length - 1 - carry, length - filePos - carry);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, buf, 1 + carry + got, want - got, filePos + carry + got);
      if (n <= 0) throw new CustodianError(LedgerCodes.TAMPERED, 'entries file shrank while reading', {});
      got += n;
    }
    const avail = 1 + carry + got;
    let s = 1;
    for (;;) {
      const nl = buf.indexOf(10, s);
      if (nl < 0 || nl >= avail) break;
      const saved = buf[s - 1]!;
      buf[s - 1] = 0;
      tree.appendLeafHash(hash('sha256', buf.subarray(s - 1, nl), 'buffer'));
      buf[s - 1] = saved;
      index.add(decodeForIndex(buf, s, nl), filePos + s - 1, nl - s);
      s = nl + 1;
    }
    const consumed = s - 1;
    carry = avail - s;
    buf.copy(buf, 1, s, avail);
    filePos += consumed;
  }
}
