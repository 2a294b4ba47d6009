/** Run the CLI in-process (fast) or as a child process (the real entry point). */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../electron/cli/run';
import type { CliIo, RegistryEntry } from '../../electron/cli/types';

export const BIN = fileURLToPath(new URL('../../bin/custodian.js', import.meta.url));

export interface CliRun { status: number; stdout: string; stderr: string }

export async function runInProcess(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; registry?: readonly RegistryEntry[] } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const stdin = new PassThrough();
  stdin.end();
  const io: CliIo = {
    stdout: { write: (s: string) => { stdout += s; return true; } },
    stderr: { write: (s: string) => { stderr += s; return true; } },
    stdin,
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
  };
  const status = await runCli(argv, io, opts.registry);
  return { status, stdout, stderr };
}

/** A running CLI child: its output so far, and its exit status once it closes. */
export interface CliChild {
  child: ChildProcessWithoutNullStreams;
  readonly stdout: string;
  readonly stderr: string;
  exited: Promise<number>;
}

/**
 * Start the real entry point with `input` (default none) on its stdin, then closed.
 * Ambient CUSTODIAN_* variables apply only when `env` gives them.
 */
export function startBin(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): CliChild {
  const env = { ...process.env, ...opts.env };
  delete env.CUSTODIAN_PASSPHRASE;
  delete env.CUSTODIAN_HOME;
  if (opts.env?.CUSTODIAN_PASSPHRASE) env.CUSTODIAN_PASSPHRASE = opts.env.CUSTODIAN_PASSPHRASE;
  if (opts.env?.CUSTODIAN_HOME) env.CUSTODIAN_HOME = opts.env.CUSTODIAN_HOME;
  const child = spawn(process.execPath, [BIN, ...argv], { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
  });
  child.stdin.end(opts.input ?? '');
  return { child, get stdout() { return stdout; }, get stderr() { return stderr; }, exited };
}

export async function runBin(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): Promise<CliRun> {
  const run = startBin(argv, opts);
  const status = await run.exited;
  return { status, stdout: run.stdout, stderr: run.stderr };
}
