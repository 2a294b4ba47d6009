/**
 * Single-owner lock files holding the owner's pid. Two processes on one
 * station (the desktop app and the CLI) must not both write the same state; a
 * lock left behind by a process that died is taken over rather than wedging
 * the station until someone deletes a file by hand.
 */
import * as fs from 'node:fs';

/** The file primitives a lock is written with (injectable, e.g. to simulate a full disk). */
export interface PidLockIo {
  openSync: (path: string, flags: string, mode?: number) => number;
  writeSync: (fd: number, buf: Uint8Array, offset: number, length: number, position: number | null) => number;
  closeSync: (fd: number) => void;
}

const nodeLockIo: PidLockIo = {
  openSync: (path, flags, mode) => fs.openSync(path, flags, mode),
  writeSync: (fd, buf, offset, length, position) => fs.writeSync(fd, buf, offset, length, position),
  closeSync: fs.closeSync,
};

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Write `${pid}\n` into a new lock file; a lock that could not be written completely is removed again. */
function writeLock(io: PidLockIo, path: string): void {
  const fd = io.openSync(path, 'wx', 0o600);
  try {
    const text = Buffer.from(`${process.pid}\n`);
    let done = 0;
    while (done < text.length) {
      const n = io.writeSync(fd, text, done, text.length - done, done);
      if (n <= 0) throw new Error('short write');
      done += n;
    }
  } catch (e) {
    try { io.closeSync(fd); } catch { /* reported below */ }
    try { fs.unlinkSync(path); } catch { /* already gone */ }
    throw e;
  }
  io.closeSync(fd);
}

/**
 * Take the lock file `path`. A lock left by a dead process, or by this
 * process, is taken over. Reports the owner's pid if another live process
 * holds it. A failure to write the lock (a full disk) throws the system error
 * and leaves no lock file behind.
 */
export function takePidLock(path: string, io: PidLockIo = nodeLockIo): { ok: true } | { ok: false; pid: number } {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeLock(io, path);
      return { ok: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = NaN;
      try { owner = Number.parseInt(fs.readFileSync(path, 'utf8'), 10); } catch { /* vanished: retry */ }
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) return { ok: false, pid: owner };
      try { fs.unlinkSync(path); } catch { /* raced with another taker */ }
    }
  }
  return { ok: false, pid: NaN };
}

/** Release the lock if this process still owns it. */
export function releasePidLock(path: string): void {
  try {
    if (Number.parseInt(fs.readFileSync(path, 'utf8'), 10) === process.pid) fs.unlinkSync(path);
  } catch { /* already gone */ }
}

/** What the system says about the process holding a lock (Linux /proc; elsewhere the pid only). */
export interface LockHolder {
  pid: number;
  /** Its command line, arguments separated by spaces, control characters escaped; null where unreadable. */
  command: string | null;
  /** When it started (ISO 8601); null where unknown. */
  startedAt: string | null;
}

/** Printable: control and bidirectional-format characters of another process's argv shown as \u escapes. */
function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Describe the process `pid`: its command line from /proc/<pid>/cmdline and
 * its start time from /proc/<pid>/stat (field 22, clock ticks after boot)
 * and the boot time in /proc/stat. `proc` is the procfs root (tests).
 */
export function describeLockHolder(pid: number, proc = '/proc', ticksPerSecond = 100): LockHolder {
  let command: string | null = null;
  let startedAt: string | null = null;
  if (!Number.isInteger(pid) || pid <= 0) return { pid, command, startedAt };
  try {
    const raw = fs.readFileSync(`${proc}/${pid}/cmdline`, 'utf8').replace(/\0+$/, '');
    if (raw !== '') {
      const text = printable(raw.split('\0').join(' '));
      command = text.length > 300 ? `${text.slice(0, 300)}…` : text;
    }
  } catch { /* not Linux, or gone */ }
  try {
    const stat = fs.readFileSync(`${proc}/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself hold spaces or ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]); // field 22 overall: starttime
    const btime = /^btime (\d+)$/m.exec(fs.readFileSync(`${proc}/stat`, 'utf8'));
    if (Number.isFinite(ticks) && btime) startedAt = new Date((Number(btime[1]) + ticks / ticksPerSecond) * 1000).toISOString();
  } catch { /* not Linux, or gone */ }
  return { pid, command, startedAt };
}
