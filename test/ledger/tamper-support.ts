import { parseVkey } from '../../electron/core/ledger/note';
import { readVkey, loadLedgerKey } from '../../electron/core/ledger/keys';

export { Ledger, signCheckpoint, MerkleTree, leafHash } from '../../electron/core/ledger';

/** The station's own ledger key, as a station rewriting its history would use it. */
export function loadLedgerKeyForTests(dir: string) {
  return loadLedgerKey(dir, parseVkey(readVkey(dir)).name);
}
