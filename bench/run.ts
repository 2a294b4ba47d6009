/**
 * `npm run bench`: runs every bench/*.bench.ts in turn. Each module exports a
 * default async function that measures its subject *and* its baseline in the
 * same run and prints ratios, so results compare across machines.
 * `npm run bench -- ledger` runs only the benches whose file name contains "ledger".
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

export interface BenchReport {
  name: string;
  /** Human-readable lines, printed as they are. */
  lines: string[];
  /** Targets with their verdicts; any `false` makes the run exit non-zero. */
  targets?: { label: string; met: boolean }[];
}

const dir = fileURLToPath(new URL('.', import.meta.url));
const filter = process.argv[2];
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter))).sort();
let failed = 0;
for (const f of files) {
  const mod = (await import(pathToFileURL(join(dir, f)).href)) as { default: () => Promise<BenchReport> };
  const t0 = performance.now();
  const report = await mod.default();
  console.log(`\n## ${report.name}  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  for (const line of report.lines) console.log(`  ${line}`);
  for (const t of report.targets ?? []) {
    console.log(`  [${t.met ? 'met' : 'MISSED'}] ${t.label}`);
    if (!t.met) failed++;
  }
}
if (failed) {
  console.error(`\n${failed} benchmark target(s) missed`);
  process.exit(1);
}
