/**
 * The app's first run writes ledger records before a CA key exists (settings,
 * the ceremony's own journal), so its ledger starts with a plain checkpoint
 * key. Creating the authority moves that key at once: sealed under the
 * passphrase for a vault key, onto the token for a token key; the rotation is
 * recorded and the ledger's history stays verifiable under the old key.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../electron/core/ledger/index';
import { bridgeCaller, startTestStation, type TestStation } from '../support/test-station';
import { HAVE_SOFTHSM, startSoftHsm } from '../token/softhsm';

const stations: TestStation[] = [];
afterAll(async () => {
  for (const st of stations) await st.close();
});

async function station() {
  const st = await startTestStation({ wireTime: false });
  stations.push(st);
  return { st, ...bridgeCaller(() => st.url, []) };
}

function placement(st: TestStation): { key: string; types: string[]; vkeys: number } {
  const l = Ledger.open({ dir: join(st.home, 'ledger'), readOnly: true });
  const types: string[] = [];
  for (let i = 0; i < l.size; i++) types.push(l.record(i).t);
  return { key: l.keyPlacement, types, vkeys: l.vkeys.length };
}

describe('the first-run ledger key follows the new authority', () => {
  it('a vault root seals the plain key under its passphrase', async () => {
    const { st, ok } = await station();
    await ok('settings.update', { sounds: false }); // a config record: the ledger exists before the authority
    expect(placement(st).key).toBe('plain');
    await ok('authority.initRoot', { subject: { commonName: 'First Run Root' }, validityDays: 30, pathLen: 0, passphrase: 'first run passphrase 42' });
    const ledgerDir = join(st.home, 'ledger');
    expect(existsSync(join(ledgerDir, 'ledger.key'))).toBe(false);
    expect(existsSync(join(ledgerDir, 'ledger.key.age'))).toBe(true);
    await ok('authority.lock');
    await ok('authority.unlock', { passphrase: 'first run passphrase 42' });
    await ok('authority.lock');
    await st.service.shutdown();
    const p = placement(st);
    expect(p.key).toBe('sealed');
    expect(p.types).toContain('key-rotation');
    expect(p.vkeys).toBe(2);
  });

  it.skipIf(!HAVE_SOFTHSM)('a token root moves it onto the token', async () => {
    const hsm = startSoftHsm();
    hsm.initToken('first-run', '724681');
    const { st, ok } = await station();
    await ok('settings.update', { sounds: false });
    await ok('authority.initRoot', { subject: { commonName: 'First Run Token Root' }, validityDays: 30, pathLen: 0, token: { uri: hsm.uri('first-run', 'root-ca'), pin: '724681' } });
    expect(hsm.listObjects('first-run', '724681')).toContain('custodian-ledger-checkpoint');
    await ok('settings.update', { sounds: false });
    await ok('authority.lock');
    await st.service.shutdown();
    expect(placement(st).key).toBe('token');
  });
});
