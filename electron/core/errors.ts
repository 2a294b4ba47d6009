/**
 * Every failure the station reports carries a stable, machine-readable code.
 * The CLI maps codes to exit statuses and the UI maps them to plain-language
 * messages, so a code, once published, is never renamed or reused.
 *
 * Codes are UPPER_SNAKE with an area prefix: CSR_, KEY_, CHAIN_, VAULT_,
 * AUTHORITY_, DEVICE_, FRAME_, WORKFLOW_, LEDGER_, AUDIT_, CLI_, API_, HUB_, TRUST_.
 * Each area lists its codes in its own `codes.ts` next to the code that raises them.
 */
export class CustodianError extends Error {
  override readonly name = 'CustodianError';
  constructor(
    readonly code: string,
    message: string,
    /** Structured, non-secret context for logs, JSON output and the UI. */
    readonly details: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toJSON(): { code: string; message: string; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isCustodianError(e: unknown, code?: string): e is CustodianError {
  return e instanceof CustodianError && (code === undefined || e.code === code);
}
