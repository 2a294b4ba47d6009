/**
 * Durable file primitives. Every ledger write goes through `LedgerIo`, so tests
 * can inject failures (a full disk, an fsync error) without touching the disk.
 */
import * as fs from 'node:fs';
import { dirname } from 'node:path';

export interface LedgerIo {
  openSync: typeof fs.openSync;
  writeSync: (fd: number, buf: Uint8Array, offset: number, length: number, position: number | null) => number;
  fsyncSync: (fd: number) => void;
  ftruncateSync: (fd: number, len: number) => void;
  closeSync: (fd: number) => void;
  renameSync: (from: string, to: string) => void;
}

export const nodeIo: LedgerIo = {
  openSync: fs.openSync,
  writeSync: (fd, buf, offset, length, position) => fs.writeSync(fd, buf, offset, length, position),
  fsyncSync: fs.fsyncSync,
  ftruncateSync: fs.ftruncateSync,
  closeSync: fs.closeSync,
  renameSync: fs.renameSync,
};

export function writeFully(io: LedgerIo, fd: number, buf: Uint8Array, position: number): void {
  let done = 0;
  while (done < buf.length) {
    const n = io.writeSync(fd, buf, done, buf.length - done, position + done);
    if (n <= 0) throw new Error('short write');
    done += n;
  }
}

const ignorableDirSyncError = (e: unknown): boolean => {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EISDIR' || code === 'EPERM' || code === 'EINVAL';
};

/** fsync a directory so a rename or a file creation inside it is durable (no-op where unsupported). */
export function fsyncDir(io: LedgerIo, dir: string): void {
  let fd: number | undefined;
  try {
    fd = io.openSync(dir, 'r');
    io.fsyncSync(fd);
  } catch (e) {
    if (!ignorableDirSyncError(e)) throw e;
  } finally {
    if (fd !== undefined) io.closeSync(fd);
  }
}

/**
 * Open a directory for repeated fsyncs (a writer that renames into it often
 * keeps it open). Returns -1 where directories cannot be opened; fsyncDirFd is
 * then a no-op, as fsyncDir is.
 */
export function openDir(io: LedgerIo, dir: string): number {
  try {
    return io.openSync(dir, 'r');
  } catch (e) {
    if (!ignorableDirSyncError(e)) throw e;
    return -1;
  }
}

/** fsync a directory opened with openDir. */
export function fsyncDirFd(io: LedgerIo, fd: number): void {
  if (fd < 0) return;
  try {
    io.fsyncSync(fd);
  } catch (e) {
    if (!ignorableDirSyncError(e)) throw e;
  }
}

/**
 * Replace `path` atomically: write a temp file, fsync it, rename over, fsync
 * the directory (`dirFd`, from openDir, when the caller holds it open).
 */
export function atomicWrite(io: LedgerIo, path: string, data: Uint8Array, mode = 0o644, dirFd?: number): void {
  const tmp = `${path}.tmp`;
  const fd = io.openSync(tmp, 'w', mode);
  try {
    writeFully(io, fd, data, 0);
    io.fsyncSync(fd);
  } finally {
    io.closeSync(fd);
  }
  io.renameSync(tmp, path);
  if (dirFd !== undefined) fsyncDirFd(io, dirFd);
  else fsyncDir(io, dirname(path));
}

/**
 * Find the end of the last complete line. Bytes after the last newline are a
 * torn tail (a crash during an unacknowledged append).
 */
export function completeLength(fd: number, size: number): number {
  const chunk = Buffer.allocUnsafe(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const n = fs.readSync(fd, chunk, 0, end - start, start);
    const i = chunk.subarray(0, n).lastIndexOf(10);
    if (i >= 0) return start + i + 1;
    end = start;
  }
  return 0;
}
