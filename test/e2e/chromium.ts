/**
 * Where the Chromium tests find Chromium, and what they do without it.
 * Outside CI they skip, saying why. Under CI (the `CI` variable CI services
 * set) a missing Chromium fails them: a CI run never passes with its browser
 * tests unrun.
 */
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';

/** Debian's chromium package; `CUSTODIAN_CHROMIUM` names another binary. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

type Env = Readonly<Record<string, string | undefined>>;

export type ChromiumGate =
  | { run: true; path: string }
  /** `fail`: under CI, where a missing Chromium is an error, not a reason to skip. */
  | { run: false; fail: boolean; reason: string };

/** `CI` set to anything but '', '0' or 'false'. */
export function isCi(env: Env = process.env): boolean {
  const v = env.CI?.trim().toLowerCase();
  return v !== undefined && v !== '' && v !== '0' && v !== 'false';
}

export function chromiumPath(env: Env = process.env): string {
  return env.CUSTODIAN_CHROMIUM || DEFAULT_CHROMIUM;
}

/** Run, skip or fail the Chromium tests, from the environment and whether the binary exists. */
export function chromiumGate(env: Env = process.env, exists: (path: string) => boolean = existsSync): ChromiumGate {
  const path = chromiumPath(env);
  if (exists(path)) return { run: true, path };
  const install = 'install the chromium package or set CUSTODIAN_CHROMIUM';
  return isCi(env)
    ? { run: false, fail: true, reason: `no Chromium at ${path}, and under CI the Chromium tests must run (${install})` }
    : { run: false, fail: false, reason: `no Chromium at ${path} (${install})` };
}

/**
 * `describe` for a suite that drives Chromium. Without Chromium it skips,
 * saying why, or under CI registers one failing test in its place.
 * `notReady` is another reason to skip (checked only once Chromium is there
 * or may be skipped for).
 */
export function describeChromium(name: string, body: () => void, opts: { gate?: ChromiumGate; notReady?: string } = {}): void {
  const gate = opts.gate ?? chromiumGate();
  if (!gate.run && gate.fail) {
    describe(name, () => {
      it('has Chromium to run in', () => {
        throw new Error(gate.reason);
      });
    });
    return;
  }
  const skip = gate.run ? opts.notReady : gate.reason;
  if (skip === undefined) {
    describe(name, body);
    return;
  }
  console.warn(`${name}: skipped: ${skip}`);
  describe.skip(name, body);
}
