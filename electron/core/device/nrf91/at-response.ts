/**
 * Classifies one AT line (nRF91 AT command reference, "AT command syntax" /
 * "Response"): a final result (`OK`, `ERROR`, `+CME ERROR: <n>`,
 * `+CMS ERROR: <n>`), an information line of the running command, or an
 * unsolicited result code (URC).
 *
 * A line that starts with a `+X:`, `%X:` or `#X:` prefix is the running
 * command's when the prefix is one of the command's own (derived from the
 * command text: `AT%KEYGEN=...` → `%KEYGEN`; `AT+CFUN=4;%CMNG=1` → `+CFUN`,
 * `%CMNG`), and a URC otherwise (`+CEREG:`, `%CESQ:`, `%XSIM:`, `%MDMEV:` …).
 * A line without a prefix (the IMEI for `AT+CGSN`) is information. With no
 * command running, every non-final line is a URC.
 *
 * Ambiguity the protocol leaves: a URC with the same prefix as the running
 * command (a `+CEREG:` notification during `AT+CEREG?`) is taken as
 * information.
 */

export type AtLine =
  | { kind: 'ok' }
  | { kind: 'error' }
  | { kind: 'cme'; code: number }
  | { kind: 'cms'; code: number }
  | { kind: 'urc'; prefix: string; line: string }
  | { kind: 'info'; line: string };

const PREFIX_RE = /^([+%#][A-Za-z0-9_]+):/;
const CME_RE = /^\+CME ERROR:\s*(\d{1,9})$/;
const CMS_RE = /^\+CMS ERROR:\s*(\d{1,9})$/;
const CMD_PREFIX_RE = /^([+%#][A-Za-z0-9_]+)/;

/** The line's `+X`/`%X`/`#X` prefix (without the colon), or null for a bare line. */
export function linePrefix(line: string): string | null {
  const m = PREFIX_RE.exec(line);
  return m?.[1] ?? null;
}

/**
 * Splits a command line into its sub-commands on `;` outside double quotes,
 * after removing the leading `AT`. Returns null if the text has no AT prefix.
 */
export function splitCommand(command: string): string[] | null {
  if (!/^at/i.test(command)) return null;
  const body = command.slice(2);
  const parts: string[] = [];
  let cur = '';
  let inQuote = false;
  for (const ch of body) {
    if (ch === '"') inQuote = !inQuote;
    if (ch === ';' && !inQuote) {
      parts.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  parts.push(cur);
  return parts;
}

/** Upper-cased response prefixes a command can produce: `AT%CMNG=2,1,0` → ['%CMNG']. */
export function commandPrefixes(command: string): string[] {
  const parts = splitCommand(command) ?? [];
  const out: string[] = [];
  for (const p of parts) {
    const m = CMD_PREFIX_RE.exec(p.trim());
    if (m?.[1]) out.push(m[1].toUpperCase());
  }
  return out;
}

/**
 * @param prefixes the running command's prefixes (commandPrefixes()), or null when no command runs.
 */
export function classifyLine(line: string, prefixes: readonly string[] | null): AtLine {
  const t = line.trim();
  if (t === 'OK') return { kind: 'ok' };
  if (t === 'ERROR') return { kind: 'error' };
  const cme = CME_RE.exec(t);
  if (cme?.[1]) return { kind: 'cme', code: Number(cme[1]) };
  const cms = CMS_RE.exec(t);
  if (cms?.[1]) return { kind: 'cms', code: Number(cms[1]) };
  // Verbose (non-numeric) +CME/+CMS text is still a final result; the nRF91 reports numbers only.
  if (/^\+CM[ES] ERROR:/.test(t)) return { kind: 'error' };
  const prefix = linePrefix(t);
  if (prefixes === null) return { kind: 'urc', prefix: prefix ?? '', line: t };
  if (prefix !== null && !prefixes.includes(prefix.toUpperCase())) return { kind: 'urc', prefix, line: t };
  return { kind: 'info', line: t };
}
