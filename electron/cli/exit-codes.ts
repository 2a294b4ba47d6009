/**
 * Stable process exit statuses, one per error family. Scripts rely on them, so
 * a status, once published in docs/cli.md, never changes meaning.
 *
 * The family is decided by the error code's area prefix (see errors.ts), with
 * a few per-code overrides where the prefix alone would mislead.
 */
export const ExitStatus = {
  OK: 0,
  /** Anything that is not a CustodianError: a bug. */
  UNEXPECTED: 1,
  /** Command line misuse. */
  USAGE: 2,
  /** Bad input file: CSR, key, bundle, PEM/DER that does not parse. */
  INPUT: 3,
  /** Chain, certificate policy, or authority state refusals. */
  POLICY: 4,
  /** Key vault: locked, wrong passphrase, missing or damaged key file. */
  VAULT: 5,
  /** Device protocol / transport. */
  DEVICE: 6,
  /** Signing ledger and audit. */
  LEDGER: 7,
  /** Interrupted by the operator (Ctrl-C at a prompt, SIGINT). */
  INTERRUPTED: 130,
} as const;

export type ExitStatusValue = (typeof ExitStatus)[keyof typeof ExitStatus];

/** Exact-code overrides, checked before the prefix table. */
const BY_CODE: Readonly<Record<string, ExitStatusValue>> = {
  CLI_PASSPHRASE_REQUIRED: ExitStatus.USAGE,
  CLI_PASSPHRASE_ON_ARGV: ExitStatus.USAGE,
  CLI_PASSPHRASE_MISMATCH: ExitStatus.USAGE,
  CLI_ABORTED: ExitStatus.INTERRUPTED,
  CLI_INPUT_UNREADABLE: ExitStatus.INPUT,
  CLI_PASSPHRASE_FILE_INVALID: ExitStatus.INPUT,
  CLI_OUTPUT_UNWRITABLE: ExitStatus.INPUT,
  // Authority codes that are about input files or key access rather than policy.
  AUTHORITY_BAD_INPUT: ExitStatus.INPUT,
  AUTHORITY_BUNDLE_MALFORMED: ExitStatus.INPUT,
  AUTHORITY_KEY_UNREADABLE: ExitStatus.INPUT,
  AUTHORITY_CSR_NO_COMMON_NAME: ExitStatus.INPUT,
  AUTHORITY_ROOT_INVALID: ExitStatus.INPUT,
  AUTHORITY_NOT_CONFIGURED: ExitStatus.VAULT,
  AUTHORITY_LOCKED: ExitStatus.VAULT,
  AUTHORITY_STATE_CORRUPTED: ExitStatus.VAULT,
  AUTHORITY_JOURNAL_FAILED: ExitStatus.LEDGER,
  // A trust anchor that reads but is refused is a policy verdict, not a bad file.
  TRUST_BUNDLE_FINGERPRINT_MISMATCH: ExitStatus.POLICY,
  TRUST_BUNDLE_NOT_CA: ExitStatus.POLICY,
  TRUST_BUNDLE_EXPIRED: ExitStatus.POLICY,
  // A work order that cannot be read is a bad file; every other refusal is a policy verdict.
  WORK_ORDER_MALFORMED: ExitStatus.INPUT,
  WORK_ORDER_BAD_INPUT: ExitStatus.INPUT,
  REVOKE_INVALID: ExitStatus.USAGE,
  REVOKE_REASON_INVALID: ExitStatus.USAGE,
  REVOKE_AMBIGUOUS: ExitStatus.USAGE,
  HUB_EXPORT_OUTPUT_EXISTS: ExitStatus.INPUT,
  HUB_EXPORT_NO_AUTHORITY: ExitStatus.POLICY,
  HUB_EXPORT_INVALID_NAME: ExitStatus.USAGE,
};

/** Area prefix → family. Longest matching prefix wins (all are distinct here). */
const BY_PREFIX: ReadonlyArray<readonly [string, ExitStatusValue]> = [
  ['CLI_', ExitStatus.USAGE],
  ['CSR_', ExitStatus.INPUT],
  ['KEY_', ExitStatus.INPUT],
  ['PEM_', ExitStatus.INPUT],
  ['INPUT_', ExitStatus.INPUT],
  ['TRUST_', ExitStatus.INPUT],
  ['CHAIN_', ExitStatus.POLICY],
  ['PKI_', ExitStatus.POLICY],
  ['PROFILE_', ExitStatus.POLICY],
  ['AUTHORITY_', ExitStatus.POLICY],
  ['WORKFLOW_', ExitStatus.POLICY],
  ['POLICY_', ExitStatus.POLICY],
  ['RENEWAL_', ExitStatus.POLICY],
  ['WORK_ORDER_', ExitStatus.POLICY],
  ['REVOKE_', ExitStatus.POLICY],
  ['CRL_', ExitStatus.POLICY],
  ['VAULT_', ExitStatus.VAULT],
  ['TOKEN_', ExitStatus.VAULT],
  ['DEVICE_', ExitStatus.DEVICE],
  ['FRAME_', ExitStatus.DEVICE],
  ['SIM_', ExitStatus.DEVICE],
  ['LEDGER_', ExitStatus.LEDGER],
  ['AUDIT_', ExitStatus.LEDGER],
];

export function exitStatusFor(code: string): ExitStatusValue {
  const exact = BY_CODE[code];
  if (exact !== undefined) return exact;
  for (const [prefix, status] of BY_PREFIX) if (code.startsWith(prefix)) return status;
  return ExitStatus.UNEXPECTED;
}
