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
  const time = (f: (i: number) => unknown): { avg: number; max: number; p99: number } => {
    for (let k = 0; k < 5; k++) f(pick()); // prepared statements and their first pages
    let max = 0;
    const times: number[] = [];
    const t0 = performance.now();
    for (let k = 0; k < 200; k++) {
      const t = performance.now();
      if (!(f(pick()) as unknown[]).length) throw new Error('a lookup found nothing');
      times.push(performance.now() - t);
      max = Math.max(max, times.at(-1)!);
    }
    return { avg: (performance.now() - t0) / 200, max, p99: times.sort((a, b) => a - b)[Math.floor(times.length * 0.99)]! };
  };
  const d = time((i) => l.search({ deviceId: deviceOf(i) }));
  const s = time((i) => l.search({ serialHex: serialOf(i) }));
  const w = time((i) => l.search({ workOrder: workOrderOf(i), limit: 50 }));
  const p = time((i) => proofsFor(l, deviceOf(i)));
  Object.assign(out, {
    deviceMs: d.avg, deviceMaxMs: d.max, deviceP99Ms: d.p99, serialMs: s.avg, serialMaxMs: s.max, serialP99Ms: s.p99,
    workOrderMs: w.avg, workOrderMaxMs: w.max, workOrderP99Ms: w.p99, proofMs: p.avg,
  });
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
  const cpu0 = process.cpuUsage();
  const main0 = process.threadCpuUsage();
  const t0 = performance.now();
  for (const _ of l.verify()) { /* progress */ }
  out.ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const main = process.threadCpuUsage(main0);
  // CPU per thread: on two otherwise idle cores the wall time approaches the larger of the two.
  out.mainCpuMs = (main.user + main.system) / 1000;
  out.workerCpuMs = (cpu.user + cpu.system) / 1000 - out.mainCpuMs;
  l.close();
} else if (kind === 'sha256') {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const fd = openSync(join(dir, 'entries.jsonl'), 'r');
  const buf = Buffer.allocUnsafe(16 << 20);
  const h = createHash('sha256');
  for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
  h.digest();
  closeSync(fd);
  out.ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  out.cpuMs = (cpu.user + cpu.system) / 1000;
} else {
  throw new Error(`unknown case ${kind}`);
}
// VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forked parent.
out.peakRssMb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) / 1024;
process.stdout.write(`${JSON.stringify(out)}\n`);
