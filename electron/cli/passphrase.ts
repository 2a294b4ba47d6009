/**
 * Passphrase sources, in order: --passphrase-file <f> (`-` = stdin), the
 * CUSTODIAN_PASSPHRASE environment variable, a no-echo prompt on a TTY.
 * Never a plain argv value: argv is visible to every local user via ps.
 */
import { readFileSync } from 'node:fs';
import { CustodianError } from '../core/errors';
import { CliCodes } from './codes';
import type { CliIo, PassphraseRequest } from './types';

export interface PassphraseSources {
  file?: string; // already resolved against cwd, or '-'
  io: CliIo;
}

/** First line of the file, without its line ending. */
function firstLine(text: string): string {
  const nl = text.search(/\r?\n/);
  return nl === -1 ? text : text.slice(0, nl);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export async function obtainPassphrase(src: PassphraseSources, req: PassphraseRequest): Promise<string> {
  if (src.file !== undefined) {
    let text: string;
    try {
      text = src.file === '-' ? await readAll(src.io.stdin) : readFileSync(src.file, 'utf8');
    } catch (e) {
      throw new CustodianError(CliCodes.INPUT_UNREADABLE, `cannot read the passphrase file ${src.file}`, {
        path: src.file,
        reason: (e as NodeJS.ErrnoException).code ?? String(e),
      });
    }
    const p = firstLine(text);
    if (p === '') throw new CustodianError(CliCodes.PASSPHRASE_REQUIRED, `the passphrase file ${src.file} is empty`, { path: src.file });
    return p;
  }
  const env = src.io.env.CUSTODIAN_PASSPHRASE;
  if (env !== undefined && env !== '') return env;
  const stdin = src.io.stdin;
  if (stdin.isTTY && typeof stdin.setRawMode === 'function') {
    const first = await promptNoEcho(src.io, `Passphrase for ${req.purpose}: `);
    if (req.confirm) {
      const second = await promptNoEcho(src.io, 'Repeat the passphrase: ');
      if (first !== second) throw new CustodianError(CliCodes.PASSPHRASE_MISMATCH, 'the two passphrases differ');
    }
    return first;
  }
  throw new CustodianError(
    CliCodes.PASSPHRASE_REQUIRED,
    `a passphrase is needed for ${req.purpose} and none was given`,
    { sources: ['--passphrase-file', 'CUSTODIAN_PASSPHRASE', 'tty'] },
  );
}

/** Read one line from a TTY in raw mode, echoing nothing. */
function promptNoEcho(io: CliIo, prompt: string): Promise<string> {
  const stdin = io.stdin;
  // Echo off *before* the prompt appears, so nothing typed after it is echoed.
  stdin.setRawMode?.(true);
  io.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let buf = '';
    const done = (err: CustodianError | null) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr.write('\n');
      if (err) reject(err);
      else resolve(buf);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003' || ch === '\u0004') {
          return done(new CustodianError(CliCodes.ABORTED, 'aborted at the passphrase prompt'));
        }
        if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
        else if (ch === '\u0015') buf = ''; // Ctrl-U
        else if (ch >= ' ') buf += ch;
      }
    };
    stdin.resume();
    stdin.on('data', onData);
  });
}
