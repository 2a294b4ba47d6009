/** Reading input files and writing output files for commands, with CLI_* codes. */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CustodianError, isCustodianError } from '../core/errors';
import { INPUT_LIMITS, readBoundedSync, type InputKind } from '../core/bounded-read';
import { writeFileAtomic } from '../core/vault/index';
import { CliCodes } from './codes';
import type { CommandContext } from './types';

/**
 * Read an input file named on the command line, bounded by the limit for its
 * kind whatever the path names (file, FIFO, device): INPUT_TOO_LARGE past the
 * bound, CLI_INPUT_UNREADABLE when it cannot be read.
 */
export function readInputFile(ctx: CommandContext, path: string, what: string, kind: InputKind): Buffer {
  const abs = ctx.resolvePath(path);
  try {
    return readBoundedSync(abs, { limit: INPUT_LIMITS[kind], what: `${what} file`, shown: path });
  } catch (e) {
    if (isCustodianError(e)) throw e;
    throw new CustodianError(CliCodes.INPUT_UNREADABLE, `cannot read the ${what} file ${path}`, { path: abs, reason: (e as NodeJS.ErrnoException).code ?? String(e) });
  }
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

/**
 * Check, before anything is signed or recorded, that writeOutputFile can
 * write `path`: CLI_OUTPUT_UNWRITABLE when it exists (without `force`) or is
 * a folder, or when the folder it goes in cannot take a file (probed with a
 * temp file, as the write itself makes one there).
 */
export function checkOutputFile(ctx: CommandContext, path: string, force: boolean): string {
  const abs = ctx.resolvePath(path);
  const st = statSync(abs, { throwIfNoEntry: false });
  if (st?.isDirectory()) throw new CustodianError(CliCodes.OUTPUT_UNWRITABLE, `${path} is a folder: name a file`, { path: abs });
  if (st && !force) throw new CustodianError(CliCodes.OUTPUT_UNWRITABLE, `${path} already exists (use --force to replace it)`, { path: abs });
  let dir = dirname(abs);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const probe = join(dir, `.custodian-probe-${randomBytes(6).toString('hex')}.tmp`);
  try {
    closeSync(openSync(probe, 'wx', 0o600));
    unlinkSync(probe);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CustodianError(CliCodes.OUTPUT_UNWRITABLE, `cannot write ${path}: ${code === 'ENOTDIR' ? `${dir} is not a folder` : (e as Error).message}`, { path: abs, reason: code });
  }
  return abs;
}
