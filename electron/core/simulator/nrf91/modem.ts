/**
 * The simulated modem's host side: one link at a time, the AT host's command
 * framing, one command at a time in arrival order, shell echo and prompt,
 * URCs between replies, wire-time emulation at the configured baud (10 bits a
 * byte; socat itself ignores baud) and the faults that act on the link or the
 * reply. What a command does is ./commands.ts.
 */
import type { Transport } from '../../device/transport';
import { wireTimeMs } from '../../device/wire';
import { AtHostInput } from './at-host-input';
import { ModemCommands, stepOf, type Final, type Reply } from './commands';
import type { Nrf91FaultPlan } from './faults';
import { randomUrc, seededRandom, type UrcOptions } from './urcs';

export interface Nrf91Stats {
  /** Command lines received (shell lines that are not `at …` included). */
  commands: number;
  /** By the station's command name (`cgsn`, `cmng-write` …; `other` for the rest). */
  byCommand: Record<string, number>;
  bytesIn: number;
  bytesOut: number;
  /** Emulated line time: every byte in and out at 10 bits / baud. */
  wireTimeMs: number;
  /** Emulated modem work: key generation delays and slow-reply faults. */
  deviceDelayMs: number;
  urcs: number;
  /** Command lines longer than the AT host keeps (characters dropped). */
  overflows: number;
}

export type Nrf91SleepReason = 'wire-in' | 'wire-out' | 'keygen' | 'slow-reply';

export interface ModemHostOptions {
  commands: ModemCommands;
  faults: Nrf91FaultPlan;
  shell: boolean;
  prompt: string;
  baud: number;
  emulateWireTime: boolean;
  maxCommandChars: number;
  urcs: UrcOptions | null;
  sleep: (ms: number, why: Nrf91SleepReason) => Promise<void>;
  /** Host hook: the physical link drops (and the modem resets). */
  disconnect: () => void;
}

const DEFAULT_DISCONNECT_AFTER = 64;

export class ModemHost {
  readonly stats: Nrf91Stats = { commands: 0, byCommand: {}, bytesIn: 0, bytesOut: 0, wireTimeMs: 0, deviceDelayMs: 0, urcs: 0, overflows: 0 };
  private link: { transport: Transport; off: Array<() => void> } | null = null;
  private readonly input: AtHostInput;
  private work: Promise<void> = Promise.resolve();
  private out: Promise<void> = Promise.resolve();
  private urcTimer: NodeJS.Timeout | null = null;
  private readonly rnd: () => number;

  constructor(private readonly o: ModemHostOptions) {
    this.input = new AtHostInput({ mode: o.shell ? 'shell' : 'plain', maxChars: o.maxCommandChars, onLine: (l) => this.onLine(l) });
    this.input.onReached = (head) => this.dropMidCommand(head);
    this.rnd = seededRandom(o.urcs?.seed ?? Date.now());
  }

  get commands(): ModemCommands {
    return this.o.commands;
  }

  /** The AT host lost a closing quote to an overflow and waits for it (until a reset). */
  get wedged(): boolean {
    return this.input.wedged;
  }

  attach(transport: Transport): void {
    this.detach();
    const off = [
      transport.onData((c) => this.onData(transport, c)),
      transport.onClose(() => {
        if (this.link?.transport === transport) this.detach();
      }),
    ];
    this.link = { transport, off };
    if (this.o.shell) this.emit(this.o.prompt);
    this.scheduleUrc();
  }

  detach(): void {
    if (this.urcTimer) clearTimeout(this.urcTimer);
    this.urcTimer = null;
    if (!this.link) return;
    for (const f of this.link.off) f();
    this.link = null;
  }

  /** Volatile state lost, as on a reset. */
  powerCycle(): void {
    this.input.reset();
    this.o.commands.reset();
  }

  private onData(transport: Transport, chunk: Uint8Array): void {
    if (this.link?.transport !== transport) return;
    this.stats.bytesIn += chunk.length;
    this.stats.wireTimeMs += wireTimeMs(chunk.length, this.o.baud);
    const points = this.o.faults.pending().flatMap((f) => (f.kind === 'disconnect' ? [f.afterBytes ?? DEFAULT_DISCONNECT_AFTER] : []));
    this.input.watchAt = points.length ? Math.min(...points) : null;
    const before = this.input.dropped;
    this.input.push(chunk);
    if (this.input.dropped > before && before === 0) this.stats.overflows++;
  }

  /**
   * The command text of a line: in shell mode, the `at` command's argument,
   * as the Zephyr shell hands it over (quotes removed, `\n` unescaped).
   */
  private commandOf(line: string): string | null {
    if (!this.o.shell) return line;
    const m = /^\s*at\s+(.*)$/is.exec(line);
    return m ? shellArgument(m[1]!) : null;
  }

  private dropMidCommand(head: string): boolean {
    const cmd = this.commandOf(head);
    const step = cmd === null ? null : stepOf(cmd);
    if (step === null || !this.o.faults.take('disconnect', step)) return false;
    this.drop();
    return true;
  }

  private drop(): void {
    this.detach();
    this.o.disconnect();
  }

  private onLine(line: string): void {
    const link = this.link;
    if (!link) return;
    const cmd = this.commandOf(line);
    const step = cmd === null ? null : stepOf(cmd);
    // A command shorter than the disconnect point drops the link once it is complete, unexecuted.
    if (step !== null && this.o.faults.take('disconnect', step)) return this.drop();
    this.work = this.work.then(() => this.process(link.transport, line, cmd, step)).catch(() => undefined);
  }

  private async process(transport: Transport, line: string, cmd: string | null, step: ReturnType<typeof stepOf>): Promise<void> {
    this.stats.commands++;
    const key = step ?? 'other';
    this.stats.byCommand[key] = (this.stats.byCommand[key] ?? 0) + 1;
    // The command's bytes took this long to arrive on a real line (the pty delivers them at once).
    if (this.o.emulateWireTime) await this.o.sleep(wireTimeMs(Buffer.byteLength(line) + 2, this.o.baud), 'wire-in');
    let text = this.o.shell ? `${line}\r\n` : '';
    if (cmd === null) {
      // A shell line that is not the `at` command.
      const word = line.trim().split(/\s+/)[0] ?? '';
      if (word) text += `${word}: command not found\r\n`;
      return this.reply(transport, text + this.o.prompt);
    }
    if (cmd.trim() === '') return this.reply(transport, text + (this.o.shell ? this.o.prompt : ''));
    if (step !== null && this.o.faults.take('silent', step)) return;
    const slow = step !== null ? this.o.faults.take('slow-reply', step) : null;
    if (slow) {
      this.stats.deviceDelayMs += slow.delayMs;
      await this.o.sleep(slow.delayMs, 'slow-reply');
    }
    let r: Reply;
    const injected = step !== null ? this.o.faults.take('error-reply', step) : null;
    const writeFail = step === 'cmng-write' ? this.o.faults.take('write-fail', 'cmng-write') : null;
    if (injected) r = { lines: [], final: injected.cme !== undefined ? { kind: 'cme', code: injected.cme } : { kind: 'error' } };
    else if (writeFail) r = { lines: [], final: { kind: 'cme', code: writeFail.cme ?? 515 } };
    else r = await this.o.commands.execute(cmd.trim());
    const corrupt = step !== null && r.lines.length ? this.o.faults.take('corrupt-reply', step) : null;
    const lines = corrupt ? [flipChar(r.lines[0]!, corrupt.at), ...r.lines.slice(1)] : r.lines;
    for (const l of lines) text += `${l}\r\n`;
    text += `${this.finalText(r.final)}\r\n`;
    if (this.o.shell) text += `\r\n${this.o.prompt}`;
    await this.reply(transport, text);
  }

  private finalText(f: Final): string {
    if (f.kind === 'ok') return 'OK';
    if (f.kind === 'cme' && this.o.commands.cmee === 1) return `+CME ERROR: ${f.code}`;
    return 'ERROR';
  }

  private reply(transport: Transport, text: string): Promise<void> {
    if (this.link?.transport !== transport) return Promise.resolve();
    return this.emit(text);
  }

  /** Queue bytes for the link after everything queued before (a URC never splits a reply). */
  private emit(text: string): Promise<void> {
    const bytes = new TextEncoder().encode(text);
    const run = this.out.then(async () => {
      const link = this.link;
      if (!link) return;
      if (this.o.emulateWireTime) await this.o.sleep(wireTimeMs(bytes.length, this.o.baud), 'wire-out');
      if (this.link !== link) return;
      this.stats.bytesOut += bytes.length;
      this.stats.wireTimeMs += wireTimeMs(bytes.length, this.o.baud);
      await link.transport.write(bytes).catch(() => undefined);
    });
    this.out = run.catch(() => undefined);
    return run;
  }

  private scheduleUrc(): void {
    const u = this.o.urcs;
    if (!u || !(u.everyMs > 0) || !this.link) return;
    this.urcTimer = setTimeout(() => {
      this.urcTimer = null;
      if (!this.link) return;
      this.stats.urcs++;
      const line = randomUrc(this.rnd, this.o.commands.cfun);
      void this.emit(this.o.shell ? `\r\n${line}\r\n` : `${line}\r\n`);
      this.scheduleUrc();
    }, u.everyMs * (0.5 + this.rnd()));
    this.urcTimer.unref();
  }
}

/** One character of `line` changed (an alphanumeric one at or after `at`, default the middle): framing intact, content not. */
export function flipChar(line: string, at?: number): string {
  let i = Math.max(0, Math.min(line.length - 1, at ?? Math.floor(line.length / 2)));
  while (i < line.length && !/[A-Za-z0-9]/.test(line[i]!)) i++;
  if (i >= line.length) return line;
  const c = line[i]!;
  const r = /[0-9]/.test(c) ? String((Number(c) + 1) % 10) : c === 'A' ? 'B' : c === 'a' ? 'b' : /[a-z]/.test(c) ? 'a' : 'A';
  return line.slice(0, i) + r + line.slice(i + 1);
}

/** One shell argument: a single- or double-quoted word is unquoted and its backslash escapes resolved; a bare word is kept. */
function shellArgument(text: string): string {
  const t = text.trim();
  const q = t[0];
  if ((q !== "'" && q !== '"') || t.length < 2 || t[t.length - 1] !== q) return t;
  return t.slice(1, -1).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}
