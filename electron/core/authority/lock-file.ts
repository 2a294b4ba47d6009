/**
 * A per-authority lock file, so two processes on one station (the desktop app
 * and the CLI) cannot run state-changing ceremonies at the same time. The file
 * holds the owner's pid; a lock left by a dead process is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CustodianError } from '../errors';
import { AuthorityCodes } from './codes';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function withAuthorityLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, '.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        throw new CustodianError(AuthorityCodes.BUSY, 'another process is changing this station\'s authority; try again when it has finished', { lockFile: path }, { cause: e });
      }
      const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
        throw new CustodianError(AuthorityCodes.BUSY, `another process (pid ${owner}) is changing this station's authority; try again when it has finished`, { lockFile: path, pid: owner });
      }
      unlinkSync(path); // stale: its owner is gone
    }
  }
  try {
    return await fn();
  } finally {
    try { unlinkSync(path); } catch { /* already removed */ }
  }
}
