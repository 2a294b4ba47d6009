/**
 * Output conventions (docs/cli.md):
 *  - success, human mode: text on stdout;
 *  - success, --json: exactly one JSON document on stdout, nothing else there;
 *  - failure, --json: `{"error":{"code","message","details"}}` on stdout;
 *  - failure, human: `error[CODE]: message` and a hint on stderr;
 *  - never a stack trace for a CustodianError (an unexpected error prints its
 *    stack only with CUSTODIAN_DEBUG=1);
 *  - never a raw control, bidirectional or invisible format character
 *    (terminalText, jsonText): untrusted text reaches the terminal escaped.
 */
import { isCustodianError } from '../core/errors';
import { escapeUnsafe, replaceUnsafe } from '../shared/unsafe-text';
import { PASSPHRASE_RULE_TEXT } from '../shared/passphrase-rule';
import { ExitStatus, exitStatusFor, type ExitStatusValue } from './exit-codes';
import type { CliIo, CommandResult } from './types';

/**
 * Text for a terminal: control characters (ESC sequences, CR), bidirectional
 * overrides and invisible format characters shown as `\x1b` / `\u{202e}`,
 * so text from a CSR, a bundle, a device or a ledger can neither drive the
 * terminal nor reorder what the operator reads. Line feeds and tabs the
 * program composed stay; names escape their own (RFC 4514 hexpairs).
 */
export function terminalText(text: string): string {
  return escapeUnsafe(text, { keepLineBreaks: true });
}

/**
 * One JSON document with every unsafe character as a `\uXXXX` escape: the
 * same data for a program, nothing that acts on a terminal it is shown on.
 * JSON.stringify escapes C0 inside strings itself; DEL, C1, U+2028/9 and
 * format characters it leaves raw, and only inside strings, where an escape
 * means the same.
 */
export function jsonText(value: unknown): string {
  // A raw line feed is the layout's own: JSON.stringify writes one inside a string as `\n`.
  const units = (ch: string): string => (ch === '\n' ? ch : [...Array(ch.length).keys()].map((i) => `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''));
  return replaceUnsafe(JSON.stringify(value, null, 2), units);
}

export function writeResult(io: CliIo, json: boolean, result: CommandResult): void {
  if (json) {
    io.stdout.write(`${jsonText(result.data ?? null)}\n`);
    return;
  }
  const human = result.human ?? renderHuman(result.data);
  const text = terminalText(typeof human === 'string' ? human : human.join('\n'));
  if (text.length > 0) io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** A plain, indented key: value rendering for results without a custom text. */
export function renderHuman(data: unknown, indent = ''): string {
  if (data === null || data === undefined) return '';
  if (typeof data !== 'object') return `${indent}${String(data)}`;
  const lines: string[] = [];
  if (Array.isArray(data)) {
    for (const item of data) {
      if (item !== null && typeof item === 'object') {
        lines.push(`${indent}-`);
        lines.push(renderHuman(item, `${indent}  `));
      } else lines.push(`${indent}- ${String(item)}`);
    }
    return lines.join('\n');
  }
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    if (v === undefined) continue;
    if (v !== null && typeof v === 'object') {
      lines.push(`${indent}${k}:`);
      lines.push(renderHuman(v, `${indent}  `));
    } else lines.push(`${indent}${k}: ${String(v)}`);
  }
  return lines.join('\n');
}

/** Hints shown under `error[CODE]` in human mode, by exit family. */
const HINTS: Readonly<Record<number, string>> = {
  [ExitStatus.USAGE]: 'run `custodian --help` or `custodian <command> --help` for usage',
  [ExitStatus.INPUT]: 'check the input file: it must be the PEM/DER file handed over by the other custodian',
  [ExitStatus.POLICY]: 'the station refused this by policy; `custodian authority show` lists the current chain',
  [ExitStatus.VAULT]: 'check the passphrase and the station home (--home / CUSTODIAN_HOME)',
  [ExitStatus.DEVICE]: 'check the device connection and retry',
  [ExitStatus.LEDGER]: 'the ledger is append-only: run `custodian audit` to inspect it',
  [ExitStatus.INTERRUPTED]: 'nothing was changed',
};

/** Per-code hints that say more than the family hint. */
const CODE_HINTS: Readonly<Record<string, string>> = {
  VAULT_WRONG_PASSPHRASE: 'the passphrase does not open this key file; nothing was changed',
  AUTHORITY_NOT_CONFIGURED: 'create one with `custodian authority init-root` or `custodian authority request`',
  AUTHORITY_NOT_ACTIVE: 'import the bundle signed by the upstream custodian: `custodian authority import <bundle>`',
  AUTHORITY_KEY_MISMATCH: 'this bundle was issued for a different key; ask the upstream custodian to sign this station\'s request',
  CLI_PASSPHRASE_REQUIRED: 'use --passphrase-file <file>, set CUSTODIAN_PASSPHRASE, or run on a terminal',
  CLI_PASSPHRASE_ON_ARGV: 'use --passphrase-file <file> or CUSTODIAN_PASSPHRASE instead',
  CLI_PASSPHRASE_FILE_INVALID: 'a passphrase file holds the passphrase alone, as UTF-8 text; only one final line ending is removed',
  INPUT_TOO_LARGE: 'check the path: no file of this kind is that large (docs/cli.md, Input bounds)',
  VAULT_WEAK_PASSPHRASE: `choose a passphrase with ${PASSPHRASE_RULE_TEXT}`,
  LEDGER_LOCKED: 'one process at a time writes the ledger: stop the one named above, then run this command again',
  LEDGER_WRITE_FAILED: 'free disk space or fix the permissions of the station folder, then run the command again; `custodian ledger status` shows what the ledger holds',
  LEDGER_UNRECONCILED_INTENT: 'close each intent with the `custodian ledger reconcile` command above, then run this command again',
};

/** Print an error the conventional way and return the exit status. */
export function writeError(io: CliIo, json: boolean, err: unknown): ExitStatusValue {
  if (isCustodianError(err)) {
    const status = exitStatusFor(err.code);
    if (json) {
      io.stdout.write(`${jsonText({ error: { code: err.code, message: err.message, details: err.details } })}\n`);
    } else {
      io.stderr.write(`error[${err.code}]: ${terminalText(err.message)}\n`);
      const hint = CODE_HINTS[err.code] ?? HINTS[status];
      if (hint) io.stderr.write(`  hint: ${hint}\n`);
    }
    return status;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (json) {
    io.stdout.write(`${jsonText({ error: { code: 'UNEXPECTED', message, details: {} } })}\n`);
  } else {
    io.stderr.write(`error[UNEXPECTED]: ${terminalText(message)}\n  hint: this is a bug in custodian; rerun with CUSTODIAN_DEBUG=1 for details\n`);
  }
  if (io.env.CUSTODIAN_DEBUG === '1' && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  return ExitStatus.UNEXPECTED;
}
