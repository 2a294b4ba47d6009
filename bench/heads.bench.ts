/**
 * A line of N heads: aggregate devices per minute with N = 1, 4, 8 and 16
 * simulated heads at 115200 baud, in one run, each against N × the
 * single-head rate measured in the same run.
 *
 * Each head is a simulator child process on its own socat pty (wire-time
 * emulation on, 120 ms secure-element keygen), swapping in fresh devices as
 * each commits; the station serves all heads with serveLine (the `custodian
 * provision --port … --watch` code path) under one session into one real
 * ledger with group commit and fsync.
 *
 * Rate: only the window in which every head is past its warm-up and none has
 * finished counts: devices completed in it ÷ its length. The station's CPU
 * (process.cpuUsage over the window; the simulators run in their own
 * processes) is given as a share of one core. An extra N = 16 run with one
 * fsync per record (no group commit) shows what group commit is worth here.
 */
import { mkdtempSync, readlinkSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Authority } from '../electron/core/authority/index';
import { nodeIo, type LedgerIo } from '../electron/core/ledger/index';
import { serveLine, startStationSession, stationLedger } from '../electron/core/line/index';
import { DEFAULT_SETTINGS } from '../electron/shared/api/settings';
import { BAUD, KEYGEN_DELAY_MS, MAX_PAYLOAD, startSimChild, testIssuerSource, type SimChild } from './provisioning/support';
import type { BenchReport } from './run';

const HEAD_COUNTS = [1, 4, 8, 16] as const;
/** Devices per head not counted (first compiles, the ledger's first files, heads starting at different moments). */
const WARMUP = 2;
const MEASURED = 14;
/** Aggregate rate at least this share of N × the single-head rate. */
const target = (n: number): number => (n <= 8 ? 0.9 : 0.8);

interface LineRun {
  heads: number;
  grouped: boolean;
  perMinute: number;
  windowMs: number;
  counted: number;
  cpuShare: number;
  /** fsyncs of entries.jsonl per device, over the whole run. */
  entryFsyncs: number;
}

/** The ledger's fsyncs of entries.jsonl, counted. */
function countingIo(): { io: LedgerIo; entryFsyncs: () => number } {
  let n = 0;
  return {
    io: { ...nodeIo, fsyncSync: (fd) => { if (readlinkSync(`/proc/self/fd/${fd}`).endsWith('entries.jsonl')) n++; nodeIo.fsyncSync(fd); } },
    entryFsyncs: () => n,
  };
}

async function runLine(issuerSource: Awaited<ReturnType<typeof testIssuerSource>>, heads: number, grouped: boolean): Promise<LineRun> {
  const dir = mkdtempSync(join(tmpdir(), `bench-heads-${heads}-`));
  const perHead = WARMUP + MEASURED;
  const sims: SimChild[] = await Promise.all(Array.from({ length: heads }, (_, h) => {
    const ids = Array.from({ length: perHead }, (_, i) => `h${String(h).padStart(2, '0')}-${String(i).padStart(3, '0')}`);
    return startSimChild(dir, ids[0]!, ids.slice(1).map((id) => join(dir, id)));
  }));
  const counting = countingIo();
  const ledger = stationLedger(join(dir, 'home'), { stationId: 'bench', io: counting.io });
  const { ledger: l } = ledger.writable();
  // One fsync per record, as before group commit: the comparison row.
  if (!grouped) l.appendDurable = (type, body) => Promise.resolve(l.append(type, body));
  const authority = { issuer: () => issuerSource } as unknown as Authority;
  const session = startStationSession({ authority, ledger, settings: DEFAULT_SETTINGS, trustAnchors: [] });
  const ends = new Map<string, number[]>();
  const stop = new AbortController();
  const cpuAt: Array<{ t: number; cpu: NodeJS.CpuUsage }> = [];
  let finished = 0;
  const fsync0 = counting.entryFsyncs();
  try {
    await serveLine({
      session, ports: sims.map((s) => s.path), baud: BAUD, signal: stop.signal, run: { operator: 'bench' }, pollMs: 20,
      onResult: (path, r) => {
        if (r.result !== 'passed') throw new Error(`${path}: ${r.error.code} ${r.error.message}`);
        const t = performance.now();
        const list = ends.get(path) ?? [];
        list.push(t);
        ends.set(path, list);
        cpuAt.push({ t, cpu: process.cpuUsage() });
        if (list.length === perHead && ++finished === heads) stop.abort();
      },
    });
  } finally {
    ledger.close();
    await Promise.all(sims.map((s) => s.stop()));
  }
  const lists = [...ends.values()];
  const tA = Math.max(...lists.map((x) => x[WARMUP - 1]!));
  const tB = Math.min(...lists.map((x) => x.at(-1)!));
  const counted = lists.flat().filter((t) => t > tA && t <= tB).length;
  const cpuA = cpuAt.find((c) => c.t >= tA)!;
  const cpuB = [...cpuAt].reverse().find((c) => c.t <= tB)!;
  const cpuMs = (cpuB.cpu.user + cpuB.cpu.system - cpuA.cpu.user - cpuA.cpu.system) / 1000;
  return {
    heads, grouped, counted, windowMs: tB - tA, perMinute: (counted / (tB - tA)) * 60_000, cpuShare: cpuMs / Math.max(1, cpuB.t - cpuA.t),
    entryFsyncs: (counting.entryFsyncs() - fsync0) / (heads * perHead),
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

export default async function headsBench(): Promise<BenchReport> {
  const issuerSource = await testIssuerSource();
  const load0 = loadavg();
  const runs: LineRun[] = [];
  for (const n of HEAD_COUNTS) runs.push(await runLine(issuerSource, n, true));
  const ungrouped = await runLine(issuerSource, 16, false);
  const single = runs[0]!.perMinute;
  const ratio = (r: LineRun): number => r.perMinute / (r.heads * single);
  const row = (r: LineRun): string =>
    `    ${String(r.heads).padStart(5)}   ${r.grouped ? 'group commit ' : 'fsync/record'}   ${r.perMinute.toFixed(1).padStart(8)}   ${(r.heads * single).toFixed(1).padStart(8)}   ${ratio(r).toFixed(3).padStart(6)}   ${pct(r.cpuShare).padStart(8)}   ${r.entryFsyncs.toFixed(2).padStart(6)}   ${String(r.counted).padStart(4)} in ${(r.windowMs / 1000).toFixed(1)} s`;
  const lines = [
    `link: ${BAUD} baud 8N1 over socat ptys, one simulator child per head (wire-time emulation on, keygen ${KEYGEN_DELAY_MS} ms, ${MAX_PAYLOAD}-byte frames)`,
    `line: serveLine (\`provision --port … --watch\`), one session, one ledger with fsync; ${WARMUP} warm-up + ${MEASURED} fresh devices per head`,
    '',
    '    heads   ledger         dev/min   N × 1-head   ratio   station CPU (of one core)   entry fsyncs/device   counted',
    ...runs.map(row),
    row(ungrouped),
    '',
    `group commit at 16 heads: ${runs[3]!.perMinute.toFixed(1)} dev/min with ${runs[3]!.entryFsyncs.toFixed(2)} entry fsyncs per device, against ${ungrouped.perMinute.toFixed(1)} dev/min with ${ungrouped.entryFsyncs.toFixed(2)} (one per record)`,
    `machine load average: ${load0.map((x) => x.toFixed(1)).join(' ')} at start, ${loadavg().map((x) => x.toFixed(1)).join(' ')} at end, on ${cpus().length} CPUs`,
  ];
  return {
    name: 'a line of N heads (115200 baud)',
    lines,
    targets: runs.slice(1).map((r) => ({
      label: `${r.heads} heads: ${r.perMinute.toFixed(1)} devices/min = ${ratio(r).toFixed(3)} × (${r.heads} × ${single.toFixed(1)}), target ≥ ${target(r.heads)} ×; station CPU ${pct(r.cpuShare)} of one core`,
      met: ratio(r) >= target(r.heads),
    })),
  };
}
