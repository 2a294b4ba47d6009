/**
 * Characters that change how text is shown without being visible themselves:
 * control characters (C0, DEL, C1: a terminal obeys ESC sequences), the
 * bidirectional controls (U+202E turns "gpj.exe" around), the other invisible
 * format characters (zero-width spaces and joiners, U+FEFF, word joiner, tag
 * characters), the Unicode line and paragraph separators, and lone
 * surrogates. The station refuses them in every name it signs and escapes
 * them wherever untrusted text is shown. Plain code: the renderer loads it too.
 */

/** Cc (C0, DEL, C1), Cf (bidi controls, zero-width characters, BOM, tags…), Zl, Zp, Cs (lone surrogates). */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const UNSAFE_ALL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

const NAMES: Readonly<Record<number, string>> = {
  0x00: 'NULL', 0x07: 'BELL', 0x08: 'BACKSPACE', 0x09: 'TAB', 0x0a: 'LINE FEED', 0x0d: 'CARRIAGE RETURN', 0x1b: 'ESCAPE', 0x7f: 'DELETE',
  0x9b: 'CONTROL SEQUENCE INTRODUCER', 0xad: 'SOFT HYPHEN', 0x061c: 'ARABIC LETTER MARK',
  0x200b: 'ZERO WIDTH SPACE', 0x200c: 'ZERO WIDTH NON-JOINER', 0x200d: 'ZERO WIDTH JOINER',
  0x200e: 'LEFT-TO-RIGHT MARK', 0x200f: 'RIGHT-TO-LEFT MARK', 0x2028: 'LINE SEPARATOR', 0x2029: 'PARAGRAPH SEPARATOR',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING', 0x202b: 'RIGHT-TO-LEFT EMBEDDING', 0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE', 0x202e: 'RIGHT-TO-LEFT OVERRIDE', 0x2060: 'WORD JOINER',
  0x2066: 'LEFT-TO-RIGHT ISOLATE', 0x2067: 'RIGHT-TO-LEFT ISOLATE', 0x2068: 'FIRST STRONG ISOLATE', 0x2069: 'POP DIRECTIONAL ISOLATE',
  0xfeff: 'ZERO WIDTH NO-BREAK SPACE',
};

export interface UnsafeCharacter {
  /** Index of the character in the string (UTF-16 code units). */
  index: number;
  /** `U+202E` */
  codePoint: string;
  /** `U+202E (RIGHT-TO-LEFT OVERRIDE)`, or just the code point when it has no listed name. */
  label: string;
}

const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');

/** `U+001B (ESCAPE)`: how messages name a character. */
export function codePointLabel(cp: number): string {
  const u = `U+${hex(cp, 4)}`;
  const name = NAMES[cp];
  return name ? `${u} (${name})` : u;
}

/** Whether this one character (a code point) is unsafe to show or sign. */
export function isUnsafeCharacter(ch: string): boolean {
  return UNSAFE.test(ch);
}

/** The first unsafe character of `value`, or undefined when there is none. */
export function findUnsafeCharacter(value: string): UnsafeCharacter | undefined {
  const m = UNSAFE.exec(value);
  if (!m) return undefined;
  const cp = m[0].codePointAt(0)!;
  return { index: m.index, codePoint: `U+${hex(cp, 4)}`, label: codePointLabel(cp) };
}

/** `text` with each unsafe character replaced by `fn(character, codePoint)`. */
export function replaceUnsafe(text: string, fn: (ch: string, codePoint: number) => string): string {
  return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, (ch) => fn(ch, ch.codePointAt(0)!)) : text;
}

/**
 * `text` with every unsafe character shown as an escape: `\x1b` up to U+00FF,
 * `\u{202e}` above. With `keepLineBreaks`, LF (and TAB) stay as they are, for
 * multi-line output the program itself composed.
 */
export function escapeUnsafe(text: string, opts: { keepLineBreaks?: boolean } = {}): string {
  return replaceUnsafe(text, (ch, cp) => {
    if (opts.keepLineBreaks && (cp === 0x0a || cp === 0x09)) return ch;
    return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`;
  });
}
