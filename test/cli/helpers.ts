/** Run the CLI in-process (fast) or as a child process (the real entry point). */
import { spawn } from 'node:child_process';
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

export function runBin(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
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
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}
