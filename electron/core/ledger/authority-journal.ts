/**
 * The authority's journal (electron/core/authority/journal.ts) over the
 * station ledger. CA signings become intent → done/failed records with the
 * signing's profile (`intermediateCa` for a subordinate CA, `hubVerification`
 * for a proof-of-possession certificate) and a synthetic device ID naming
 * what was signed (`subordinate-ca:<serial>`, `hub-verification:<serial>`);
 * authority events become `authority-import`, `authority-key-load`,
 * `authority-unlock-failed` and operator `session` records (docs/ledger-format.md).
 */
import type { AuthorityEvent } from '../authority/events';
import type { AuthorityJournal, CaSigningHandle, CaSigningIntent } from '../authority/journal';
import type { LedgerRecorder } from './ledger-recorder';

/** The device-ID prefix of intents for CA signings outside provisioning. */
export const CA_SIGNING_ID_PREFIX = { subordinate: 'subordinate-ca:', verification: 'hub-verification:', 'work-order-signer': 'work-order-signer:' } as const;

export interface LedgerAuthorityJournalOptions {
  /** Who runs the ceremony; read at each record (the UI's operator can change). */
  operator: () => string;
  /** Write `session` records for unlock/lock (default true). */
  sessions?: boolean;
}

export class LedgerAuthorityJournal implements AuthorityJournal {
  readonly #recorder: () => LedgerRecorder;

  /** `recorder` may be a getter, for a ledger opened on first use (the app's station service). */
  constructor(recorder: LedgerRecorder | (() => LedgerRecorder), private readonly opts: LedgerAuthorityJournalOptions) {
    this.#recorder = typeof recorder === 'function' ? recorder : () => recorder;
  }

  private get recorder(): LedgerRecorder { return this.#recorder(); }

  beforeSign(i: CaSigningIntent): Promise<CaSigningHandle> {
    return this.recorder.recordIntent({
      deviceId: `${CA_SIGNING_ID_PREFIX[i.kind]}${i.serialHex}`,
      subject: i.subject,
      serialHex: i.serialHex,
      spkiSha256: i.spkiSha256,
      ...(i.csrSha256 !== undefined ? { csrSha256: i.csrSha256 } : {}),
      issuerFingerprint: i.issuerFingerprint,
      profile: i.profile,
      notBefore: i.notBefore,
      notAfter: i.notAfter,
      operator: this.opts.operator(),
    });
  }

  signed(handle: CaSigningHandle, certificateDer: Uint8Array): Promise<void> {
    return this.recorder.recordIssued(handle, certificateDer);
  }

  signFailed(handle: CaSigningHandle, failure: { code: string; message: string }): Promise<void> {
    return this.recorder.recordFailed(handle, failure);
  }

  readonly listener = async (e: AuthorityEvent): Promise<void> => {
    const operator = this.opts.operator();
    const sessions = this.opts.sessions ?? true;
    switch (e.type) {
      case 'authority.root-created':
        await this.recorder.recordAuthorityImport({ role: 'root', subject: e.subject, fingerprint: e.fingerprint, operator, source: 'init-root' });
        break;
      case 'authority.imported':
        await this.recorder.recordAuthorityImport({
          role: e.kind, subject: e.subject, fingerprint: e.fingerprint, operator, source: e.keyImported ? 'bundle+key' : 'bundle',
        });
        break;
      case 'authority.successor-imported':
        await this.recorder.recordAuthoritySuccessor({ subject: e.subject, fingerprint: e.fingerprint, previous: e.previous, notAfter: e.notAfter, operator });
        break;
      case 'authority.unlocked':
        await this.recorder.recordAuthorityKeyLoad({ fingerprint: e.fingerprint ?? e.spkiSha256, operator, keyRef: `spki-sha256:${e.spkiSha256}` });
        if (sessions) await this.recorder.recordSession({ operator, action: 'unlock' });
        break;
      case 'authority.unlock-failed':
        await this.recorder.recordAuthorityUnlockFailed({
          fingerprint: e.fingerprint ?? e.spkiSha256, operator, code: e.code, attempt: e.attempt, delayMs: e.delayMs, keyRef: `spki-sha256:${e.spkiSha256}`,
        });
        break;
      case 'authority.locked':
        if (sessions) await this.recorder.recordSession({ operator, action: 'lock' });
        break;
      default:
        // request-created precedes any certificate; subordinate-signed and
        // verification-cert-issued are already intent + done records.
        break;
    }
  };
}
