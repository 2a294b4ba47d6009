/**
 * One ledger bench case in its own process, so its resident memory is its
 * own: `node case.js <case> <home>` prints one JSON line with the figures
 * and the process's peak RSS. Cases:
 *   rebuild  remove the index and build it again (open, as after its loss)
 *   open     open for writing until ready to sign, then lookups and the ledger view's first page
 *   verify   full verification (Ledger.verify) of every entry
 *   sha256   the baseline: a plain SHA-256 of entries.jsonl
 */
import { closeSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Ledger } from '../../electron/core/ledger/ledger';
import { proofsFor } from '../../electron/core/ledger/bundle';
import { stationLedger } from '../../electron/core/line/station-ledger';
import { ledgerAdapter } from '../../electron/core/service/adapters/ledger';
import type { Authority } from '../../electron/core/authority/index';
import { deviceOf, serialOf, workOrderOf } from './fixture';

const [kind, home] = process.argv.slice(2) as [string, string];
const dir = join(home, 'ledger');
const out: Record<string, number> = {};
const rss = () => process.memoryUsage().rss / 1e6;

function lookups(l: Ledger): void {
  const intents = Math.floor((l.size - 1) / 3);
  const pick = () => 1 + 3 * Math.floor(Math.random() * intents);
  const time = (f: (i: number) => unknown): { avg: number; max: number } => {
    for (let k = 0; k < 5; k++) f(pick()); // prepared statements and their first pages
    let max = 0;
    const t0 = performance.now();
    for (let k = 0; k < 200; k++) {
      const t = performance.now();
      if (!(f(pick()) as unknown[]).length) throw new Error('a lookup found nothing');
      max = Math.max(max, performance.now() - t);
    }
    return { avg: (performance.now() - t0) / 200, max };
  };
  const d = time((i) => l.search({ deviceId: deviceOf(i) }));
  const s = time((i) => l.search({ serialHex: serialOf(i) }));
  const w = time((i) => l.search({ workOrder: workOrderOf(i), limit: 50 }));
  const p = time((i) => proofsFor(l, deviceOf(i)));
  Object.assign(out, { deviceMs: d.avg, deviceMaxMs: d.max, serialMs: s.avg, serialMaxMs: s.max, workOrderMs: w.avg, workOrderMaxMs: w.max, proofMs: p.avg });
}

if (kind === 'rebuild') {
  rmSync(join(dir, 'index'), { recursive: true, force: true });
  const t0 = performance.now();
  Ledger.open({ dir }).close();
  out.ms = performance.now() - t0;
} else if (kind === 'open') {
  const t0 = performance.now();
  // The app's path: the station ledger opened for writing (plain key: ready to sign), then the ledger view's first page.
  const station = stationLedger(home, 'bench');
  const { ledger } = station.writable();
  out.ms = performance.now() - t0;
  if (ledger.keyLocked || ledger.openReport.index.hashed !== 0) throw new Error('not ready to sign from a current index');
  out.rssAfterOpen = rss();
  const port = ledgerAdapter(station, undefined as unknown as Authority);
  const t1 = performance.now();
  const rows = await port.read(0, 100);
  out.firstPageMs = performance.now() - t1;
  out.openToFirstRowsMs = performance.now() - t0;
  if (rows.length !== 100) throw new Error('no first page');
  lookups(ledger);
  station.close();
} else if (kind === 'verify') {
  const l = Ledger.open({ dir, readOnly: true });
  const t0 = performance.now();
  for (const _ of l.verify()) { /* progress */ }
  out.ms = performance.now() - t0;
  l.close();
} else if (kind === 'sha256') {
  const t0 = performance.now();
  const fd = openSync(join(dir, 'entries.jsonl'), 'r');
  const buf = Buffer.allocUnsafe(16 << 20);
  const h = createHash('sha256');
  for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
  h.digest();
  closeSync(fd);
  out.ms = performance.now() - t0;
} else {
  throw new Error(`unknown case ${kind}`);
}
// VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forked parent.
out.peakRssMb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) / 1024;
process.stdout.write(`${JSON.stringify(out)}\n`);
