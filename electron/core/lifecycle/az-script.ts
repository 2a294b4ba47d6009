/**
 * The `az` command lines of the hub hand-over, as POSIX shell scripts the
 * brand owner runs on a connected machine from the export folder. Every
 * value from the station (names, device IDs) is single-quoted; the hub, DPS
 * and resource group come from the environment so one export serves any hub.
 */

/** A word for sh: single-quoted unless plainly safe. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export const cmd = (...words: string[]): string => words.join(' ');

/**
 * `--name=value` as one word: argparse (az) then takes the value as the
 * option's even when it starts with `-`, where `--name -x` reads -x as an
 * option. `value` is a shell word already (quoted, or "$1").
 */
export const optEq = (name: string, value: string): string => `--${name}=${value}`;

/** A file of the export, relative to the script's folder (a path of plain characters). */
export const here = (path: string): string => `"$HERE/${path}"`;

/**
 * The script's header: strict mode and the environment it needs, each given
 * a default when the export was told one. `itemized` scripts run every item
 * whatever an earlier one did (`set -u`, no `-e`): see itemLoop.
 */
export function scriptHead(purpose: readonly string[], env: Readonly<Record<string, { why: string; value?: string | undefined }>>, itemized = false): string[] {
  // Files of the export are named from the script's own folder, arguments from the caller's.
  const lines = ['#!/bin/sh', ...purpose.map((p) => `# ${p}`), itemized ? 'set -u' : 'set -eu', 'HERE="$(cd "$(dirname "$0")" && pwd)"'];
  for (const [name, e] of Object.entries(env)) {
    lines.push(e.value !== undefined ? `${name}="\${${name}:-${e.value.replace(/[\\"`$]/g, (c) => `\\${c}`)}}"` : `: "\${${name}:?set ${name} to ${e.why}}"`);
  }
  return lines;
}

/** `case "$1"` over named steps; each step's lines run in order. */
export function steps(script: string, s: Readonly<Record<string, { usage: string; lines: readonly string[] }>>): string[] {
  const usage = Object.values(s).map((x) => `sh ${script} ${x.usage}`).join(' | ');
  return [
    'case "${1:-}" in',
    ...Object.entries(s).flatMap(([name, x]) => [`  ${name})`, ...x.lines.map((l) => `    ${l}`), '    ;;']),
    `  *) echo ${shellWord(`usage: ${usage}`)} >&2; exit 2 ;;`,
    'esac',
  ];
}

/**
 * The body of an itemized script: shell functions (each makes one item so,
 * show first, then update or create, so a second run does no harm), one call
 * per item, and a summary that exits 1 when any item failed. A failed item is
 * reported on stderr as `FAILED <what>` and does not stop the others.
 */
export function itemLoop(functions: readonly string[], calls: readonly string[], what: string): string[] {
  return [
    'FAILED=0',
    'failed() { FAILED=$((FAILED + 1)); echo "FAILED $*" >&2; }',
    ...functions,
    ...calls,
    `if [ "$FAILED" -gt 0 ]; then echo "$FAILED of ${calls.length} ${what} failed (listed above as FAILED); fix the cause and run this script again: each step checks what is there first" >&2; exit 1; fi`,
    `echo ${shellWord(`${calls.length} ${what} done`)}`,
  ];
}
