/**
 * Typed accessors for parsed options. They throw CLI_USAGE with the option's
 * name, so every command reports bad arguments the same way.
 */
import { CustodianError } from '../core/errors';
import { CliCodes } from './codes';
import type { CommandContext } from './types';

function usage(message: string, details: Record<string, unknown> = {}): CustodianError {
  return new CustodianError(CliCodes.USAGE, message, details);
}

export function optString(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw usage(`--${name} takes a value`, { option: name });
  return v;
}

export function reqString(ctx: CommandContext, name: string): string {
  const v = optString(ctx, name);
  if (v === undefined || v === '') throw usage(`--${name} is required`, { option: name });
  return v;
}

export function optBool(ctx: CommandContext, name: string): boolean {
  return ctx.values[name] === true;
}

export function optInt(
  ctx: CommandContext,
  name: string,
  range: { min?: number; max?: number } = {},
): number | undefined {
  const raw = optString(ctx, name);
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw)) throw usage(`--${name} must be an integer, got "${raw}"`, { option: name, value: raw });
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw usage(`--${name} is out of range`, { option: name, value: raw });
  if (range.min !== undefined && n < range.min) throw usage(`--${name} must be ≥ ${range.min}`, { option: name, value: n });
  if (range.max !== undefined && n > range.max) throw usage(`--${name} must be ≤ ${range.max}`, { option: name, value: n });
  return n;
}

export function reqInt(ctx: CommandContext, name: string, range: { min?: number; max?: number } = {}): number {
  const n = optInt(ctx, name, range);
  if (n === undefined) throw usage(`--${name} is required`, { option: name });
  return n;
}

export function positional(ctx: CommandContext, index: number, what: string): string {
  const v = ctx.positionals[index];
  if (v === undefined || v === '') throw usage(`missing ${what}`, { argument: what });
  return v;
}
