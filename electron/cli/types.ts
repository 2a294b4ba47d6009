/**
 * The contract between the CLI runner and a command module.
 *
 * A command is data (name, options, usage text) plus one `run` function that
 * returns a result; it never writes to stdout itself, never calls
 * process.exit, and reports failures by throwing CustodianError. The runner
 * prints the result (human text, or exactly one JSON document with --json),
 * maps error codes to exit statuses and keeps stack traces out of operator view.
 */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** One line for --help. */
  description: string;
  /** Placeholder shown in --help, e.g. `<file>`, `N`. */
  valueName?: string;
}

export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface CliIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface PassphraseRequest {
  /** What the passphrase unlocks, shown in the prompt, e.g. `the CA key of "Factory-Y"`. */
  purpose: string;
  /** Ask twice on a TTY (new key files). Non-interactive sources are taken as-is. */
  confirm?: boolean;
}

export interface CommandContext {
  /** Parsed command options (global options removed) and positionals. */
  readonly values: OptionValues;
  readonly positionals: readonly string[];
  /** The station state directory: --home, else $CUSTODIAN_HOME, else ~/.custodian. Not created here. */
  readonly home: string;
  /** True with --json: the result is printed as one JSON document. */
  readonly json: boolean;
  readonly io: CliIo;
  /** Resolve a path given on the command line against the caller's cwd. */
  resolvePath(p: string): string;
  /** Progress for humans on stderr; silent in --json mode. */
  info(line: string): void;
  /** Warnings on stderr (also in --json mode, as `warning: …`). */
  warn(line: string): void;
  /**
   * Obtain a passphrase from --passphrase-file, $CUSTODIAN_PASSPHRASE or a
   * no-echo TTY prompt, in that order. Throws CLI_PASSPHRASE_REQUIRED if none.
   */
  passphrase(req: PassphraseRequest): Promise<string>;
}

export interface CommandResult {
  /** The --json document (stdout). Must be JSON-serialisable and hold no secrets. */
  data: unknown;
  /** Human-readable output (stdout). Defaults to an indented rendering of `data`. */
  human?: string | readonly string[];
}

export interface CliCommand {
  kind?: 'command';
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Argument synopsis after the command name, e.g. `<csr> --path-len N --days D --out <bundle>`. */
  usage?: string;
  /** Longer help text (paragraphs), optional. */
  description?: string;
  options?: Readonly<Record<string, OptionSpec>>;
  /** Allowed positional count (default 0..0). */
  positionals?: { min?: number; max?: number };
  run(ctx: CommandContext): Promise<CommandResult>;
}

/** A command with subcommands: `custodian <group> <command> …`. */
export interface CommandGroup {
  kind: 'group';
  name: string;
  summary: string;
  commands: readonly CliCommand[];
}

export type RegistryEntry = CliCommand | CommandGroup;

export function isGroup(e: RegistryEntry): e is CommandGroup {
  return e.kind === 'group';
}
