/** Rule the station enforces for new passphrases (NewPassphrase in the contract), shown early in forms. */
export const MIN_PASSPHRASE = 12;

export function newPassphraseOk(pass: string, confirm: string): boolean {
  return pass.length >= MIN_PASSPHRASE && pass === confirm;
}
