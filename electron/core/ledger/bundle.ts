/**
 * Proofs and audit bundles.
 *
 * `proofsFor` yields C2SP tlog-proof files for a certificate's done record.
 * `exportBundle` writes what the brand owner's auditor takes away on a USB
 * stick: the entries, the checkpoint history, cosigned checkpoints, the vkey,
 * every checkpoint key in force so far (`ledger.vkeys`), the custodian's certificate chain and a C2SP tlog-tiles view of the tree.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CustodianError } from '../errors';
import { LedgerCodes } from './codes';
import { formatTlogProof } from './checkpoint';
import { HASH_SIZE, type MerkleTree } from './merkle';
import { COSIGNED_FILE, CHECKPOINT_FILE, HISTORY_FILE, type Ledger } from './ledger';
import { sha256 } from './merkle';

export const BUNDLE_FORMAT = 'custodian-ledger-bundle/v1';
export const BUNDLE_MANIFEST = 'bundle.json';
export const BUNDLE_CHAIN = 'chain.pem';
/** One PEM chain per issuing CA the station retired in a rollover (each CA first), numbered in the order given. */
export const BUNDLE_RETIRED_DIR = 'retired';
export const BUNDLE_ENTRIES = 'entries.jsonl';
export const BUNDLE_VKEY = 'ledger.vkey';
/** Every checkpoint key in force so far, one vkey a line, oldest first (the genesis and key-rotation records name the same). */
export const BUNDLE_VKEYS = 'ledger.vkeys';

export interface CertificateProof {
  index: number;
  deviceId: string;
  serialHex: string;
  /** c2sp.org/tlog-proof@v1 text. */
  proof: string;
}

/** Done (or issued-reconcile, or verification-cert) records matching a device ID or a serial. */
export function certificateEntries(ledger: Ledger, query: string): number[] {
  const q = query.trim();
  const found = new Set<number>();
  const serial = q.toLowerCase().replace(/:/g, '').replace(/^(00)+(?=.)/, '');
  for (const i of [...(ledger.index.byDevice.get(q) ?? []), ...(ledger.index.bySerial.get(serial) ?? [])]) {
    const t = ledger.index.typeOf(i);
    if (t === 'verification-cert') { found.add(i); continue; }
    const closing = ledger.index.linkOf(i);
    if (closing < 0) continue;
    const c = ledger.record(closing);
    if (c.t === 'done' || (c.t === 'reconcile' && c.resolution === 'issued')) found.add(closing);
  }
  return [...found].sort((a, b) => a - b);
}

/** tlog-proofs for every certificate of a device ID or serial, against the latest checkpoint. */
export function proofsFor(ledger: Ledger, query: string): CertificateProof[] {
  const entries = certificateEntries(ledger, query);
  if (!entries.length) throw new CustodianError(LedgerCodes.NOT_IN_LEDGER, `no certificate for ${query} in the ledger`, { query });
  const cp = ledger.checkpoint;
  return entries.map((index) => {
    if (index >= cp.size) throw new CustodianError(LedgerCodes.PROOF_INVALID, 'the entry is not covered by a signed checkpoint yet', { index });
    const r = ledger.record(index) as { deviceId?: string; serialHex?: string; intent?: number };
    const intent = r.intent !== undefined ? (ledger.record(r.intent) as { deviceId: string; serialHex: string }) : undefined;
    return {
      index,
      deviceId: r.deviceId ?? intent?.deviceId ?? '',
      serialHex: r.serialHex ?? intent?.serialHex ?? '',
      proof: formatTlogProof({ index, proof: ledger.tree.inclusionProof(index, cp.size), checkpoint: ledger.checkpointNote }),
    };
  });
}

// ---------------------------------------------------------------- tlog-tiles

/** c2sp.org/tlog-tiles path element for index n: 1234067 → x001/x234/067. */
export function tileIndexPath(n: number): string {
  const s = String(n);
  const groups: string[] = [];
  for (let end = s.length; end > 0; end -= 3) groups.unshift(s.slice(Math.max(0, end - 3), end).padStart(3, '0'));
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

export function tilePath(level: number | 'entries', n: number, width: number): string {
  return `tile/${level}/${tileIndexPath(n)}${width < 256 ? `.p/${width}` : ''}`;
}

/** Write the hash tiles (height 8) and entry bundles for the first `size` entries. Returns the file count. */
export function writeTiles(out: string, tree: MerkleTree, size: number, entry: (i: number) => Uint8Array): number {
  let files = 0;
  const write = (rel: string, data: Uint8Array) => {
    const p = join(out, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, data);
    files++;
  };
  for (let L = 0; ; L++) {
    const count = Math.floor(size / 2 ** (8 * L));
    if (count === 0 || (L > 0 && count < 1)) break;
    for (let n = 0; n * 256 < count; n++) {
      const width = Math.min(256, count - n * 256);
      write(tilePath(L, n, width), tree.levelHashes(8 * L, n * 256, width));
    }
    if (count < 256) break;
  }
  for (let n = 0; n * 256 < size; n++) {
    const width = Math.min(256, size - n * 256);
    const parts: Uint8Array[] = [];
    for (let i = n * 256; i < n * 256 + width; i++) {
      const e = entry(i);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(e.length);
      parts.push(len, e);
    }
    write(tilePath('entries', n, width), Buffer.concat(parts));
  }
  return files;
}

export interface ExportOptions {
  /** The custodian's certificate chain, PEM: issuing CA first, up to (optionally including) the root. */
  chainPem: string;
  /** The chains (PEM, CA first) of the issuing CAs a rollover retired: the audit checks their devices through them. */
  retiredChainsPem?: readonly string[];
  /** Also write the tlog-tiles layout (default true). */
  tiles?: boolean;
  stationId?: string;
}

export interface ExportResult {
  dir: string;
  origin: string;
  size: number;
  files: number;
}

/**
 * Write an audit bundle of everything covered by the latest checkpoint. The
 * caller (station) should sign a fresh checkpoint first so the whole ledger is covered.
 */
export function exportBundle(ledger: Ledger, out: string, opts: ExportOptions): ExportResult {
  mkdirSync(out, { recursive: true });
  if (readdirSync(out).length) throw new CustodianError(LedgerCodes.EXISTS, 'the bundle directory is not empty', { dir: out });
  if (!/-----BEGIN CERTIFICATE-----/.test(opts.chainPem)) {
    throw new CustodianError(LedgerCodes.RECORD_INVALID, 'the custodian chain must be PEM certificates', {});
  }
  const size = ledger.checkpoint.size;
  const parts: Buffer[] = [];
  for (let i = 0; i < size; i++) parts.push(ledger.entryBytes(i), Buffer.from('\n'));
  const entries = Buffer.concat(parts);
  writeFileSync(join(out, BUNDLE_ENTRIES), entries);
  writeFileSync(join(out, CHECKPOINT_FILE), ledger.checkpointNote);
  copyFileSync(join(ledger.dir, HISTORY_FILE), join(out, HISTORY_FILE));
  if (existsSync(join(ledger.dir, COSIGNED_FILE))) copyFileSync(join(ledger.dir, COSIGNED_FILE), join(out, COSIGNED_FILE));
  writeFileSync(join(out, BUNDLE_VKEY), `${ledger.vkey}\n`);
  writeFileSync(join(out, BUNDLE_VKEYS), ledger.vkeys.map((v) => `${v}\n`).join(''));
  writeFileSync(join(out, BUNDLE_CHAIN), opts.chainPem);
  let files = 7;
  for (const [i, pem] of (opts.retiredChainsPem ?? []).entries()) {
    if (!/-----BEGIN CERTIFICATE-----/.test(pem)) throw new CustodianError(LedgerCodes.RECORD_INVALID, 'a retired CA chain must be PEM certificates', { index: i });
    mkdirSync(join(out, BUNDLE_RETIRED_DIR), { recursive: true });
    writeFileSync(join(out, BUNDLE_RETIRED_DIR, `${String(i + 1).padStart(2, '0')}.pem`), pem);
    files++;
  }
  if (opts.tiles ?? true) files += writeTiles(out, ledger.tree, size, (i) => ledger.entryBytes(i));
  writeFileSync(join(out, BUNDLE_MANIFEST), `${JSON.stringify({
    format: BUNDLE_FORMAT,
    origin: ledger.origin,
    stationId: opts.stationId,
    size,
    root: ledger.checkpoint.root.toString('base64'),
    entriesSha256: sha256(entries).toString('hex'),
    exportedAt: new Date().toISOString(),
  }, null, 2)}\n`);
  return { dir: out, origin: ledger.origin, size, files };
}
