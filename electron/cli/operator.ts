/** Who runs a command, for the ledger: --operator, $CUSTODIAN_OPERATOR or the login name. */
import { userInfo } from 'node:os';
import { CustodianError } from '../core/errors';
import { optString } from './args';
import { CliCodes } from './codes';
import type { CommandContext, OptionSpec } from './types';

export function operatorFrom(ctx: CommandContext): string {
  const op = optString(ctx, 'operator') ?? ctx.io.env.CUSTODIAN_OPERATOR ?? safeUser();
  if (op.trim() === '' || op.length > 64) throw new CustodianError(CliCodes.USAGE, '--operator must be 1–64 characters', { option: 'operator' });
  return op.trim();
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'operator';
  }
}

export const OPERATOR_OPTION: Record<string, OptionSpec> = {
  operator: { type: 'string', valueName: '<name>', description: 'who runs the ceremony, for the ledger (default $CUSTODIAN_OPERATOR or the login name)' },
};
