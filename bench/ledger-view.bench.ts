/**
 * Ledger view benchmark (npm run bench -- ledger-view): the Ledger view with
 * 1,000,000 entries in Chromium through the test bridge (synthetic ledger, so
 * the UI is measured, not the ledger), timed in the page:
 *  - first rows on screen after opening the view (target < 1 s);
 *  - a scroll to the end shows the last entry (target: last index = size - 1).
 * Same-run baselines: the same view with 1,000 entries, and the raw time to
 * fetch one page (100 entries, the renderer's page size) over the bridge.
 * Rounds are interleaved so both sizes see the same machine load; medians.
 */
import { loadavg, availableParallelism } from 'node:os';
import type { BenchReport } from './run';
import { benchLedgerView } from '../test/e2e/ledger-bench';
import { hasChromium, startStation } from '../test/e2e/harness';
import { syntheticLedger } from '../test/e2e/fixtures';

const SIZE = 1_000_000;
const BASE = 1_000;
const ROUNDS = 3;
const FETCHES = 50;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** Median wall time of POST /api/ledger.page {start: 0, count: 100} from Node, after a warm-up. */
async function fetchFirstPageMs(size: number): Promise<number> {
  const station = await startStation({ ledger: syntheticLedger(size) });
  try {
    const once = async (): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(`${station.url}/api/ledger.page`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ arg: { start: 0, count: 100 } }),
      });
      const body = (await res.json()) as { ok: boolean; value?: { size: number; entries: unknown[] } };
      const ms = performance.now() - t0;
      if (!body.ok || body.value?.size !== size || body.value.entries.length !== 100) throw new Error('ledger.page over the bridge failed');
      return ms;
    };
    for (let i = 0; i < 5; i++) await once();
    const times: number[] = [];
    for (let i = 0; i < FETCHES; i++) times.push(await once());
    return median(times);
  } finally {
    await station.close();
  }
}

export default async function ledgerViewBench(): Promise<BenchReport> {
  const name = 'ledger-view';
  if (!hasChromium) {
    return { name, lines: ['skipped: /usr/bin/chromium is not installed'], targets: [{ label: 'Chromium available to measure the Ledger view', met: false }] };
  }
  const lines: string[] = [];
  const load = loadavg()[0]!;
  // Warm-up (builds the renderer once for this process, warms Chromium's disk cache).
  await benchLedgerView(BASE);

  const big: Awaited<ReturnType<typeof benchLedgerView>>[] = [];
  const small: Awaited<ReturnType<typeof benchLedgerView>>[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    big.push(await benchLedgerView(SIZE));
    small.push(await benchLedgerView(BASE));
  }
  const fetchMs = await fetchFirstPageMs(SIZE);

  const first = median(big.map((t) => t.firstRowsMs));
  const end = median(big.map((t) => t.scrollToEndMs));
  const firstBase = median(small.map((t) => t.firstRowsMs));
  const endBase = median(small.map((t) => t.scrollToEndMs));
  const worstFirst = Math.max(...big.map((t) => t.firstRowsMs));
  const lastShown = big.map((t) => t.lastIndexShown);
  const rows = Math.max(...big.map((t) => t.rowsInDom));

  lines.push(
    `${ROUNDS} rounds each, medians; 1-min load average before: ${load.toFixed(1)} on ${availableParallelism()} CPUs`,
    `first rows, ${SIZE.toLocaleString('en-US')} entries: ${first.toFixed(0)} ms (worst ${worstFirst.toFixed(0)} ms); ` +
      `baseline ${BASE.toLocaleString('en-US')} entries: ${firstBase.toFixed(0)} ms; ratio ${(first / firstBase).toFixed(2)}`,
    `  raw fetch of the first page (100 entries) over the bridge from Node: ${fetchMs.toFixed(1)} ms; view / fetch ratio ${(first / fetchMs).toFixed(1)}`,
    `scroll to end, ${SIZE.toLocaleString('en-US')} entries: ${end.toFixed(0)} ms; baseline ${BASE.toLocaleString('en-US')} entries: ${endBase.toFixed(0)} ms; ratio ${(end / endBase).toFixed(2)}`,
    `last index shown after the scroll: ${lastShown.join(', ')} (expected ${SIZE - 1}); rows in DOM: at most ${rows}`,
  );
  return {
    name,
    lines,
    targets: [
      { label: `first rows < 1 s at 1,000,000 entries (worst of ${ROUNDS}: ${worstFirst.toFixed(0)} ms)`, met: worstFirst < 1000 },
      { label: `scroll to end shows the last entry (#${SIZE - 1}) in every round`, met: lastShown.every((i) => i === SIZE - 1) },
    ],
  };
}
