/**
 * Which C toolchains the agent's tests need, and what happens without one:
 * under CI=true a missing tool fails the test (CI installs them, .ci/run);
 * on a workstation the test is skipped and says why.
 */
import { spawnSync } from 'node:child_process';

export const IN_CI = process.env.CI === 'true';

export function hasTool(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** null when `cmd` is there; else the reason a test must skip (or, in CI, fail). */
export function missing(cmd: string, pkg: string): string | null {
  if (hasTool(cmd)) return null;
  const why = `${cmd} not found (apt-get install ${pkg})`;
  if (IN_CI) throw new Error(`${why}: required under CI`);
  console.warn(`skipping: ${why}`);
  return why;
}

export function make(target: string, dir: string): { status: number; output: string } {
  const r = spawnSync('make', ['-s', '-C', dir, target], { encoding: 'utf8' });
  return { status: r.status ?? -1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
