import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AtLineReader } from '../../../electron/core/device/nrf91/at-line-reader';
import type { CustodianError } from '../../../electron/core/errors';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function collect(maxLineLength?: number) {
  const lines: string[] = [];
  const errors: CustodianError[] = [];
  const reader = new AtLineReader({
    onLine: (l) => lines.push(l),
    onError: (e) => errors.push(e),
    ...(maxLineLength !== undefined ? { maxLineLength } : {}),
  });
  return { reader, lines, errors };
}

const PEM = '-----BEGIN CERTIFICATE-----\r\nMIIBszCCAVmgAwIBAgIU\r\nAbCd+/==\r\n-----END CERTIFICATE-----\r\n';
const CMNG_READ = `%CMNG: 16842753,0,"2C43952EE9E000FF2ACC4E2ED0897C0A72AD5FA72C3D934E81741CBD54F05BD1","${PEM}"`;

describe('AtLineReader', () => {
  it('splits CR LF, LF and CR line ends and skips empty lines', () => {
    const c = collect();
    c.reader.push(enc('\r\nOK\r\n\r\nA\nB\rC\r\n\n\r'));
    expect(c.lines).toEqual(['OK', 'A', 'B', 'C']);
  });

  it('holds an incomplete line until its end arrives, and counts a CR LF split across chunks once', () => {
    const c = collect();
    c.reader.push(enc('+CGSN: "3520'));
    expect(c.lines).toEqual([]);
    expect(c.reader.pending).toBe(12);
    c.reader.push(enc('99"\r'));
    c.reader.push(enc('\nOK\r'));
    c.reader.push(enc('\n'));
    expect(c.lines).toEqual(['+CGSN: "352099"', 'OK']);
  });

  it('keeps CR LF inside a double-quoted payload (%CMNG=2 read-back) as one line', () => {
    const c = collect();
    c.reader.push(enc(`\r\n${CMNG_READ}\r\nOK\r\n`));
    expect(c.lines).toEqual([CMNG_READ, 'OK']);
    expect(c.lines[0]).toContain('\r\nMIIBszCCAVmgAwIBAgIU\r\n');
  });

  it('same result for the %CMNG read-back split at every byte position', () => {
    const bytes = enc(`\r\n${CMNG_READ}\r\n\r\nOK\r\n`);
    for (let i = 0; i <= bytes.length; i++) {
      const c = collect();
      c.reader.push(bytes.subarray(0, i));
      c.reader.push(bytes.subarray(i));
      expect(c.lines, `split at ${i}`).toEqual([CMNG_READ, 'OK']);
    }
  });

  it('reports an over-long line once with a stable code, discards it, and resynchronises at the next line end', () => {
    const c = collect(16);
    c.reader.push(enc('x'.repeat(40)));
    c.reader.push(enc('y'.repeat(40) + '\r\nOK\r\n'));
    expect(c.errors.map((e) => e.code)).toEqual(['NRF91_AT_LINE_TOO_LONG']);
    expect(c.errors[0]?.details).toEqual({ maxLineLength: 16 });
    expect(c.lines).toEqual(['OK']);
  });

  it('an unbalanced quote cannot swallow the stream past the bound', () => {
    const c = collect(32);
    c.reader.push(enc('+CEREG: "broken\r\n' + 'z'.repeat(40) + '\r\nOK\r\n'));
    expect(c.errors).toHaveLength(1);
    expect(c.lines).toEqual(['OK']);
  });

  it('accepts a line of exactly maxLineLength bytes', () => {
    const c = collect(8);
    c.reader.push(enc('12345678\r\n'));
    expect(c.errors).toEqual([]);
    expect(c.lines).toEqual(['12345678']);
  });

  it('reset() drops a partial line and the quote state', () => {
    const c = collect();
    c.reader.push(enc('garbage "open'));
    expect(c.reader.reset()).toBe(13);
    c.reader.push(enc('\r\nOK\r\n'));
    expect(c.lines).toEqual(['OK']);
  });

  it('rejects a bad bound', () => {
    expect(() => new AtLineReader({ onLine: () => {}, maxLineLength: 0 })).toThrow(/maxLineLength/);
  });

  it('property: any line sequence, any terminators, any chunking → the same non-empty lines', () => {
    const plain = fc.stringMatching(/^[ -!#-~]{1,20}$/); // printable ASCII without the double quote
    const quoted = fc
      .array(fc.oneof(fc.stringMatching(/^[ -!#-~]{0,8}$/), fc.constantFrom('\r\n', '\n', '\r')), { maxLength: 6 })
      .map((parts) => `"${parts.join('')}"`);
    const line = fc.array(fc.oneof(plain, quoted), { minLength: 1, maxLength: 4 }).map((p) => p.join(','));
    const term = fc.constantFrom('\r\n', '\n', '\r', '\r\n\r\n', '\n\n');
    fc.assert(
      fc.property(fc.array(fc.tuple(line, term), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (script, cuts) => {
        const bytes = enc(script.map(([l, t]) => l + t).join(''));
        const positions = [...new Set(cuts.map((n) => n % (bytes.length + 1)))].sort((a, b) => a - b);
        const c = collect();
        let at = 0;
        for (const p of positions) {
          c.reader.push(bytes.subarray(at, p));
          at = p;
        }
        c.reader.push(bytes.subarray(at));
        expect(c.lines).toEqual(script.map(([l]) => l));
        expect(c.reader.pending).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
