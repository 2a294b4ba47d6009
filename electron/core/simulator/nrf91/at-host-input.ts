/**
 * The modem AT host's command-line framing (as sdk-nrf lib/at_host frames it):
 *
 * - plain: a line ends at CR or LF outside double quotes (a LF right after the
 *   CR that ended a line is part of that CR LF); CR and LF inside quotes
 *   belong to the command, so a `%CMNG` write carries its PEM line breaks.
 * - shell: an nRF Connect SDK shell ends a line at any CR or LF.
 * - At most `maxChars` (4095) characters are kept; further ones are dropped
 *   before the quote check, so a command that overflows inside quotes loses its
 *   closing quote and the host waits for it for ever (until a reset): that
 *   write never completes, as on the real host.
 */
export interface AtHostInputOptions {
  mode: 'plain' | 'shell';
  maxChars: number;
  onLine: (line: string) => void;
}

const CR = 0x0d;
const LF = 0x0a;
const QUOTE = 0x22;

export class AtHostInput {
  private buf: number[] = [];
  private inQuote = false;
  private afterCr = false;
  /** Characters dropped since the last line end (the current line overflowed). */
  dropped = 0;
  /** A length at which `onReached` is asked whether to stop reading (a fault that drops the link mid-command). */
  watchAt: number | null = null;
  onReached: ((head: string) => boolean) | null = null;

  constructor(private readonly o: AtHostInputOptions) {}

  /** The host lost its quote closing: nothing will end the line until a reset. */
  get wedged(): boolean {
    return this.inQuote && this.dropped > 0;
  }

  get pendingChars(): number {
    return this.buf.length;
  }

  reset(): void {
    this.buf = [];
    this.inQuote = false;
    this.afterCr = false;
    this.dropped = 0;
  }

  /** Returns false if reading stopped at the watch point (the rest of the chunk is not read). */
  push(chunk: Uint8Array): boolean {
    for (const b of chunk) {
      if (this.afterCr) {
        this.afterCr = false;
        if (b === LF) continue;
      }
      const ends = (b === CR || b === LF) && (this.o.mode === 'shell' || !this.inQuote);
      if (ends) {
        this.afterCr = b === CR;
        const line = Buffer.from(this.buf).toString('utf8');
        this.buf = [];
        this.inQuote = false;
        this.dropped = 0;
        this.o.onLine(line);
        continue;
      }
      if (this.buf.length >= this.o.maxChars) {
        this.dropped++;
        continue;
      }
      this.buf.push(b);
      if (b === QUOTE) this.inQuote = !this.inQuote;
      if (this.watchAt !== null && this.buf.length === this.watchAt && this.onReached?.(Buffer.from(this.buf).toString('utf8'))) return false;
    }
    return true;
  }
}
