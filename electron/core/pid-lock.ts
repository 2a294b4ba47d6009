/**
 * Single-owner lock files holding the owner's pid. Two processes on one
 * station (the desktop app and the CLI) must not both write the same state; a
 * lock left behind by a process that died is taken over rather than wedging
 * the station until someone deletes a file by hand.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take the lock file `path`. A lock left by a dead process, or by this
 * process, is taken over. Reports the owner's pid if another live process holds it.
 */
export function takePidLock(path: string): { ok: true } | { ok: false; pid: number } {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return { ok: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = NaN;
      try { owner = Number.parseInt(readFileSync(path, 'utf8'), 10); } catch { /* vanished: retry */ }
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) return { ok: false, pid: owner };
      try { unlinkSync(path); } catch { /* raced with another taker */ }
    }
  }
  return { ok: false, pid: NaN };
}

/** Release the lock if this process still owns it. */
export function releasePidLock(path: string): void {
  try {
    if (Number.parseInt(readFileSync(path, 'utf8'), 10) === process.pid) unlinkSync(path);
  } catch { /* already gone */ }
}
