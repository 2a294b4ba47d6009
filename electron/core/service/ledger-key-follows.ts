/**
 * The ledger's checkpoint key follows the app's authority: unlocked with the
 * same secret (a sealed key with the passphrase, a token key with the PIN),
 * which signs the checkpoints deferred while it was locked, and locked before
 * the authority locks (docs/ledger-format.md §1 *Deferred checkpoints*).
 *
 * A ledger written before its authority existed (the app's first run records
 * settings and the ceremony itself) starts with a plain key: the first secret
 * the authority is created or unlocked with moves it onto the token or into
 * the vault, as `custodian ledger seal-key` does.
 */
import type { Authority } from '../authority/index';
import { isCustodianError } from '../errors';
import { LedgerCodes } from '../ledger/index';
import { moveLedgerKey, unlockLedgerKey, type HeldLedgerKey } from '../line/ledger-key';
import type { StationLedger } from '../line/station-ledger';
import type { KeyPlacementInput } from './ports';

interface UnlockingPort {
  readonly authority: Authority;
  unlock(secret: string): Promise<void>;
  lock(): Promise<void>;
  initRoot(req: KeyPlacementInput): Promise<void>;
  createRequest(req: KeyPlacementInput): Promise<unknown>;
  createDemo(req: { passphrase: string }): Promise<void>;
  onKeyLost(listener: () => void): () => void;
}

const secretOf = (req: KeyPlacementInput): string => (req.token ? req.token.pin : req.passphrase);

export function ledgerKeyFollows<P extends UnlockingPort>(port: P, ledger: StationLedger, operator: string): P {
  const unlock = port.unlock.bind(port);
  const lock = port.lock.bind(port);
  const initRoot = port.initRoot.bind(port);
  const createRequest = port.createRequest.bind(port);
  const createDemo = port.createDemo.bind(port);
  let held: HeldLedgerKey | null = null;

  /** Move a plain key away under `secret`; a token without Ed25519 keeps it (reported as unsealed). */
  const sealPlainKey = async (secret: string): Promise<void> => {
    const l = ledger.readable();
    if (held || l === null || l.keyPlacement !== 'plain' || port.authority.state === 'none') return;
    try {
      const r = await moveLedgerKey(l, { secretKind: port.authority.secretKind, token: port.authority.metadata?.keyLocation }, secret, operator);
      held = r.key;
    } catch (e) {
      if (!isCustodianError(e, LedgerCodes.KEY_UNSUPPORTED)) throw e;
    }
  };

  port.unlock = async (secret) => {
    await unlock(secret);
    if (held || ledger.readable() === null) return; // no ledger yet: a new one is created with its own key
    held = await unlockLedgerKey(ledger.writable().ledger, port.authority.secretKind, secret);
    await sealPlainKey(secret);
  };
  port.initRoot = async (req) => {
    await initRoot(req);
    await sealPlainKey(secretOf(req));
  };
  port.createRequest = async (req) => {
    const r = await createRequest(req);
    await sealPlainKey(secretOf(req));
    return r;
  };
  port.createDemo = async (req) => {
    await createDemo(req);
    await sealPlainKey(req.passphrase);
  };
  // A pulled token takes the checkpoint key with it: checkpoints wait for the
  // next unlock, and no session is left holding the module on the lost token.
  port.onKeyLost(() => {
    const key = held;
    if (!key?.onToken) return;
    held = null;
    if (ledger.isOpen()) ledger.writable().ledger.lockKey();
    void key.close().catch(() => undefined);
  });
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
