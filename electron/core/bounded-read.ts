/**
 * Bounded reads of every input the station takes from outside: CSRs, bundles,
 * keys, certificate and checkpoint files, passphrase files, audit bundles.
 * The bound holds whatever the path names (a regular file, a FIFO, a character
 * device such as /dev/zero, a symlink to one, stdin): at most `limit + 1`
 * bytes are ever read, and one byte past the bound is INPUT_TOO_LARGE naming
 * the file and the bound. A regular file whose size is already past the bound
 * is refused before any byte is read.
 *
 * Opening a FIFO waits for a writer (as any reader does); what is bounded is
 * how much is read once it writes. Inputs that are always written as files
 * (an audit bundle's) can be held to regular files (`regularOnly`:
 * INPUT_NOT_A_FILE), so a FIFO or device there is refused before any read. I/O errors (ENOENT, EACCES, EISDIR…) are
 * thrown as Node's own errors, for the caller to wrap in its own code.
 */
import { closeSync, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { CustodianError } from './errors';
import { InputCodes } from './input-codes';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/**
 * The bound for each kind of input, in bytes (docs/cli.md §Input bounds). Each
 * is far above any honest file of its kind and far below what would exhaust
 * the station's memory.
 */
export const INPUT_LIMITS = {
  /** A PKCS#10 request (PEM or DER). */
  csr: 64 * KiB,
  /** A private key to migrate (PEM), or an auditor's cosigner key file. */
  key: 64 * KiB,
  /** The brand owner's device identity public keys (JSON, ~200 bytes a device). */
  identityKeys: 64 * MiB,
  /** A signed bundle to import: the certificate and its chain to the root. */
  bundle: 1 * MiB,
  /** A certificate file or chain (PEM or DER): --root, --chain, --cert, each --observed file, a bundle's chain.pem. */
  certificates: 1 * MiB,
  /** A work order, unsigned (JSON) or signed (CMS): its allow-list may list up to 100 000 device IDs. */
  workOrder: 32 * MiB,
  /** A passphrase file (or stdin with `--passphrase-file -`). */
  passphrase: 4 * KiB,
  /** One signed note: a checkpoint, a cosigned checkpoint, a verifier key. */
  note: 64 * KiB,
  /** A file of many signed notes: --trusted-checkpoints, a bundle's cosigned.jsonl. */
  notes: 64 * MiB,
  /** A ledger bundle's checkpoints.jsonl (one signed note per checkpoint the station signed). */
  checkpointHistory: 256 * MiB,
  /** A ledger bundle's entries.jsonl. */
  entries: 2 * GiB,
} as const;

export type InputKind = keyof typeof INPUT_LIMITS;

/** Each read call asks for at most this much (Node refuses single reads of 2 GiB or more). */
const MAX_READ = 1 * GiB;
/** Read size for inputs whose length is not known in advance (FIFOs, devices, stdin). */
const CHUNK = 64 * KiB;

/** `64 KiB`, `1 MiB`, `4096 bytes`: the bound as the operator reads it. */
export function formatBytes(n: number): string {
  for (const [unit, size] of [['GiB', GiB], ['MiB', MiB], ['KiB', KiB]] as const) {
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  }
  return `${n} bytes`;
}

/** INPUT_TOO_LARGE for `what` at `path` and its bound. */
export function inputTooLarge(what: string, path: string, limit: number): CustodianError {
  return new CustodianError(
    InputCodes.TOO_LARGE,
    `the ${what} ${path} is larger than ${formatBytes(limit)}: refusing to read more (is it the right file?)`,
    { path, what, limitBytes: limit },
  );
}

export interface BoundedReadOptions {
  /** The largest number of bytes accepted (INPUT_LIMITS[kind] for a known kind). */
  limit: number;
  /** What the file is, in the error message: `CSR file`, `passphrase file`, `bundle file`… */
  what: string;
  /** The path as the operator wrote it, for the message (default: the path read). */
  shown?: string;
  /** Refuse anything but a regular file (INPUT_NOT_A_FILE) before reading a byte: for files that are always written as files. */
  regularOnly?: boolean;
}

function notAFile(what: string, path: string): CustodianError {
  return new CustodianError(InputCodes.NOT_A_FILE, `the ${what} ${path} is not a regular file (a FIFO, a device or a directory): refusing to read it`, { path, what });
}

function limitOf(o: BoundedReadOptions): number {
  if (!Number.isSafeInteger(o.limit) || o.limit < 0) throw new RangeError(`bad input bound ${o.limit}`);
  return o.limit;
}

/** Collects what a reader delivers and refuses the byte past the bound. */
class Collector {
  private readonly parts: Buffer[] = [];
  total = 0;
  constructor(private readonly limit: number, private readonly fail: () => CustodianError) {}
  add(b: Buffer): void {
    this.total += b.length;
    if (this.total > this.limit) throw this.fail();
    this.parts.push(b);
  }
  /** How many bytes the next read asks for: never more than one past the bound in all. */
  nextRead(): number {
    return Math.min(CHUNK, this.limit + 1 - this.total);
  }
  result(): Buffer {
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.total);
  }
}

/**
 * The first read asks for the whole of a regular file plus one byte (a file
 * that grew, or a /proc file reporting size 0, is then read on in chunks);
 * anything else is read in chunks. Never more than `limit + 1` bytes in all.
 */
function firstRequest(size: number | null, limit: number): number {
  return Math.min((size ?? CHUNK - 1) + 1, limit + 1);
}

/** The checks on an opened input before anything is read; returns the size of the first read. */
function startRead(st: Stats, path: string, opts: BoundedReadOptions, limit: number, fail: () => CustodianError): number {
  if (opts.regularOnly && !st.isFile()) throw notAFile(opts.what, opts.shown ?? path);
  if (st.isFile() && st.size > limit) throw fail();
  return firstRequest(st.isFile() ? st.size : null, limit);
}

/** Read `path` whole, refusing it past `opts.limit` bytes (INPUT_TOO_LARGE). */
export function readBoundedSync(path: string, opts: BoundedReadOptions): Buffer {
  const limit = limitOf(opts);
  const fail = () => inputTooLarge(opts.what, opts.shown ?? path, limit);
  // Checked by path first as well, so that a FIFO is refused without waiting for a writer.
  if (opts.regularOnly && !statSync(path).isFile()) throw notAFile(opts.what, opts.shown ?? path);
  const fd = openSync(path, 'r');
  try {
    const out = new Collector(limit, fail);
    for (let want = startRead(fstatSync(fd), path, opts, limit, fail); ; want = out.nextRead()) {
      const buf = Buffer.allocUnsafe(Math.min(want, MAX_READ));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) return out.result();
      out.add(n === buf.length ? buf : buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}

/** readBoundedSync without blocking the event loop (the station service's file reads). */
export async function readBounded(path: string, opts: BoundedReadOptions): Promise<Buffer> {
  const limit = limitOf(opts);
  const fail = () => inputTooLarge(opts.what, opts.shown ?? path, limit);
  if (opts.regularOnly && !(await stat(path)).isFile()) throw notAFile(opts.what, opts.shown ?? path);
  const fh = await open(path, 'r');
  try {
    const out = new Collector(limit, fail);
    for (let want = startRead(await fh.stat(), path, opts, limit, fail); ; want = out.nextRead()) {
      const buf = Buffer.allocUnsafe(Math.min(want, MAX_READ));
      const { bytesRead: n } = await fh.read(buf, 0, buf.length, null);
      if (n === 0) return out.result();
      out.add(n === buf.length ? buf : buf.subarray(0, n));
    }
  } finally {
    await fh.close();
  }
}

/**
 * Read a stream (stdin) to its end, refusing it past `opts.limit` bytes: the
 * stream is destroyed at the first chunk past the bound, so nothing more is read.
 */
export async function readStreamBounded(stream: NodeJS.ReadableStream, opts: BoundedReadOptions & { shown: string }): Promise<Buffer> {
  const limit = limitOf(opts);
  const out = new Collector(limit, () => inputTooLarge(opts.what, opts.shown, limit));
  // Leaving the loop early (the throw below) destroys the stream.
  for await (const c of stream) out.add(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return out.result();
}
