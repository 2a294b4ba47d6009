/**
 * Incremental line reader for an nRF91 AT host link (one framing, like a
 * serialport parser). Feed arbitrary byte chunks; complete lines come out.
 *
 * - A line ends at CR LF, LF or CR; a CR LF pair split across chunks counts
 *   once. Empty lines (the blank line the modem puts before a response) are
 *   skipped.
 * - Inside an open double quote, CR and LF belong to the payload: a `%CMNG=2`
 *   read-back is `%CMNG: <sec_tag>,<type>,"<sha>","<PEM>"` where the PEM keeps
 *   its CR LF line breaks inside the quotes, so the whole response is one line.
 *   The quote state resets at every line end outside quotes.
 * - A line longer than `maxLineLength` bytes is reported once through
 *   `onError` (NRF91_AT_LINE_TOO_LONG) and discarded up to the next line end
 *   (quote state cleared, so an unbalanced quote cannot swallow the stream).
 */
import { CustodianError } from '../../errors';
import { Nrf91ErrorCodes } from './codes';

export const DEFAULT_MAX_LINE_LENGTH = 16 * 1024;

const CR = 0x0d;
const LF = 0x0a;
const QUOTE = 0x22;

export interface AtLineReaderOptions {
  onLine: (line: string) => void;
  onError?: (error: CustodianError) => void;
  /** Bytes per line, payload included. Default 16 KiB. */
  maxLineLength?: number;
}

export class AtLineReader {
  private readonly maxLineLength: number;
  private buf: Uint8Array;
  private len = 0;
  private inQuote = false;
  /** The previous byte was a CR that ended a line: a following LF is its pair. */
  private afterCr = false;
  private discarding = false;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(private readonly opts: AtLineReaderOptions) {
    const max = opts.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    if (!Number.isInteger(max) || max < 1 || max > 1024 * 1024) {
      throw new CustodianError(Nrf91ErrorCodes.NRF91_AT_BAD_OPTION, `maxLineLength must be an integer in 1..1048576, got ${max}`);
    }
    this.maxLineLength = max;
    this.buf = new Uint8Array(Math.min(256, max));
  }

  /** Bytes of an incomplete line currently held. */
  get pending(): number {
    return this.len;
  }

  /** Drop any partial line (flush before a command, as esptool-js does). Returns the bytes dropped. */
  reset(): number {
    const dropped = this.len;
    this.len = 0;
    this.inQuote = false;
    this.afterCr = false;
    this.discarding = false;
    return dropped;
  }

  push(chunk: Uint8Array): void {
    for (const b of chunk) {
      if (this.afterCr) {
        this.afterCr = false;
        if (b === LF) continue;
      }
      if (!this.inQuote && (b === CR || b === LF)) {
        this.afterCr = b === CR;
        this.endLine();
        continue;
      }
      if (this.discarding) continue;
      if (b === QUOTE) this.inQuote = !this.inQuote;
      if (this.len >= this.maxLineLength) {
        this.discarding = true;
        this.len = 0;
        this.inQuote = false;
        this.opts.onError?.(
          new CustodianError(Nrf91ErrorCodes.NRF91_AT_LINE_TOO_LONG, `AT line longer than ${this.maxLineLength} bytes discarded`, {
            maxLineLength: this.maxLineLength,
          }),
        );
        continue;
      }
      this.append(b);
    }
  }

  private append(b: number): void {
    if (this.len === this.buf.length) {
      const next = new Uint8Array(Math.min(this.buf.length * 2, this.maxLineLength));
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.len++] = b;
  }

  private endLine(): void {
    const wasDiscarding = this.discarding;
    this.discarding = false;
    this.inQuote = false;
    const n = this.len;
    this.len = 0;
    if (wasDiscarding || n === 0) return;
    this.opts.onLine(this.decoder.decode(this.buf.subarray(0, n)));
  }
}
