/**
 * The ledger's checkpoint key follows the app's authority: unlocked with the
 * same secret (a sealed key with the passphrase, a token key with the PIN),
 * which signs the checkpoints deferred while it was locked, and locked before
 * the authority locks (docs/ledger-format.md §1 *Deferred checkpoints*).
 */
import type { Authority } from '../authority/index';
import { unlockLedgerKey, type HeldLedgerKey } from '../line/ledger-key';
import type { StationLedger } from '../line/station-ledger';

interface UnlockingPort {
  readonly authority: Authority;
  unlock(secret: string): Promise<void>;
  lock(): Promise<void>;
}

export function ledgerKeyFollows<P extends UnlockingPort>(port: P, ledger: StationLedger): P {
  const unlock = port.unlock.bind(port);
  const lock = port.lock.bind(port);
  let held: HeldLedgerKey | null = null;
  port.unlock = async (secret) => {
    await unlock(secret);
    if (held || ledger.readable() === null) return; // no ledger yet: a new one is created with its own key
    held = await unlockLedgerKey(ledger.writable().ledger, port.authority.secretKind, secret);
  };
  port.lock = async () => {
    const key = held;
    held = null;
    if (key?.onToken && ledger.isOpen()) ledger.writable().ledger.lockKey();
    try {
      await lock();
    } finally {
      await key?.close();
    }
  };
  return port;
}
