/**
 * The app's authority port carries the checkpoint key with it: the sealed key
 * of a station is opened with the passphrase that unlocks the authority, the
 * entries written while it was locked are covered at once, and appends made
 * while locked stay durable.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Authority } from '../../electron/core/authority/index';
import { Ledger } from '../../electron/core/ledger/index';
import { createKeyedLedger } from '../../electron/core/line/ledger-key';
import { stationLedger } from '../../electron/core/line/station-ledger';
import { ledgerKeyFollows } from '../../electron/core/service/ledger-key-follows';

const PASSPHRASE = 'checkpoint key passphrase';

describe('the checkpoint key follows the app authority', () => {
  it('unlocks the sealed key with the authority and covers what was appended while locked', async () => {
    const home = mkdtempSync(join(tmpdir(), 'key-follows-'));
    const key = await createKeyedLedger(join(home, 'ledger'), 'app', { passphrase: PASSPHRASE, logN: 17 });
    await key!.close();
    const files = stationLedger(home, { stationId: 'app', idleCheckpointMs: 0 });
    const { ledger, recorder } = files.writable();
    expect(ledger.keyLocked).toBe(true);
    await recorder.recordSession({ operator: 'eve', action: 'login' });
    expect(ledger.uncovered).toBe(1);

    let unlocked = 0;
    const port = ledgerKeyFollows({
      authority: { secretKind: 'passphrase' } as unknown as Authority,
      unlock: async (_secret: string) => { unlocked++; },
      lock: async () => undefined,
      initRoot: async () => undefined,
      createRequest: async () => undefined,
      createDemo: async () => undefined,
      onKeyLost: () => () => undefined,
    }, files, 'eve');
    await expect(port.unlock('not the passphrase')).rejects.toMatchObject({ code: 'VAULT_WRONG_PASSPHRASE' });
    expect(ledger.keyLocked).toBe(true);
    await port.unlock(PASSPHRASE);
    expect(unlocked).toBe(2);
    expect(ledger.keyLocked).toBe(false);
    expect(ledger.uncovered).toBe(0);
    await port.lock();
    files.close();
    expect(Ledger.open({ dir: join(home, 'ledger'), readOnly: true }).uncovered).toBe(0);
  });
});
