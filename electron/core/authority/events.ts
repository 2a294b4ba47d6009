/**
 * Authority events, for the ledger/audit trail. An optional listener is
 * injected into `Authority.open`; it is awaited, so a listener that must make
 * a record durable can do so before the ceremony returns. Events carry facts
 * (names, fingerprints, serials), never key material or passphrases.
 */
export type AuthorityEvent =
  | { type: 'authority.root-created'; at: string; subject: string; fingerprint: string; spkiSha256: string; keySpec: string; pathLen: number | null; notAfter: string }
  | { type: 'authority.request-created'; at: string; subject: string; spkiSha256: string; csrSha256: string; keySpec: string }
  | { type: 'authority.imported'; at: string; kind: 'root' | 'subordinate'; subject: string; fingerprint: string; chain: string[]; keyImported: boolean; notAfter: string }
  /** A successor key and CSR were made while the current CA keeps signing (rollover.ts). */
  | { type: 'authority.successor-requested'; at: string; subject: string; spkiSha256: string; csrSha256: string; keySpec: string; current: string }
  /** The signed successor was imported: it signs from now on; `previous` (retired) stays for CRLs and its devices' chains. */
  | { type: 'authority.successor-imported'; at: string; subject: string; fingerprint: string; previous: string; chain: string[]; notAfter: string }
  | { type: 'authority.unlocked'; at: string; state: 'pending' | 'active'; spkiSha256: string; fingerprint: string | null }
  /**
   * A wrong passphrase at unlock: `attempt` counts wrong passphrases in a row in
   * this process, `delayMs` is the wait imposed before the next attempt.
   */
  | { type: 'authority.unlock-failed'; at: string; code: string; attempt: number; delayMs: number; spkiSha256: string; fingerprint: string | null }
  /** `reason` 'token-removed': the token holding the key went away and the key was dropped at once. */
  | { type: 'authority.locked'; at: string; reason?: 'token-removed' }
  | { type: 'authority.subordinate-signed'; at: string; subject: string; serialHex: string; fingerprint: string; pathLen: number; notAfter: string; csrSha256: string; issuerFingerprint: string }
  | { type: 'authority.verification-cert-issued'; at: string; code: string; serialHex: string; fingerprint: string; notAfter: string; issuerFingerprint: string };

export type AuthorityEventType = AuthorityEvent['type'];
export type AuthorityListener = (event: AuthorityEvent) => void | Promise<void>;
