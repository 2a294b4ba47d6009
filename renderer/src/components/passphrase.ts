/**
 * The station's rule for new passphrases (electron/shared/passphrase-rule.ts,
 * the same rule the vault, the CLI and the API contract enforce), checked
 * early in the forms that create a key.
 */
import { PASSPHRASE_RULE, PASSPHRASE_RULE_TEXT, newPassphraseProblem } from '../../../electron/shared/passphrase-rule';

export const MIN_PASSPHRASE = PASSPHRASE_RULE.minLength;
export { PASSPHRASE_RULE_TEXT };

/** What is wrong with the new passphrase (or its confirmation) as typed so far, or null. */
export function newPassphraseProblemText(pass: string, confirm: string): string | null {
  if (pass.length > 0) {
    const p = newPassphraseProblem(pass);
    if (p) return `${p.message.charAt(0).toUpperCase()}${p.message.slice(1)}.`;
  }
  if (confirm.length > 0 && confirm !== pass) return 'The two passphrases differ.';
  return null;
}

export function newPassphraseOk(pass: string, confirm: string): boolean {
  return newPassphraseProblem(pass) === null && pass === confirm;
}
