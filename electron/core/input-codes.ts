/**
 * INPUT_* codes: reading the files an operator or another custodian hands to
 * the station (electron/core/bounded-read.ts). Published codes are never
 * renamed or reused; the CLI maps INPUT_* to exit status 3.
 */
export const InputCodes = {
  /** An input (file, FIFO, device, stdin) holds more bytes than the bound for its kind; nothing past the bound was read. */
  TOO_LARGE: 'INPUT_TOO_LARGE',
  /** An input that must be a regular file (a file of an audit bundle) is a FIFO, a device or a directory. */
  NOT_A_FILE: 'INPUT_NOT_A_FILE',
} as const;

export type InputCode = (typeof InputCodes)[keyof typeof InputCodes];
