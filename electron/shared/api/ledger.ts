/** `ledger.*`: the append-only signing ledger (read, search, prove, audit). */
import { z } from 'zod';
import { CertificateSummary, FileHandle, Iso, NoArg, SerialHex, Sha256Hex, Written } from './common';
import { REVOCATION_REASON_NAMES } from '../revocation-reasons';

/**
 * issued / failed / pending / reconciled: what became of a signing run (or a
 * verification certificate). info: station bookkeeping (genesis, config,
 * session, authority-import, authority-key-load, authority-unlock-failed),
 * which has no certificate outcome; `type` and `text` say what it is.
 */
const LedgerIndexValue = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const EntryStatus = z.enum(['issued', 'failed', 'pending', 'reconciled', 'info']);

export const LedgerEntrySummary = z.object({
  index: z.number().int().min(0),
  time: Iso,
  status: EntryStatus,
  deviceId: z.string(),
  serialHex: SerialHex.nullable(),
  workOrder: z.string().nullable(),
  operator: z.string(),
  reissue: z.boolean(),
  /**
   * Ledger record type: intent, done, failed, outcome, reconcile, verification-cert,
   * or station bookkeeping (genesis, config, session, authority-import, authority-key-load,
   * authority-unlock-failed), which has no certificate outcome of its own (status info). Always sent by the station.
   */
  type: z.string().optional(),
  /** One-line description of the record. Always sent by the station. */
  text: z.string().optional(),
});
export type LedgerEntrySummary = z.output<typeof LedgerEntrySummary>;

export const LedgerEntryDetail = LedgerEntrySummary.extend({
  reissueReason: z.string().nullable(),
  profile: z.string().nullable(),
  issuerFingerprint: Sha256Hex.nullable(),
  spkiSha256: Sha256Hex.nullable(),
  /** Decoded leaf; null when the run failed before signing. */
  certificate: CertificateSummary.nullable(),
  /** Issuer first, root last. */
  chain: z.array(CertificateSummary),
  failure: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** SHA-256 of the entry as stored (its Merkle leaf hash). */
  entryHash: Sha256Hex.nullable(),
  /** The revocation of the entry's certificate (ledger entry, reason, time, operator); null or absent while it is not revoked. */
  revocation: z.object({ index: LedgerIndexValue, reason: z.string(), revokedAt: Iso, operator: z.string() }).nullable().optional(),
});
export type LedgerEntryDetail = z.output<typeof LedgerEntryDetail>;

export const LedgerIndex = LedgerIndexValue;

export const VerifyReport = z.object({
  ok: z.boolean(),
  size: z.number().int().min(0),
  checkedAt: Iso,
  anomalies: z.array(z.object({ code: z.string(), message: z.string(), index: z.number().int().nullable() })),
});
export type VerifyReport = z.output<typeof VerifyReport>;

/** The full verification of every entry: after open in the background, and on ledger.verify. */
export const LedgerVerification = z.object({
  state: z.enum(['running', 'passed', 'failed']),
  /** Entries verified so far, of `size` (the ledger's length when it started). */
  entries: z.number().int().min(0),
  size: z.number().int().min(0),
  startedAt: Iso,
  finishedAt: Iso.nullable(),
  /** Why it failed (LEDGER_TAMPERED: the station stopped signing). */
  error: z.object({ code: z.string(), message: z.string().max(2000) }).nullable(),
});
export type LedgerVerification = z.output<typeof LedgerVerification>;

export const ledgerMethods = {
  /** Entries [start, start+count) by index, oldest first; `size` is the ledger's length. */
  'ledger.page': {
    input: z.strictObject({ start: LedgerIndex, count: z.number().int().min(1).max(200) }),
    output: z.object({ size: z.number().int().min(0), entries: z.array(LedgerEntrySummary) }),
  },
  /** Exactly one criterion; newest first. */
  'ledger.search': {
    input: z.strictObject({
      by: z.enum(['deviceId', 'serial', 'workOrder']),
      value: z.string().trim().min(1).max(128),
      limit: z.number().int().min(1).max(500).default(100),
    }),
    output: z.object({ entries: z.array(LedgerEntrySummary), truncated: z.boolean() }),
  },
  'ledger.entry': { input: z.strictObject({ index: LedgerIndex }), output: LedgerEntryDetail },
  /** Write the offline-audit bundle (entries, checkpoints, CA chain) into a chosen folder. */
  'ledger.exportAuditBundle': {
    input: z.strictObject({ target: FileHandle }),
    output: z.object({ written: Written, size: z.number().int().min(0) }),
  },
  /** Inclusion proof for one entry against the latest checkpoint. */
  'ledger.exportProof': {
    input: z.strictObject({ index: LedgerIndex, target: FileHandle }),
    output: z.object({ written: Written }),
  },
  /**
   * Record the revocation of a certificate this station issued (a device, or a
   * subordinate CA it signed), by serial or device ID (docs/lifecycle.md).
   * Needs no CA key; fails with REVOKE_UNKNOWN_SERIAL, REVOKE_ALREADY_REVOKED, …
   */
  'ledger.revoke': {
    input: z.strictObject({
      target: z.string().trim().min(1).max(128),
      by: z.enum(['serial', 'device']),
      reason: z.enum(REVOCATION_REASON_NAMES),
      operator: z.string().trim().min(1).max(128),
    }),
    output: z.object({
      revoked: z.array(z.object({
        index: LedgerIndex, serialHex: SerialHex, subject: z.enum(['device', 'ca']), deviceId: z.string().nullable(),
        reason: z.string(), revokedAt: Iso, operator: z.string(),
      })),
    }),
  },
  /** Re-verify every entry of the ledger against its checkpoints (progress: the ledger.verification event). */
  'ledger.verify': { input: NoArg, output: VerifyReport },
} as const;
