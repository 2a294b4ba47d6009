/**
 * Secrets for the CA key: a vault passphrase or a token PIN.
 *
 * Passphrase sources, in order: --passphrase-file <f> (`-` = stdin), the
 * CUSTODIAN_PASSPHRASE environment variable, a no-echo prompt on a TTY.
 * Never a plain argv value: argv is visible to every local user via ps.
 *
 * A passphrase file holds the passphrase exactly: one final line ending
 * (`\n` or `\r\n`) is removed and nothing else, so spaces, tabs and a
 * byte-order mark are part of it; a file with another line break, or that
 * is not UTF-8, is refused. A new passphrase (`confirm`) must meet the vault's rule
 * (electron/shared/passphrase-rule.ts), checked before anything is created.
 *
 * A token PIN comes the same way from its own sources: --pin-file <f>
 * (`-` = stdin), CUSTODIAN_PIN, a no-echo prompt; never argv. It is asked
 * once (the token, not Custodian, decides whether it is right) and never
 * retried: tokens count wrong PINs and lock.
 */
import { INPUT_LIMITS, readBoundedSync, readStreamBounded } from '../core/bounded-read';
import { CustodianError, isCustodianError } from '../core/errors';
import { checkNewPassphrase } from '../core/vault/index';
import { CliCodes } from './codes';
import type { CliIo, PassphraseRequest } from './types';

export interface PassphraseSources {
  file?: string; // already resolved against cwd, or '-'
  io: CliIo;
}

/** The passphrase a passphrase file's bytes hold: the text without one final line ending. */
export function passphraseFromFile(bytes: Uint8Array, shown: string): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new CustodianError(CliCodes.PASSPHRASE_FILE_INVALID, `the passphrase file ${shown} is not UTF-8 text`, { path: shown });
  }
  const p = text.replace(/\r?\n$/, '');
  if (/[\r\n]/.test(p)) {
    throw new CustodianError(CliCodes.PASSPHRASE_FILE_INVALID, `the passphrase file ${shown} holds more than one line: it must hold the passphrase alone`, { path: shown });
  }
  if (p === '') throw new CustodianError(CliCodes.PASSPHRASE_REQUIRED, `the passphrase file ${shown} is empty`, { path: shown });
  return p;
}

async function readPassphraseFile(src: PassphraseSources & { file: string }): Promise<Buffer> {
  const bound = { limit: INPUT_LIMITS.passphrase, what: 'passphrase file' };
  try {
    return src.file === '-' ? await readStreamBounded(src.io.stdin, { ...bound, what: 'passphrase on', shown: 'stdin' }) : readBoundedSync(src.file, bound);
  } catch (e) {
    if (isCustodianError(e)) throw e;
    throw new CustodianError(CliCodes.INPUT_UNREADABLE, `cannot read the passphrase file ${src.file}`, {
      path: src.file,
      reason: (e as NodeJS.ErrnoException).code ?? String(e),
    });
  }
}

export async function obtainPassphrase(src: PassphraseSources, req: PassphraseRequest): Promise<string> {
  const p = await fromSources(src, req);
  if (req.confirm) checkNewPassphrase(p);
  return p;
}

async function fromSources(src: PassphraseSources, req: PassphraseRequest): Promise<string> {
  if (src.file !== undefined) return passphraseFromFile(await readPassphraseFile({ ...src, file: src.file }), src.file === '-' ? 'stdin' : src.file);
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

export interface PinSources {
  file?: string; // already resolved against cwd, or '-'
  io: CliIo;
}

export async function obtainPin(src: PinSources, purpose: string): Promise<string> {
  if (src.file !== undefined) {
    const shown = src.file === '-' ? 'stdin' : src.file;
    return passphraseFromFile(await readPassphraseFile({ ...src, file: src.file }), shown);
  }
  const env = src.io.env.CUSTODIAN_PIN;
  if (env !== undefined && env !== '') return env;
  const stdin = src.io.stdin;
  if (stdin.isTTY && typeof stdin.setRawMode === 'function') return promptNoEcho(src.io, `PIN for ${purpose}: `);
  throw new CustodianError(CliCodes.PIN_REQUIRED, `a PIN is needed for ${purpose} and none was given`, { sources: ['--pin-file', 'CUSTODIAN_PIN', 'tty'] });
}
