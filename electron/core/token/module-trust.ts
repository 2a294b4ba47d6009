/**
 * Whether a PKCS#11 module path may be loaded on a request that came from
 * the renderer. Loading a module runs its code in the main process, so a
 * path the UI names must be a library the machine's administrator
 * installed: a regular file owned by root and writable by no one else, in a
 * directory likewise (a compromised renderer cannot drop a library there).
 * The CLI, run by the officer in person, loads the module it is given.
 */
import { realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { CustodianError } from '../errors';
import { TokenCodes } from './codes';

const untrusted = (path: string, reason: string): CustodianError =>
  new CustodianError(TokenCodes.MODULE_UNTRUSTED, `the PKCS#11 module ${path} is not one the station loads for the app: ${reason}`, { path, reason });

export function assertTrustedModule(path: string, opts: { platform?: NodeJS.Platform } = {}): void {
  if ((opts.platform ?? process.platform) === 'win32') return; // no owner model to check; the installer's folders are admin-only
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw untrusted(path, 'it does not exist');
  }
  for (const [p, kind] of [[real, 'file'], [dirname(real), 'folder']] as const) {
    const st = statSync(p);
    if (kind === 'file' && !st.isFile()) throw untrusted(path, 'it is not a regular file');
    if (st.uid !== 0) throw untrusted(path, `its ${kind} is not owned by root`);
    if ((st.mode & 0o022) !== 0) throw untrusted(path, `its ${kind} is writable by group or others`);
  }
}
