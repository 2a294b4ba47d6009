/**
 * A scripted nRF91 on the device end of a Transport: it expects an exact sequence of command
 * lines and answers each with the recorded bytes of a golden transcript (./transcripts).
 *
 * Command lines are framed as Nordic's AT host frames them (sdk-nrf lib/at_host): a line ends at
 * the terminator outside double quotes; CR and LF inside quotes belong to the command (a %CMNG
 * write carries its PEM that way). With `terminator: '\r'` a host that sends CR LF leaves the LF
 * in front of its next command, as the real AT host does, and that command no longer matches.
 *
 * An unexpected command is answered `ERROR` (so the host does not hang) and recorded; verify()
 * then fails the test. Not a test file itself.
 */
import type { Transport } from '../../../electron/core/device/transport';
import type { AtTranscript } from './transcripts/types';

export interface ScriptStep {
  readonly command: string;
  readonly response: string;
}

export interface ScriptedModemOptions {
  /** Line end the modem's AT host waits for, outside quotes. Default CR LF. */
  readonly terminator?: '\r\n' | '\r' | '\n';
  /** Answer in pieces of this many bytes, to exercise reads split anywhere. Default: one write. */
  readonly chunkBytes?: number;
}

const preview = (s: string): string => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);

export class ScriptedModem {
  /** Every command line received, in order. */
  readonly received: string[] = [];
  private next = 0;
  private line = '';
  private inQuote = false;
  private readonly unexpected: string[] = [];
  private readonly decoder = new TextDecoder('utf-8');
  private readonly terminator: string;
  private readonly off: () => void;

  constructor(
    private readonly port: Transport,
    private readonly steps: readonly ScriptStep[],
    private readonly opts: ScriptedModemOptions = {},
  ) {
    this.terminator = opts.terminator ?? '\r\n';
    if (opts.chunkBytes !== undefined && (!Number.isInteger(opts.chunkBytes) || opts.chunkBytes < 1)) {
      throw new Error('chunkBytes must be a positive integer');
    }
    this.off = port.onData((chunk) => this.onData(chunk));
  }

  /** A modem that plays every exchange of `transcript`, in order. */
  static fromTranscript(port: Transport, transcript: AtTranscript, opts?: ScriptedModemOptions): ScriptedModem {
    return new ScriptedModem(port, transcript.exchanges, opts);
  }

  /** Steps not yet asked for. */
  get remaining(): number {
    return this.steps.length - this.next;
  }

  /** Throws unless every step was asked for, in order, and nothing else was sent. */
  verify(): void {
    if (this.unexpected.length > 0) throw new Error(`scripted modem: unexpected command(s) ${this.unexpected.join('; ')}`);
    if (this.remaining > 0) {
      throw new Error(`scripted modem: ${this.remaining} step(s) not reached; next expected ${preview(this.steps[this.next]!.command)}`);
    }
  }

  detach(): void {
    this.off();
  }

  private onData(chunk: Uint8Array): void {
    for (const ch of this.decoder.decode(chunk, { stream: true })) {
      this.line += ch;
      if (ch === '"') this.inQuote = !this.inQuote;
      if (!this.inQuote && this.line.endsWith(this.terminator)) {
        const command = this.line.slice(0, -this.terminator.length);
        this.line = '';
        this.onCommand(command);
      }
    }
  }

  private onCommand(command: string): void {
    this.received.push(command);
    const step = this.steps[this.next];
    if (!step || step.command !== command || this.unexpected.length > 0) {
      this.unexpected.push(`#${this.received.length} ${preview(command)}${step ? `, expected ${preview(step.command)}` : ', script finished'}`);
      this.send('ERROR\r\n');
      return;
    }
    this.next++;
    this.send(step.response);
  }

  private send(text: string): void {
    const bytes = new TextEncoder().encode(text);
    const size = this.opts.chunkBytes ?? bytes.length;
    for (let i = 0; i < bytes.length; i += size) {
      // The pipe delivers writes in order; a closed link is the test's business, not the modem's.
      this.port.write(bytes.subarray(i, i + size)).catch(() => undefined);
    }
  }
}
