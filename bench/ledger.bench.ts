/**
 * Ledger benchmark (npm run bench -- ledger):
 *  - durable appends per second, against raw writeSync+fsyncSync of the same bytes (same run);
 *  - open + full verification of a 1,000,000-entry ledger (target <= 10 s);
 *  - one inclusion proof (tlog-proof) on that ledger (target <= 10 ms);
 *  - the UI's paged read and search on that ledger;
 *  - bytes per entry.
 * The 1M fixture is realistic (intent / done with a 500-byte DER / outcome per
 * issuance, a signed checkpoint after every non-intent record) but written in
 * bulk without per-entry fsync. Set CUSTODIAN_BENCH_KEEP=1 to keep it in $TMPDIR.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes, createHash } from 'node:crypto';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchReport } from './run';
import { Ledger } from '../electron/core/ledger/ledger';
import { MerkleTree } from '../electron/core/ledger/merkle';
import { encodeRecord } from '../electron/core/ledger/records';
import { loadLedgerKey } from '../electron/core/ledger/keys';
import { signCheckpoint } from '../electron/core/ledger/checkpoint';
import { proofsFor } from '../electron/core/ledger/bundle';

const N = 1_000_000;
const hex = (n: number) => randomBytes(n).toString('hex');

function intentBody(i: number) {
  return {
    deviceId: `dev-${String(i).padStart(8, '0')}`, subject: `CN=dev-${String(i).padStart(8, '0')}`, serialHex: `1${hex(15)}`,
    spkiSha256: hex(32), csrSha256: hex(32), issuerFingerprint: 'a'.repeat(64), profile: 'device-leaf',
    notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2036-01-01T00:00:00.000Z', operator: 'operator-07', workOrder: `WO-${Math.floor(i / 1000)}`,
  };
}

function benchAppends(dir: string, count: number): { ledgerPerSec: number; rawPerSec: number; issuancePerSec: number } {
  const l = Ledger.create({ dir: join(dir, 'appends'), stationId: 'bench-appends' });
  const fd = openSync(join(dir, 'raw.jsonl'), 'w');
  let pos = 0;
  let ledgerMs = 0;
  let rawMs = 0;
  // Interleaved rounds, so both sides see the same disk and machine load.
  const rounds = 10;
  for (let r = 0; r < rounds; r++) {
    const bytes: Buffer[] = [];
    let t0 = performance.now();
    for (let i = 0; i < count / rounds; i++) {
      const { index } = l.append('intent', intentBody(r * count + i));
      bytes.push(l.entryBytes(index));
    }
    ledgerMs += performance.now() - t0;
    t0 = performance.now();
    for (const b of bytes) {
      const line = Buffer.concat([b, Buffer.from('\n')]);
      writeSync(fd, line, 0, line.length, pos);
      fsyncSync(fd);
      pos += line.length;
    }
    rawMs += performance.now() - t0;
  }
  closeSync(fd);
  // Full issuances: intent + done + outcome under the ledger's checkpoint policy (a signed, atomically replaced checkpoint covers each done record).
  const issuances = Math.max(10, Math.floor(count / 4));
  const t0 = performance.now();
  for (let i = 0; i < issuances; i++) {
    const intent = l.append('intent', intentBody(count + i)).index;
    l.append('done', { intent, deviceId: `dev-${i}`, serialHex: 'ab', issuerFingerprint: 'a'.repeat(64), certSha256: hex(32), cert: randomBytes(500).toString('base64') });
    l.append('outcome', { intent, result: 'passed' });
  }
  const issuancePerSec = issuances / ((performance.now() - t0) / 1000);
  l.close();
  return { ledgerPerSec: count / (ledgerMs / 1000), rawPerSec: count / (rawMs / 1000), issuancePerSec };
}

/** Write a realistic N-entry ledger in bulk (no fsync per entry), with its checkpoint history. */
function buildFixture(dir: string): { entriesBytes: number; historyBytes: number; millis: number } {
  const t0 = performance.now();
  const l = Ledger.create({ dir, stationId: 'bench-1m' });
  const genesis = l.entryBytes(0);
  const origin = l.origin;
  l.close();
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
  let lastNote = '';
  let intent = -1;
  for (let i = 1; i < N; i++) {
    const phase = (i - 1) % 3;
    const line = phase === 0
      ? encodeRecord('intent', i, at, intentBody(i))
      : phase === 1
        ? encodeRecord('done', i, at, { intent, deviceId: `dev-${String(intent).padStart(8, '0')}`, serialHex: `1${hex(15)}`, issuerFingerprint: 'a'.repeat(64), certSha256: hex(32), cert: randomBytes(500).toString('base64') })
        : encodeRecord('outcome', i, at, { intent, result: 'passed' });
    if (phase === 0) intent = i;
    tree.appendEntry(line);
    chunk.push(line, Buffer.from('\n'));
    chunkBytes += line.length + 1;
    if (phase !== 0) {
      lastNote = signCheckpoint({ origin, size: tree.size, root: tree.root(), extensions: [] }, signer);
      hchunk.push(`${JSON.stringify(lastNote)}\n`);
    }
    if (chunkBytes > 8 << 20) flush();
  }
  if (lastNote === '' || tree.size % 3 === 2) {
    lastNote = signCheckpoint({ origin, size: tree.size, root: tree.root(), extensions: [] }, signer);
    hchunk.push(`${JSON.stringify(lastNote)}\n`);
  }
  flush();
  fsyncSync(fd);
  fsyncSync(hfd);
  closeSync(fd);
  closeSync(hfd);
  writeFileSync(join(dir, 'checkpoint'), lastNote);
  return {
    entriesBytes: statSync(join(dir, 'entries.jsonl')).size,
    historyBytes: statSync(join(dir, 'checkpoints.jsonl')).size,
    millis: performance.now() - t0,
  };
}

export default async function ledgerBench(): Promise<BenchReport> {
  const lines: string[] = [];
  const targets: { label: string; met: boolean }[] = [];
  const work = join(tmpdir(), 'custodian-ledger-bench');
  rmSync(join(work, 'appends'), { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  const a = benchAppends(work, 300);
  lines.push(
    `durable appends (intent, write+fsync): ${a.ledgerPerSec.toFixed(0)}/s; raw writeSync+fsyncSync of the same bytes: ${a.rawPerSec.toFixed(0)}/s; ratio ${(a.ledgerPerSec / a.rawPerSec).toFixed(2)}`,
    `full issuances (intent + done + outcome, a signed checkpoint in the fsynced history covering each done; checkpoint file replaced atomically within 2 s): ${a.issuancePerSec.toFixed(0)}/s`,
  );

  const fixture = join(work, 'ledger-1m');
  const keep = process.env.CUSTODIAN_BENCH_KEEP === '1';
  if (!keep || !existsSync(join(fixture, 'checkpoint'))) {
    rmSync(fixture, { recursive: true, force: true });
    const f = buildFixture(fixture);
    lines.push(`fixture: ${N} entries, ${(f.entriesBytes / 1e6).toFixed(0)} MB entries + ${(f.historyBytes / 1e6).toFixed(0)} MB checkpoint history, built in ${(f.millis / 1000).toFixed(1)} s`);
  }
  const entriesBytes = statSync(join(fixture, 'entries.jsonl')).size;
  const historyBytes = statSync(join(fixture, 'checkpoints.jsonl')).size;

  const load = loadavg()[0]!;
  const threadCpu = (process as { threadCpuUsage?: (prev?: NodeJS.CpuUsage) => NodeJS.CpuUsage }).threadCpuUsage?.bind(process);
  const cpu0 = process.cpuUsage();
  const main0 = threadCpu?.();
  const t0 = performance.now();
  const l = Ledger.open({ dir: fixture, readOnly: true });
  const openMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const mainCpu = main0 && threadCpu ? threadCpu(main0) : null;
  // Baseline: plain SHA-256 of the same bytes, no tree, no parsing.
  const t1 = performance.now();
  {
    const fd = openSync(join(fixture, 'entries.jsonl'), 'r');
    const buf = Buffer.allocUnsafe(16 << 20);
    const h = createHash('sha256');
    for (let n; (n = (await import('node:fs')).readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
    h.digest();
    closeSync(fd);
  }
  const hashMs = performance.now() - t1;
  lines.push(`open + verify ${l.size} entries (re-hash, tree, index, checkpoint and history checks): ${(openMs / 1000).toFixed(2)} s wall, ` +
    `${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU over 2 threads (1-min load average before: ${load.toFixed(1)} on ${availableParallelism()} CPUs); ` +
    `baseline plain SHA-256 of the file: ${(hashMs / 1000).toFixed(2)} s; ratio ${(openMs / hashMs).toFixed(1)}`);
  if (mainCpu) {
    const mainS = (mainCpu.user + mainCpu.system) / 1e6;
    const workerS = (cpu.user + cpu.system) / 1e6 - mainS;
    lines.push(`  CPU per thread: main ${mainS.toFixed(2)} s, hashing worker ${workerS.toFixed(2)} s ` +
      `(on 2 otherwise idle cores the wall time approaches the larger of the two)`);
  }
  targets.push({ label: `open+verify 1M entries <= 10 s (${(openMs / 1000).toFixed(2)} s)`, met: openMs <= 10_000 });

  const samples = 1000;
  const t2 = performance.now();
  for (let i = 0; i < samples; i++) {
    const dev = 1 + 3 * Math.floor(Math.random() * ((N - 2) / 3));
    proofsFor(l, `dev-${String(dev).padStart(8, '0')}`);
  }
  const proofMs = (performance.now() - t2) / samples;
  lines.push(`tlog-proof for a device (lookup, inclusion proof, format): ${proofMs.toFixed(3)} ms`);
  targets.push({ label: `one inclusion proof <= 10 ms (${proofMs.toFixed(3)} ms)`, met: proofMs <= 10 });

  const t3 = performance.now();
  for (let i = 0; i < 100; i++) l.list(Math.floor(Math.random() * (N - 50)), 50);
  const pageMs = (performance.now() - t3) / 100;
  const t4 = performance.now();
  for (let i = 0; i < 100; i++) l.search({ workOrder: `WO-${Math.floor(Math.random() * 999)}`, limit: 50 });
  const searchMs = (performance.now() - t4) / 100;
  lines.push(`UI: page of 50 entries ${pageMs.toFixed(2)} ms; search by work order (first 50) ${searchMs.toFixed(2)} ms`);
  lines.push(`bytes per entry: ${(entriesBytes / l.size).toFixed(0)} (entries) + ${(historyBytes / l.size).toFixed(0)} (checkpoint history); ` +
    `memory after open: ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB RSS`);
  l.close();
  if (!keep) rmSync(work, { recursive: true, force: true });
  return { name: 'ledger', lines, targets };
}
