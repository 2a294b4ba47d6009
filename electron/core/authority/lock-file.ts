/**
 * A per-authority lock file, so two processes on one station (the desktop app
 * and the CLI) cannot run state-changing ceremonies at the same time. The file
 * holds the owner's pid; a lock left by a dead process is taken over.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CustodianError } from '../errors';
import { releasePidLock, takePidLock } from '../pid-lock';
import { AuthorityCodes } from './codes';

export async function withAuthorityLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, '.lock');
  let lock: ReturnType<typeof takePidLock>;
  try {
    lock = takePidLock(path);
  } catch (e) {
    throw new CustodianError(AuthorityCodes.BUSY, 'another process is changing this station\'s authority; try again when it has finished', { lockFile: path }, { cause: e });
  }
  if (!lock.ok) {
    const who = Number.isNaN(lock.pid) ? 'another process' : `another process (pid ${lock.pid})`;
    throw new CustodianError(AuthorityCodes.BUSY, `${who} is changing this station's authority; try again when it has finished`, { lockFile: path, pid: lock.pid });
  }
  try {
    return await fn();
  } finally {
    releasePidLock(path);
  }
}
