/** Reading input files and writing output files for commands, with CLI_* codes. */
import { readFileSync } from 'node:fs';
import { CustodianError } from '../core/errors';
import { writeFileAtomic } from '../core/vault/index';
import { CliCodes } from './codes';
import type { CommandContext } from './types';

/** Inputs handed over between custodians are small; refuse anything silly. */
export const MAX_INPUT_BYTES = 1024 * 1024;

export function readInputFile(ctx: CommandContext, path: string, what: string): Buffer {
  const abs = ctx.resolvePath(path);
  let data: Buffer;
  try {
    data = readFileSync(abs);
  } catch (e) {
    throw new CustodianError(CliCodes.INPUT_UNREADABLE, `cannot read the ${what} file ${path}`, { path: abs, reason: (e as NodeJS.ErrnoException).code ?? String(e) });
  }
  if (data.length > MAX_INPUT_BYTES) throw new CustodianError(CliCodes.INPUT_UNREADABLE, `the ${what} file ${path} is larger than ${MAX_INPUT_BYTES} bytes`, { path: abs, size: data.length });
  return data;
}

/** Write a public output file atomically (0644); refuses to replace an existing file unless `force`. */
export function writeOutputFile(ctx: CommandContext, path: string, data: string | Uint8Array, force: boolean): string {
  const abs = ctx.resolvePath(path);
  try {
    writeFileAtomic(abs, data, { mode: 0o644, overwrite: force, dirMode: 0o755 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CustodianError(CliCodes.OUTPUT_UNWRITABLE, `${path} already exists (use --force to replace it)`, { path: abs });
    throw new CustodianError(CliCodes.OUTPUT_UNWRITABLE, `cannot write ${path}: ${(e as Error).message}`, { path: abs, reason: code });
  }
  return abs;
}
