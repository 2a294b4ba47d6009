/**
 * The CLI runner: `custodian [global options] <command> [<subcommand>] [options] [args]`.
 * Resolves the command from the registry, parses its options with
 * node:util parseArgs (strict), runs it and prints the result or the error.
 * Returns the exit status instead of exiting, so tests can run it in-process.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { CustodianError } from '../core/errors';
import { CliCodes } from './codes';
import { registry } from './commands/index';
import { ExitStatus } from './exit-codes';
import { terminalText, writeError, writeResult } from './output';
import { obtainPassphrase } from './passphrase';
import { isGroup, type CliCommand, type CliIo, type CommandContext, type OptionSpec, type RegistryEntry } from './types';

/** Options every command accepts, anywhere on the line. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  home: { type: 'string', valueName: '<dir>', description: 'station state directory (env CUSTODIAN_HOME, default ~/.custodian)' },
  json: { type: 'boolean', description: 'print one JSON document on stdout (errors as {"error":{code,message,details}})' },
  'passphrase-file': { type: 'string', valueName: '<file>', description: 'read the key passphrase from the first line of <file> (`-` = stdin)' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};

const FORBIDDEN_FLAGS = ['--passphrase', '--password', '--pass'];

function usageError(message: string, details: Record<string, unknown> = {}): CustodianError {
  return new CustodianError(CliCodes.USAGE, message, details);
}

function takesValue(token: string, extra: Readonly<Record<string, OptionSpec>> = {}): boolean {
  if (!token.startsWith('--') || token.includes('=')) return false;
  const spec = GLOBAL_OPTIONS[token.slice(2)] ?? extra[token.slice(2)];
  return spec?.type === 'string';
}

/** Split argv into the command words (first two non-option tokens) and the rest. */
function splitCommandWords(argv: readonly string[], maxWords: number): { words: string[]; rest: string[] } {
  const words: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i]!;
    if (t === '--') { rest.push(...argv.slice(i)); break; }
    if (t.startsWith('-') && t !== '-') {
      rest.push(t);
      if (takesValue(t) && i + 1 < argv.length) rest.push(argv[++i]!);
      continue;
    }
    if (words.length < maxWords) words.push(t);
    else rest.push(t);
  }
  return { words, rest };
}

function toParseArgs(specs: Readonly<Record<string, OptionSpec>>): ParseArgsOptionsConfig {
  const out: ParseArgsOptionsConfig = {};
  for (const [name, s] of Object.entries(specs)) {
    out[name] = { type: s.type, ...(s.short ? { short: s.short } : {}), ...(s.multiple ? { multiple: true } : {}) };
  }
  return out;
}

function optionLines(specs: Readonly<Record<string, OptionSpec>>): string[] {
  const rows = Object.entries(specs).map(([name, s]) => {
    const flag = `${s.short ? `-${s.short}, ` : '    '}--${name}${s.type === 'string' ? ` ${s.valueName ?? '<value>'}` : ''}`;
    return [flag, s.description] as const;
  });
  const w = Math.max(0, ...rows.map(([f]) => f.length));
  return rows.map(([f, d]) => `  ${f.padEnd(w)}  ${d}`);
}

export function topLevelHelp(entries: readonly RegistryEntry[] = registry): string {
  const w = Math.max(0, ...entries.map((e) => e.name.length));
  return [
    'custodian — manufacturing-station certificate authority',
    '',
    'Usage: custodian [--home <dir>] [--json] <command> [<subcommand>] [options]',
    '',
    'Commands:',
    ...entries.map((e) => `  ${e.name.padEnd(w)}  ${e.summary}`),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Exit statuses: 0 ok, 1 unexpected, 2 usage, 3 input, 4 chain/policy, 5 vault/key, 6 device, 7 ledger/audit (docs/cli.md).',
  ].join('\n');
}

function groupHelp(g: RegistryEntry & { kind: 'group' }): string {
  const w = Math.max(0, ...g.commands.map((c) => c.name.length));
  return [
    `custodian ${g.name} — ${g.summary}`,
    '',
    `Usage: custodian ${g.name} <command> [options]`,
    '',
    'Commands:',
    ...g.commands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    `Run \`custodian ${g.name} <command> --help\` for a command's options.`,
  ].join('\n');
}

function commandHelp(path: string, c: CliCommand): string {
  const lines = [`custodian ${path} — ${c.summary}`, '', `Usage: custodian ${path}${c.usage ? ` ${c.usage}` : ''}`];
  if (c.description) lines.push('', c.description);
  if (c.options && Object.keys(c.options).length > 0) lines.push('', 'Options:', ...optionLines(c.options));
  lines.push('', 'Global options:', ...optionLines(GLOBAL_OPTIONS));
  return lines.join('\n');
}

export function defaultHome(env: NodeJS.ProcessEnv): string {
  return env.CUSTODIAN_HOME && env.CUSTODIAN_HOME !== '' ? env.CUSTODIAN_HOME : join(homedir(), '.custodian');
}

export async function runCli(argv: readonly string[], io: CliIo, entries: readonly RegistryEntry[] = registry): Promise<number> {
  // --json is honoured for errors even before the command line is fully parsed.
  const json = argv.includes('--json');
  try {
    for (const t of argv) {
      if (t === '--') break;
      if (FORBIDDEN_FLAGS.some((f) => t === f || t.startsWith(`${f}=`))) {
        throw new CustodianError(CliCodes.PASSPHRASE_ON_ARGV, `${t.split('=')[0]} is not accepted: a passphrase on the command line is visible to other users`, { option: t.split('=')[0] });
      }
    }
    const { words, rest } = splitCommandWords(argv, 2);
    const wantsHelp = rest.includes('--help') || rest.includes('-h');
    const [first, second] = words;
    if (first === undefined || first === 'help') {
      if (first === undefined && !wantsHelp) {
        io.stderr.write(`${topLevelHelp(entries)}\n`);
        throw usageError('no command given');
      }
      writeResult(io, false, { data: null, human: topLevelHelp(entries) });
      return ExitStatus.OK;
    }
    const entry = entries.find((e) => e.name === first);
    if (!entry) throw usageError(`unknown command "${first}"`, { command: first, known: entries.map((e) => e.name) });

    let command: CliCommand;
    let path: string;
    let commandRest = rest;
    if (isGroup(entry)) {
      if (second === undefined) {
        if (wantsHelp) {
          writeResult(io, false, { data: null, human: groupHelp(entry) });
          return ExitStatus.OK;
        }
        io.stderr.write(`${groupHelp(entry)}\n`);
        throw usageError(`"${entry.name}" needs a subcommand`, { command: entry.name, known: entry.commands.map((c) => c.name) });
      }
      const sub = entry.commands.find((c) => c.name === second);
      if (!sub) throw usageError(`unknown command "${entry.name} ${second}"`, { command: `${entry.name} ${second}`, known: entry.commands.map((c) => c.name) });
      command = sub;
      path = `${entry.name} ${sub.name}`;
    } else {
      command = entry;
      path = entry.name;
      // A plain command's second word is its first positional: re-split with one command word.
      commandRest = splitCommandWords(argv, 1).rest;
    }
    if (wantsHelp) {
      writeResult(io, false, { data: null, human: commandHelp(path, command) });
      return ExitStatus.OK;
    }

    const specs = { ...GLOBAL_OPTIONS, ...(command.options ?? {}) };
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: [...commandRest], options: toParseArgs(specs), strict: true, allowPositionals: true });
    } catch (e) {
      throw usageError(`${path}: ${(e as Error).message.split('\n')[0]}`, { command: path });
    }
    const values = { ...parsed.values } as Record<string, string | boolean | string[] | boolean[] | undefined>;
    const min = command.positionals?.min ?? 0;
    const max = command.positionals?.max ?? 0;
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw usageError(
        `${path} takes ${min === max ? `${min}` : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, got ${parsed.positionals.length}`,
        { command: path, usage: `custodian ${path}${command.usage ? ` ${command.usage}` : ''}` },
      );
    }

    const resolvePath = (p: string) => (isAbsolute(p) ? p : resolve(io.cwd, p));
    const homeOpt = values.home;
    const home = resolvePath(typeof homeOpt === 'string' && homeOpt !== '' ? homeOpt : defaultHome(io.env));
    const ppFile = typeof values['passphrase-file'] === 'string' ? (values['passphrase-file'] as string) : undefined;
    for (const g of Object.keys(GLOBAL_OPTIONS)) delete values[g];

    const ctx: CommandContext = {
      values,
      positionals: parsed.positionals,
      home,
      json,
      io,
      resolvePath,
      info: (line) => { if (!json) io.stderr.write(`${terminalText(line)}\n`); },
      warn: (line) => { io.stderr.write(`warning: ${terminalText(line)}\n`); },
      passphrase: (req) => obtainPassphrase({ io, ...(ppFile !== undefined ? { file: ppFile === '-' ? '-' : resolvePath(ppFile) } : {}) }, req),
    };
    const result = await command.run(ctx);
    writeResult(io, json, result);
    return ExitStatus.OK;
  } catch (e) {
    return writeError(io, json, e);
  }
}

export function nodeIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}
