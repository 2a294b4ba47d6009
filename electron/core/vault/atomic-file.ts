/**
 * Crash-safe file writes: temp file in the same directory (O_EXCL, final
 * mode from the start), write, fsync, then rename (or link, to refuse
 * overwriting) onto the target, then fsync the directory.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, statSync, chmodSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** File mode (default 0o600). */
  mode?: number;
  /** Replace an existing file (default false: fail with EEXIST). */
  overwrite?: boolean;
  /** Create missing parent directories with this mode (default 0o700). */
  dirMode?: number;
}

export function ensurePrivateDir(dir: string, mode = 0o700): void {
  mkdirSync(dir, { recursive: true, mode });
  if (process.platform !== 'win32') {
    const st = statSync(dir);
    if ((st.mode & 0o777) !== mode) chmodSync(dir, mode);
  }
}

export function writeFileAtomic(path: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: opts.dirMode ?? 0o700 });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', opts.mode ?? 0o600);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    if (opts.overwrite) renameSync(tmp, path);
    else {
      linkSync(tmp, path); // fails with EEXIST rather than replacing
      unlinkSync(tmp);
    }
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  try {
    const dfd = openSync(dir, 'r');
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
  } catch {
    // Directory fsync is not supported everywhere (e.g. Windows); the rename is still atomic.
  }
}
