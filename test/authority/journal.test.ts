/**
 * The authority's signing journal (authority/journal.ts) over the real
 * station ledger: the intent is durable before the CA key signs, and when it
 * cannot be written the key never signs and no certificate is kept.
 */
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Authority, type AuthorityJournal, type CaSigningIntent } from '../../electron/core/authority/index';
import { LedgerAuthorityJournal, openStationLedger, type LedgerRecord } from '../../electron/core/ledger/index';
import { signTbs, type TbsSigner } from '../../electron/core/pki/certificate-builder';
import { codeOf, tempDir } from './fixtures';

// The authority under test signs through the real signer, counted: every
// certificate its key signs goes through `signer`.
const signer = vi.fn<TbsSigner>(signTbs);
const tbsSigned = (): number => signer.mock.calls.length;

const PASS = 'journal test passphrase';
const W = tempDir('authority-journal-');
let csrPem: string;

beforeAll(async () => {
  const y = Authority.open({ home: join(W, 'y'), workFactor: 17 });
  csrPem = (await y.createRequest({ commonName: 'Factory-Y', passphrase: PASS })).csrPem;
  y.lock();
  const x = Authority.open({ home: join(W, 'x'), workFactor: 17 });
  await x.initRoot({ commonName: 'Company-X', pathLen: 2, days: 3650, passphrase: PASS });
  x.lock();
}, 60_000);

afterEach(() => { signer.mockClear(); });

async function unlocked(journal: AuthorityJournal): Promise<Authority> {
  const a = Authority.open({ home: join(W, 'x'), journal, signer });
  await a.unlock(PASS);
  return a;
}
const issued = () => (existsSync(join(W, 'x/authority/issued')) ? readdirSync(join(W, 'x/authority/issued')).length : 0);

describe('authority signing journal', () => {
  it('records the intent before the key signs and the certificate before it is returned', async () => {
    const order: string[] = [];
    const before = tbsSigned();
    let intent: CaSigningIntent | null = null;
    const a = await unlocked({
      beforeSign: async (i) => { intent = i; order.push(`intent:${tbsSigned() - before}`); return { id: '1' }; },
      signed: async (_h, der) => { order.push(`signed:${der.length > 0}`); },
      signFailed: async () => { order.push('failed'); },
    });
    const r = await a.signSubordinate(csrPem, { pathLen: 0, days: 365 });
    a.lock();
    expect(order).toEqual(['intent:0', 'signed:true']);
    expect(tbsSigned() - before).toBe(1);
    expect(intent).toMatchObject({ kind: 'subordinate', profile: 'intermediateCa', serialHex: r.serialHex, csrSha256: r.csrSha256, notAfter: r.notAfter.toISOString() });
  });

  it('a malformed hub code is refused before any intent is recorded', async () => {
    const beforeSign = vi.fn(async () => ({ id: '1' }));
    const a = await unlocked({ beforeSign, signed: async () => undefined, signFailed: async () => undefined });
    expect(await codeOf(a.verificationCert('not a code!'))).toBe('PROFILE_INVALID_COMMON_NAME');
    a.lock();
    expect(beforeSign).not.toHaveBeenCalled();
  });

  for (const ceremony of ['sub-CA', 'verification'] as const) {
    it(`a ${ceremony} signing whose intent the ledger cannot write: AUTHORITY_JOURNAL_FAILED, the key never signs, nothing kept`, async () => {
      const { ledger, recorder } = openStationLedger({ dir: join(W, 'x/ledger'), stationId: 'journal-test' });
      const a = await unlocked(new LedgerAuthorityJournal(recorder, { operator: () => 'alice', sessions: false }));
      const size = ledger.size;
      ledger.close(); // every append now fails
      const before = issued();
      const signedBefore = tbsSigned();
      const run = ceremony === 'sub-CA' ? a.signSubordinate(csrPem, { pathLen: 0, days: 365 }) : a.verificationCert('ABCDEF123456');
      expect(await codeOf(run)).toBe('AUTHORITY_JOURNAL_FAILED');
      expect(tbsSigned()).toBe(signedBefore);
      expect(issued()).toBe(before);
      a.lock();
      const reopened = openStationLedger({ dir: join(W, 'x/ledger'), stationId: 'journal-test' });
      const added: LedgerRecord[] = [];
      for (let i = size; i < reopened.ledger.size; i++) added.push(reopened.ledger.record(i));
      reopened.ledger.close();
      expect(added.filter((r) => r.t === 'intent')).toEqual([]);
    });
  }
});
