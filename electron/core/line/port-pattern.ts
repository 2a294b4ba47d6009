/**
 * Ports named by a pattern (`/dev/ttyUSB*`, `/dev/serial/by-path/*usb*`): a
 * gang fixture behind a USB hub enumerates one adapter per head, and not all
 * at once, so a line serves whatever matches now and looks again while it
 * runs. Wildcards (`*`, `?`) are allowed in the last path segment only.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const isPortPattern = (port: string): boolean => /[*?]/.test(port);

/** Why a pattern cannot be used, or null when it can. */
export function portPatternProblem(pattern: string): string | null {
  if (!isPortPattern(pattern)) return null;
  if (!pattern.includes('/')) return 'a port pattern names a directory, e.g. /dev/ttyUSB*';
  if (isPortPattern(dirname(pattern))) return 'wildcards are allowed only in the last part of a port pattern';
  return null;
}

const toRegExp = (glob: string): RegExp =>
  new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

/** Natural order (ttyUSB2 before ttyUSB10), so heads number as the fixture does. */
const natural = new Intl.Collator('en', { numeric: true }).compare;

/** The paths that match `pattern` now, in natural order; a plain path is itself. */
export function matchPorts(pattern: string): string[] {
  if (!isPortPattern(pattern)) return [pattern];
  const dir = dirname(pattern);
  const re = toRegExp(basename(pattern));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return []; // the directory itself may appear later (a hub not yet enumerated)
  }
  return names.filter((n) => re.test(n)).sort(natural).map((n) => join(dir, n));
}
