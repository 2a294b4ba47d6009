/**
 * The rule for a new CA key passphrase, one for every path that creates or
 * re-seals a key: the vault (electron/core/vault), the CLI, the station API
 * contract and the app's NewPassphrase field (docs/vault-format.md
 * §Passphrases). A passphrase that opens an existing key is taken exactly as
 * given; this rule applies only when a key is sealed.
 *
 * Loaded by the renderer: no Node or electron imports here.
 */

export const PASSPHRASE_RULE = {
  /** Fewest characters (Unicode code points). */
  minLength: 12,
  /** Most characters: the API contract's bound. */
  maxLength: 1024,
  /** Fewest different characters. */
  minDistinct: 6,
  /** Fewest character classes (lower-case letters, upper-case letters, digits, anything else)… */
  minClasses: 2,
  /** …unless the passphrase is at least this long. */
  longEnough: 20,
} as const;

export type PassphraseProblemKind = 'blank' | 'edge-whitespace' | 'too-short' | 'too-long' | 'too-few-distinct' | 'one-class';

export interface PassphraseProblem {
  kind: PassphraseProblemKind;
  /** Plain language, for the operator. */
  message: string;
}

/** One line an operator reads next to the field or in --help. */
export const PASSPHRASE_RULE_TEXT =
  `at least ${PASSPHRASE_RULE.minLength} characters, ${PASSPHRASE_RULE.minDistinct} of them different, ` +
  `mixing two kinds (lower case, upper case, digits, spaces or symbols) unless it has ${PASSPHRASE_RULE.longEnough} or more; ` +
  'no space at the start or end';

function characterClass(ch: string): number {
  if (/^\p{Ll}$/u.test(ch)) return 0;
  if (/^\p{Lu}$/u.test(ch)) return 1;
  if (/^\p{Nd}$/u.test(ch)) return 2;
  return 3;
}

/** Why `passphrase` may not seal a new key, or null when it may. */
export function newPassphraseProblem(passphrase: string): PassphraseProblem | null {
  const chars = [...passphrase];
  const r = PASSPHRASE_RULE;
  if (passphrase.trim() === '') return { kind: 'blank', message: 'the passphrase is empty or only spaces' };
  if (passphrase !== passphrase.trim()) {
    return { kind: 'edge-whitespace', message: 'the passphrase begins or ends with a space (or another blank); such a space is easily lost when it is typed again' };
  }
  if (chars.length < r.minLength) return { kind: 'too-short', message: `the passphrase must be at least ${r.minLength} characters long` };
  if (chars.length > r.maxLength) return { kind: 'too-long', message: `the passphrase must be at most ${r.maxLength} characters long` };
  if (new Set(chars).size < r.minDistinct) return { kind: 'too-few-distinct', message: `the passphrase must use at least ${r.minDistinct} different characters` };
  if (chars.length < r.longEnough && new Set(chars.map(characterClass)).size < r.minClasses) {
    return { kind: 'one-class', message: `a passphrase shorter than ${r.longEnough} characters must mix two kinds of characters (lower case, upper case, digits, spaces or symbols)` };
  }
  return null;
}
