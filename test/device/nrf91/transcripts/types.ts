/**
 * A golden nRF91 AT transcript: commands as the host sent them and the modem's answers as bytes,
 * quoted from a public source. Replayed by transcripts.test.ts through the AT layer, and by
 * ScriptedModem (../scripted-modem.ts) against station drivers.
 */
export interface AtTranscript {
  /** Stable id, used in test names. */
  readonly id: string;
  /** `<owner>/<repo> <path>@<commit> — section`, or a URL and its section. */
  readonly source: string;
  /** AT+CGMR of the modem, when the source names it. */
  readonly firmware?: string;
  /**
   * - `device`: logged from a real modem (tool log, terminal, forum post);
   * - `documentation`: an example printed in Nordic's AT command reference;
   * - `test-vector`: a vendor's test fixture (mocked serial or trace packets);
   * - `derived`: assembled from documented formats and values quoted elsewhere; `notes` says how.
   */
  readonly provenance: 'device' | 'documentation' | 'test-vector' | 'derived';
  /**
   * - `bytes`: the source gives the bytes (CR LF included) and they are kept as given;
   * - `lines`: the source shows lines; each is ended with CR LF, the framing Nordic's AT host sends
   *   (every response line and the final result end with CR LF, no leading blank line).
   */
  readonly framing: 'bytes' | 'lines';
  readonly notes?: string;
  readonly exchanges: readonly AtExchange[];
}

export interface AtExchange {
  /** The command line without its terminator; CR/LF inside double quotes are part of it. */
  readonly command: string;
  /** Everything the modem sent until the final result, exactly, with CR LF. */
  readonly response: string;
  /** What the AT layer must make of the response. */
  readonly expect: AtExpectation;
}

export type AtExpectation =
  | { readonly lines: readonly string[]; readonly urcs?: readonly string[] }
  | { readonly cme: number; readonly urcs?: readonly string[] }
  | { readonly error: 'ERROR'; readonly urcs?: readonly string[] };
