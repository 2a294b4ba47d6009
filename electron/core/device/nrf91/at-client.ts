/**
 * AT command runner on the waitress (../waitress.ts: one command at a time,
 * the waiter registered before the bytes are written, a named timeout per
 * command, NRF91_AT_TIMEOUT), matching replies without request IDs because
 * AT has none:
 * - URCs go to onUrc listeners and are never taken as the response;
 * - the input is flushed (partial line dropped) before each command;
 * - after a timeout, the late reply is drained: lines up to its final result
 *   are dropped, and the next command is written only after that final result
 *   or after `staleGraceMs`, so a late `OK` is never delivered to the next
 *   command (if the late reply comes after the grace period too, it cannot be
 *   told apart — AT has no IDs);
 * - commands end with CR LF (the nRF91 AT host's default termination;
 *   configurable through `terminator`);
 * - an echo of the command line (ATE1, or a shell's echo) is ignored.
 *
 * `mode: 'shell'` wraps each command for nRF Connect SDK shells as
 * `at '<cmd>'`, as nrfcredstore does: the shell ends a line at any CR or LF
 * and takes one argument per quoted word, so the command goes in single
 * quotes with each LF sent as the two characters `\n` (the shell unescapes
 * them); CR, single quotes and backslashes cannot be sent. It ignores VT100
 * escapes, prompt lines (`uart:~$ `) and the echo.
 *
 * Error details carry the command's name (its first prefix, or the caller's
 * name), never the command text: a `%CMNG` write carries key material.
 */
import { CustodianError } from '../../errors';
import { DeviceErrorCodes } from '../codes';
import type { Transport } from '../transport';
import { Waitress } from '../waitress';
import { AtLineReader } from './at-line-reader';
import { classifyLine, commandPrefixes, splitCommand } from './at-response';
import { Nrf91ErrorCodes } from './codes';

export interface AtUrc {
  /** `+CEREG`, `%XSIM` …; '' for a bare line that arrived with no command running. */
  prefix: string;
  line: string;
}

export interface AtClientOptions {
  mode?: 'plain' | 'shell';
  /** Default per-command timeout. Default 5000 ms. */
  timeoutMs?: number;
  /** Appended to each command. Default "\r\n". */
  terminator?: '\r\n' | '\r' | '\n';
  maxLineLength?: number;
  /** How long the next command waits for the late reply of a timed-out one. Default 1000 ms. */
  staleGraceMs?: number;
  /** Shell prompt to strip (shell mode). Default: `name:~$ `. */
  prompt?: RegExp;
  /** Reader-level problems (an over-long line), for logs. */
  onDiagnostic?: (e: CustodianError) => void;
}

export interface AtSendOptions {
  /** Name for errors and logs. Default: the command's first prefix (`%KEYGEN`), or `AT`. */
  name?: string;
  timeoutMs?: number;
}

export interface AtResult {
  lines: string[];
}

interface Waiter {
  name: string;
  prefixes: string[];
  echo: string;
  lines: string[];
}

export interface AtClientStats {
  commands: number;
  timeouts: number;
  /** Lines dropped while draining a timed-out command's late reply. */
  lateLines: number;
  urcs: number;
  flushedBytes: number;
}

const ANSI_RE = /\x1b\[[0-9;?]*[A-Za-z]/g;
const DEFAULT_PROMPT = /^[A-Za-z0-9_-]+:~\$ ?/;

export class AtClient {
  readonly stats: AtClientStats = { commands: 0, timeouts: 0, lateLines: 0, urcs: 0, flushedBytes: 0 };
  private readonly mode: 'plain' | 'shell';
  private readonly timeoutMs: number;
  private readonly terminator: string;
  private readonly staleGraceMs: number;
  private readonly prompt: RegExp;
  private readonly reader: AtLineReader;
  private readonly urcListeners = new Set<(u: AtUrc) => void>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly waitress = new Waitress<Waiter>();
  /** Set after a timeout until the late reply's final result arrives. */
  private stale: { prefixes: string[]; echo: string; done: () => void } | null = null;

  constructor(
    private readonly transport: Transport,
    opts: AtClientOptions = {},
  ) {
    this.mode = opts.mode ?? 'plain';
    if (this.mode !== 'plain' && this.mode !== 'shell') {
      throw new CustodianError(Nrf91ErrorCodes.NRF91_AT_BAD_OPTION, `mode must be 'plain' or 'shell'`);
    }
    this.timeoutMs = positive(opts.timeoutMs ?? 5000, 'timeoutMs');
    this.staleGraceMs = positive(opts.staleGraceMs ?? 1000, 'staleGraceMs');
    this.terminator = opts.terminator ?? '\r\n';
    if (!['\r\n', '\r', '\n'].includes(this.terminator)) {
      throw new CustodianError(Nrf91ErrorCodes.NRF91_AT_BAD_OPTION, 'terminator must be CR LF, CR or LF');
    }
    this.prompt = opts.prompt ?? DEFAULT_PROMPT;
    this.reader = new AtLineReader({
      onLine: (l) => this.onLine(l),
      ...(opts.onDiagnostic ? { onError: opts.onDiagnostic } : {}),
      ...(opts.maxLineLength !== undefined ? { maxLineLength: opts.maxLineLength } : {}),
    });
    this.unsubscribe.push(
      transport.onData((c) => this.reader.push(c)),
      transport.onClose((err) => this.onClosed(err)),
    );
  }

  /** Subscribe to unsolicited result codes; returns an unsubscribe function. */
  onUrc(listener: (u: AtUrc) => void): () => void {
    this.urcListeners.add(listener);
    return () => this.urcListeners.delete(listener);
  }

  /** Runs one command (queued behind the others). Resolves on OK; rejects on ERROR, +CME/+CMS ERROR, timeout or close. */
  send(command: string, opts: AtSendOptions = {}): Promise<AtResult> {
    const prefixes = commandPrefixes(command);
    const name = opts.name ?? prefixes[0] ?? 'AT';
    const bad = this.validate(command);
    if (bad) return Promise.reject(new CustodianError(Nrf91ErrorCodes.NRF91_AT_BAD_COMMAND, `${name}: ${bad}`, { name }));
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    return this.waitress.enqueue(() => this.run(command, name, prefixes, timeoutMs));
  }

  /** Detaches from the transport (does not close it); pending and queued commands fail DEVICE_DISCONNECTED. */
  dispose(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    this.onClosed();
  }

  private validate(command: string): string | null {
    const parts = splitCommand(command);
    if (parts === null) return 'command must start with AT';
    let inQuote = false;
    for (const ch of command) {
      if (ch === '"') inQuote = !inQuote;
      else if ((ch === '\r' || ch === '\n') && !inQuote) return 'line end outside a quoted string';
      else if (this.mode === 'shell' && (ch === '\r' || ch === "'" || ch === '\\')) return 'a CR, single quote or backslash cannot pass the shell';
    }
    if (inQuote) return 'unbalanced double quote';
    return null;
  }

  private async run(command: string, name: string, prefixes: string[], timeoutMs: number): Promise<AtResult> {
    if (this.waitress.closed) throw this.waitress.closed;
    if (this.stale) await this.waitForStale();
    if (this.waitress.closed) throw this.waitress.closed;
    this.stats.flushedBytes += this.reader.reset();
    const wire = this.mode === 'shell' ? shellLine(command) : command;
    this.stats.commands++;
    return this.waitress.wait<AtResult>({ name, prefixes, echo: wire, lines: [] }, {
      timeoutMs,
      onTimeout: () => {
        this.stats.timeouts++;
        this.stale = { prefixes, echo: wire, done: () => undefined };
      },
      timeoutError: () => new CustodianError(Nrf91ErrorCodes.NRF91_AT_TIMEOUT, `${name}: no final response within ${timeoutMs} ms`, { name, timeoutMs }),
      write: () => this.transport.write(new TextEncoder().encode(wire + this.terminator)),
      writeError: (e) => new CustodianError(DeviceErrorCodes.DEVICE_DISCONNECTED, `${name}: write failed`, { name }, { cause: e }),
    });
  }

  private waitForStale(): Promise<void> {
    return new Promise<void>((resolve) => {
      const stale = this.stale;
      if (!stale) return resolve();
      const timer = setTimeout(() => {
        if (this.stale === stale) this.stale = null;
        resolve();
      }, this.staleGraceMs);
      stale.done = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private clean(raw: string): string | null {
    let line = raw;
    if (this.mode === 'shell') {
      line = line.replace(ANSI_RE, '').replace(this.prompt, '');
    }
    line = line.trim();
    return line === '' ? null : line;
  }

  private onLine(raw: string): void {
    const line = this.clean(raw);
    if (line === null) return;
    const w = this.waitress.current;
    if (w && line === w.echo.trim()) return; // echo of the running command
    if (!w && this.stale) {
      const s = this.stale;
      if (line === s.echo.trim()) return;
      const c = classifyLine(line, s.prefixes);
      if (c.kind === 'urc') return this.emitUrc(c.prefix, c.line);
      this.stats.lateLines++;
      if (c.kind !== 'info') {
        this.stale = null;
        s.done();
      }
      return;
    }
    const c = classifyLine(line, w ? w.prefixes : null);
    if (c.kind === 'urc') return this.emitUrc(c.prefix, c.line);
    if (!w) return; // a final result nobody waits for (late, after the grace period)
    if (c.kind === 'info') {
      w.lines.push(c.line);
      return;
    }
    const details = { name: w.name, lines: w.lines };
    switch (c.kind) {
      case 'ok':
        return this.waitress.resolve({ lines: w.lines });
      case 'error':
        return this.waitress.reject(new CustodianError(Nrf91ErrorCodes.NRF91_AT_ERROR, `${w.name}: ERROR`, details));
      case 'cme':
        return this.waitress.reject(new CustodianError(Nrf91ErrorCodes.NRF91_CME_ERROR, `${w.name}: +CME ERROR: ${c.code}`, { ...details, cme: c.code }));
      case 'cms':
        return this.waitress.reject(new CustodianError(Nrf91ErrorCodes.NRF91_CMS_ERROR, `${w.name}: +CMS ERROR: ${c.code}`, { ...details, cms: c.code }));
    }
  }

  private emitUrc(prefix: string, line: string): void {
    this.stats.urcs++;
    for (const l of [...this.urcListeners]) {
      try {
        l({ prefix, line });
      } catch {
        // A listener's failure must not desynchronise the command stream.
      }
    }
  }

  private onClosed(err?: Error): void {
    if (this.waitress.closed) return;
    this.waitress.close(new CustodianError(DeviceErrorCodes.DEVICE_DISCONNECTED, `${this.transport.description} closed`, {}, err ? { cause: err } : undefined));
    const s = this.stale;
    this.stale = null;
    s?.done();
  }
}

function positive(n: number, what: string): number {
  if (!Number.isFinite(n) || n <= 0) throw new CustodianError(Nrf91ErrorCodes.NRF91_AT_BAD_OPTION, `${what} must be a positive number`);
  return n;
}

/** `at '<command>'` with each LF as `\n`: one shell argument, one shell line. */
export function shellLine(command: string): string {
  return `at '${command.replaceAll('\n', '\\n')}'`;
}
