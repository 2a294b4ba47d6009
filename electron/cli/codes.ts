/**
 * CLI_* error codes raised by the command-line front end itself (argument
 * parsing, passphrase acquisition, reading input files). Published codes are
 * never renamed or reused; see docs/cli.md for their exit statuses.
 */
export const CliCodes = {
  /** Unknown command, unknown/missing option, bad option value, wrong positional count. */
  USAGE: 'CLI_USAGE',
  /** A passphrase was given as a plain argv flag (`--passphrase`): refused, it would leak via ps/shell history. */
  PASSPHRASE_ON_ARGV: 'CLI_PASSPHRASE_ON_ARGV',
  /** A command needs a passphrase and none of --passphrase-file, CUSTODIAN_PASSPHRASE or a TTY is available. */
  PASSPHRASE_REQUIRED: 'CLI_PASSPHRASE_REQUIRED',
  /** A command needs a token PIN and none of --pin-file, CUSTODIAN_PIN or a TTY is available. */
  PIN_REQUIRED: 'CLI_PIN_REQUIRED',
  /** The interactive passphrase and its confirmation differ. */
  PASSPHRASE_MISMATCH: 'CLI_PASSPHRASE_MISMATCH',
  /** The operator aborted an interactive prompt (Ctrl-C / Ctrl-D). */
  ABORTED: 'CLI_ABORTED',
  /** The passphrase file holds more than one line, or is not UTF-8 text (docs/cli.md §Passphrases). */
  PASSPHRASE_FILE_INVALID: 'CLI_PASSPHRASE_FILE_INVALID',
  /** An input file named on the command line cannot be read. */
  INPUT_UNREADABLE: 'CLI_INPUT_UNREADABLE',
  /** An output file cannot be written (exists without --force, or I/O error). */
  OUTPUT_UNWRITABLE: 'CLI_OUTPUT_UNWRITABLE',
} as const;

export type CliCode = (typeof CliCodes)[keyof typeof CliCodes];
