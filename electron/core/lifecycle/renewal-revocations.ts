/**
 * The revocations a renewal reads and writes, over the station's ledger: a
 * certificate revoked there is not renewed, and a policy that revokes the
 * replaced certificate records it through `revoke` (reason `superseded`,
 * `replacedBy` the successor's serial), as the CLI and the app revoke.
 */
import type { Ledger } from '../ledger/index';
import type { RevocationRegistry } from '../station/renewal';
import { revocationOf, revoke, revokedIndex } from './revocation';

export function ledgerRevocations(ledger: Ledger): RevocationRegistry {
  return {
    async revocationOf(serialHex, issuerFingerprint) {
      const r = revocationOf(revokedIndex(ledger), { serialHex, issuerFingerprint });
      return r ? { reason: r.reason, revokedAt: r.revokedAt } : null;
    },
    async revokeSuperseded(r) {
      await revoke(ledger, { target: r.serialHex, by: 'serial', reason: 'superseded', operator: r.operator, replacedBy: r.replacedBy });
    },
  };
}
