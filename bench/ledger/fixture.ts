/**
 * The ledger bench's fixtures: realistic station ledgers of 1,000,000 and
 * 10,000,000 entries (intent / done with a 500-byte DER / outcome per
 * issuance, a signed checkpoint in the history after every done record, as
 * a line writes them) under ~/.cache/custodian/bench, built once and reused.
 * The fast writer frames the lines directly and keeps the tree itself (no
 * append, no fsync per entry); the index is then built by the ledger's own
 * open (the rebuild the bench times). A fixture is complete when its
 * `fixture.json` exists.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../../electron/core/ledger/ledger';
import { MerkleTree } from '../../electron/core/ledger/merkle';
import { encodeRecord } from '../../electron/core/ledger/records';
import { loadLedgerKey } from '../../electron/core/ledger/keys';
import { signCheckpoint } from '../../electron/core/ledger/checkpoint';

export const BENCH_CACHE = join(homedir(), '.cache', 'custodian', 'bench');

export interface Fixture {
  /** The station home (the ledger is `<home>/ledger`). */
  home: string;
  dir: string;
  entries: number;
  entriesBytes: number;
  historyBytes: number;
  /** Set when this run built it. */
  builtMs?: number;
}

const hex = (n: number) => randomBytes(n).toString('hex');
export const deviceOf = (i: number): string => `dev-${String(i).padStart(8, '0')}`;
export const serialOf = (i: number): string => `1${i.toString(16).padStart(15, '0')}`;
export const workOrderOf = (i: number): string => `WO-${Math.floor(i / 3000)}`;

export function intentBody(i: number) {
  return {
    deviceId: deviceOf(i), subject: `CN=${deviceOf(i)}`, serialHex: serialOf(i),
    spkiSha256: hex(32), csrSha256: hex(32), issuerFingerprint: 'a'.repeat(64), profile: 'device-leaf',
    notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2036-01-01T00:00:00.000Z', operator: 'operator-07', workOrder: workOrderOf(i),
  };
}

/** The fixture of `n` entries, built if absent (progress on stderr). */
export function ledgerFixture(n: number): Fixture {
  const home = join(BENCH_CACHE, `ledger-${n}`);
  const dir = join(home, 'ledger');
  const marker = join(home, 'fixture.json');
  if (existsSync(marker)) return { home, dir, ...(JSON.parse(readFileSync(marker, 'utf8')) as Omit<Fixture, 'home' | 'dir'>) };
  const t0 = performance.now();
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  const l = Ledger.create({ dir, stationId: `bench-${n}` });
  const genesis = l.entryBytes(0);
  const origin = l.origin;
  l.close();
  rmSync(join(dir, 'index'), { recursive: true, force: true });
  const signer = loadLedgerKey(dir, origin);
  const tree = new MerkleTree();
  tree.appendEntry(genesis);
  const fd = openSync(join(dir, 'entries.jsonl'), 'a');
  const hfd = openSync(join(dir, 'checkpoints.jsonl'), 'a');
  let chunk: Buffer[] = [];
  let hchunk: string[] = [];
  let chunkBytes = 0;
  const flush = () => {
    writeSync(fd, Buffer.concat(chunk));
    writeSync(hfd, hchunk.join(''));
    chunk = [];
    hchunk = [];
    chunkBytes = 0;
  };
  const at = '2026-03-02T10:15:00.000Z';
  const nl = Buffer.from('\n');
  let lastNote = '';
  let intent = -1;
  let shown = 0;
  for (let i = 1; i < n; i++) {
    const phase = (i - 1) % 3;
    const line = phase === 0
      ? encodeRecord('intent', i, at, intentBody(i))
      : phase === 1
        ? encodeRecord('done', i, at, { intent, deviceId: deviceOf(intent), serialHex: serialOf(intent), issuerFingerprint: 'a'.repeat(64), certSha256: hex(32), cert: randomBytes(500).toString('base64') })
        : encodeRecord('outcome', i, at, { intent, result: 'passed' });
    if (phase === 0) intent = i;
    tree.appendEntry(line);
    chunk.push(line, nl);
    chunkBytes += line.length + 1;
    if (phase === 1) {
      lastNote = signCheckpoint({ origin, size: tree.size, root: tree.root(), extensions: [] }, signer);
      hchunk.push(`${JSON.stringify(lastNote)}\n`);
    }
    if (chunkBytes > 8 << 20) flush();
    if (i - shown >= 1_000_000) {
      shown = i;
      process.stderr.write(`  fixture ${n}: ${i} entries written (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
    }
  }
  // The ledger closes with a checkpoint of everything (the last outcome included).
  lastNote = signCheckpoint({ origin, size: tree.size, root: tree.root(), extensions: [] }, signer);
  hchunk.push(`${JSON.stringify(lastNote)}\n`);
  flush();
  fsyncSync(fd);
  fsyncSync(hfd);
  closeSync(fd);
  closeSync(hfd);
  writeFileSync(join(dir, 'checkpoint'), lastNote);
  const f = { entries: n, entriesBytes: statSync(join(dir, 'entries.jsonl')).size, historyBytes: statSync(join(dir, 'checkpoints.jsonl')).size };
  writeFileSync(marker, JSON.stringify(f));
  return { home, dir, ...f, builtMs: performance.now() - t0 };
}
