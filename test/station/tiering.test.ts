/**
 * The line's tiering policy takes effect when set at run time: a function run
 * once per "device" is TurboFan-optimised after 150 devices with it and is
 * still in baseline code without it (V8's default waits ~3000 runs). Each case
 * runs in its own Node process (V8 flags are process-wide), with V8's natives
 * syntax to read the optimisation status and synchronous compiles so the
 * answer does not depend on a background thread's timing.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LINE_TIERING, tieringFlags } from '../../electron/core/station/tiering';

const MODULE = fileURLToPath(new URL('../../electron/core/station/tiering.ts', import.meta.url));
/** V8's OptimizationStatus bit for TurboFan code (src/runtime/runtime.h). */
const TURBOFANNED = 1 << 6;

function perDeviceStatus(tune: boolean, devices: number): { status: number; stderr: string } {
  const script = `
    const { tuneTieringForLine } = await import(${JSON.stringify(MODULE)});
    if (${tune}) tuneTieringForLine();
    function perDevice(d) { const id = d.id.toUpperCase(); const n = d.bytes.length + id.length; return { id, n, ok: n > 3 }; }
    let sum = 0;
    for (let i = 0; i < ${devices}; i++) sum += perDevice({ id: 'dev-' + i, bytes: new Uint8Array(i % 7) }).n;
    console.log(JSON.stringify({ status: %GetOptimizationStatus(perDevice), sum }));`;
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--no-concurrent-recompilation', '--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return { status: (JSON.parse(r.stdout.trim().split('\n').pop()!) as { status: number }).status, stderr: r.stderr };
}

describe('line tiering', () => {
  it('optimises once-per-device code after 150 devices; V8 defaults do not', () => {
    const tuned = perDeviceStatus(true, 150);
    expect(tuned.status & TURBOFANNED).toBe(TURBOFANNED);
    expect(tuned.stderr).not.toMatch(/unrecognized flag|unknown flag/i); // this V8 knows both flags
    const plain = perDeviceStatus(false, 150);
    expect(plain.status & TURBOFANNED).toBe(0);
  });

  it('builds the flags from the policy and refuses nonsense', () => {
    expect(tieringFlags()).toEqual([
      `--invocation-count-for-turbofan=${LINE_TIERING.turbofanAfterRuns}`,
      `--minimum-invocations-after-ic-update=${LINE_TIERING.runsAfterIcUpdate}`,
    ]);
    expect(() => tieringFlags({ turbofanAfterRuns: 0, runsAfterIcUpdate: 20 })).toThrow(/turbofanAfterRuns must be a positive integer/);
    expect(() => tieringFlags({ turbofanAfterRuns: 100, runsAfterIcUpdate: 1.5 })).toThrow(/runsAfterIcUpdate/);
  });
});
