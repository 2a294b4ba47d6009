/**
 * Where a ceremony makes the new CA key: sealed in the station's vault under
 * a new passphrase, or generated in a hardware token and used there under
 * its PIN. A token key is EC (P-256 or P-384).
 */
import type { KeyAlgorithm } from '../../../electron/shared/api/common';
import { newPassphraseOk } from './passphrase';
import { tokenUri, type TokenFields } from './tokenUri';

export type KeyWhere = 'vault' | 'token';

export const TOKEN_ALGORITHMS: readonly KeyAlgorithm[] = ['P-256', 'P-384'];

export function algorithmFits(where: KeyWhere, algorithm: KeyAlgorithm): boolean {
  return where === 'vault' || TOKEN_ALGORITHMS.includes(algorithm);
}

export interface PlacementInput {
  where: KeyWhere;
  pass: string;
  confirm: string;
  token: TokenFields;
  pin: string;
}

/** Whether the secret step is complete: a passphrase typed twice, or a usable token URI and a PIN. */
export function placementReady(p: PlacementInput): boolean {
  return p.where === 'vault' ? newPassphraseOk(p.pass, p.confirm) : tokenUri(p.token) !== null && p.pin.length > 0;
}

/** The ceremony's `passphrase` or `token` argument (exactly one). */
export function placementArg(p: PlacementInput): { passphrase: string } | { token: { uri: string; pin: string } } {
  if (p.where === 'vault') return { passphrase: p.pass };
  const uri = tokenUri(p.token);
  if (uri === null) throw new Error('the token fields are incomplete');
  return { token: { uri, pin: p.pin } };
}
