import type { DriverName } from '../../../electron/shared/drivers';
import type { FinalProofName, ProofName } from '../../../electron/shared/proofs';

/** What the full-area verdict screen shows. */
export interface ResultView {
  passed: boolean;
  deviceId?: string;
  /** What happened, in plain words. */
  reason?: string;
  /** What the operator should do next. */
  fix?: string;
  /** Stable error code, shown small for support. */
  code?: string;
  /** Extra line for a pass (e.g. certificate serial). */
  detail?: string;
  /** A pass: the driver the device was reached through. */
  driver?: DriverName;
  /** A pass: the final possession proof the run gave (null: none in this run, e.g. a recognised device). */
  finalProof?: FinalProofName | null;
  /** A pass: every proof the run passed. */
  proofs?: readonly ProofName[];
}
