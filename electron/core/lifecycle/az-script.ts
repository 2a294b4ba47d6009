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

/** The script's header: strict mode and the environment it needs, each given a default when the export was told one. */
export function scriptHead(purpose: readonly string[], env: Readonly<Record<string, { why: string; value?: string | undefined }>>): string[] {
  const lines = ['#!/bin/sh', ...purpose.map((p) => `# ${p}`), 'set -eu', 'cd "$(dirname "$0")"'];
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
