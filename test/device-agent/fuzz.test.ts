/**
 * Hostile input: the libFuzzer target over the agent's frame reader and
 * command dispatcher (device-agent/fuzz/), built with ASan and UBSan and run
 * for a bounded time from the committed seed corpus (real provisioning
 * sessions). Any crash, sanitizer report or reply-check abort fails.
 * AGENT_FUZZ_SECONDS overrides the default 60 s.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_DIR } from '../support/device-agent';
import { make, missing } from './toolchain';

const SECONDS = Number(process.env.AGENT_FUZZ_SECONDS ?? 60);

describe('device agent under libFuzzer', () => {
  it('the seed corpus holds real sessions', () => {
    const seeds = readdirSync(join(AGENT_DIR, 'fuzz', 'corpus'));
    expect(seeds.filter((s) => s.startsWith('session-'))).toHaveLength(2);
    expect(seeds.length).toBeGreaterThan(20);
  });

  it(`survives ${SECONDS} s of fuzzing (ASan, UBSan) without a crash`, { timeout: (SECONDS + 120) * 1000 }, () => {
    if (missing('clang', 'clang')) return;
    const built = make('fuzz', AGENT_DIR);
    expect(built.status, built.output).toBe(0);
    const work = mkdtempSync(join(tmpdir(), 'agent-fuzz-'));
    try {
      // New units go to the scratch directory, never into the committed corpus.
      const r = spawnSync(
        join(AGENT_DIR, 'build', 'agent-fuzz'),
        [`-max_total_time=${SECONDS}`, '-max_len=8192', '-print_final_stats=1', `-artifact_prefix=${work}/`, work, join(AGENT_DIR, 'fuzz', 'corpus')],
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      );
      const log = `${r.stdout}${r.stderr}`;
      const execs = Number(log.match(/stat::number_of_executed_units:\s+(\d+)/)?.[1] ?? 0);
      console.log(`agent-fuzz: ${execs} executions in ${SECONDS} s`);
      expect(log, log.slice(-4000)).not.toMatch(/ERROR: (AddressSanitizer|libFuzzer|UndefinedBehaviorSanitizer)|runtime error:/);
      expect(r.status, log.slice(-4000)).toBe(0);
      expect(execs).toBeGreaterThan(1000);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
