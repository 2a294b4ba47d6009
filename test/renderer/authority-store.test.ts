// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { useAuthorityStore } from '../../renderer/src/stores/authority';
import { describeError } from '../../electron/shared/errors';
import type { AuthorityStatus } from '../../electron/shared/api/authority';
import type { CertificateSummary } from '../../electron/shared/api/common';
import { FP, install, makeFake, refuse } from './fakeCustodian';

const DAY = 86_400_000;
const status = (s: Partial<AuthorityStatus> = {}): AuthorityStatus => ({
  state: 'locked', kind: 'root', subject: 'CN=Root', fingerprint: FP('1'), notAfter: new Date(Date.now() + 900 * DAY).toISOString(), autoLockAt: null, ...s,
});
const cert = (subject: string, daysLeft: number, extra: Partial<CertificateSummary> = {}): CertificateSummary => ({
  subject, issuer: 'CN=Root', serialHex: '01', fingerprint: FP(subject.length.toString(16)), spkiFingerprint: FP('e'),
  notBefore: new Date(Date.now() - DAY).toISOString(), notAfter: new Date(Date.now() + daysLeft * DAY + 3_600_000).toISOString(),
  keyAlgorithm: 'ECDSA P-256', isCa: true, pathLen: 0, pathLenRoom: 0, pem: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n', ...extra,
});

let uninstall: () => void = () => {};
afterEach(() => uninstall());
beforeEach(() => setActivePinia(createPinia()));

describe('authority store', () => {
  it('unlocks with the passphrase and keeps no copy of it', async () => {
    const fake = makeFake({ 'authority.unlock': () => status({ state: 'unlocked' }) });
    uninstall = install(fake);
    const store = useAuthorityStore();
    expect(await store.unlock('correct horse battery')).toBe(true);
    expect(fake.callsTo('authority.unlock')).toEqual([{ passphrase: 'correct horse battery' }]);
    expect(store.unlocked).toBe(true);
    expect(JSON.stringify(store.$state)).not.toContain('correct horse');
  });

  it('maps a wrong passphrase to the contract message and stays locked', async () => {
    const fake = makeFake({ 'authority.unlock': () => refuse('VAULT_BAD_PASSPHRASE', 'Wrong passphrase.') });
    uninstall = install(fake);
    const store = useAuthorityStore();
    store.status = status();
    expect(await store.unlock('nope')).toBe(false);
    expect(store.state).toBe('locked');
    expect(store.error).toEqual({ code: 'VAULT_BAD_PASSPHRASE', what: 'Wrong passphrase.', fix: describeError('VAULT_BAD_PASSPHRASE') });
  });

  it('loads the chain and warns before expiry (< 30 days) and after it', async () => {
    const fake = makeFake({
      'authority.status': () => status({ state: 'unlocked' }),
      'authority.chain': () => ({ certificates: [cert('CN=Issuing', 12), cert('CN=Intermediate CA', -2), cert('CN=Root CA long', 4000, { pathLen: 1, pathLenRoom: 1 })] }),
    });
    uninstall = install(fake);
    const store = useAuthorityStore();
    await store.refresh();
    expect(store.rows.map((r) => r.expiry)).toEqual(['soon', 'expired', 'ok']);
    expect(store.rows[0]?.daysLeft).toBe(12);
    expect(store.warnings).toHaveLength(2);
    expect(store.warnings[0]).toContain('CN=Issuing expires in 12 days');
    expect(store.warnings[1]).toContain('CN=Intermediate CA has expired');
  });

  it('shows the station\'s signing-CA warning 90, 30 and 7 days ahead, with the rollover to do', async () => {
    for (const [daysLeft, thresholdDays] of [[80, 90], [20, 30], [3, 7]] as const) {
      const fake = makeFake({
        'authority.status': () => status({ state: 'unlocked', kind: 'subordinate', subject: 'CN=Issuing', expiryWarning: { daysLeft, thresholdDays } }),
        'authority.chain': () => ({ certificates: [cert('CN=Issuing', daysLeft), cert('CN=Root CA long', 4000)] }),
      });
      uninstall = install(fake);
      const store = useAuthorityStore();
      await store.refresh();
      // One warning for the signing CA, from the station's thresholds, not a second one from its chain row.
      expect(store.warnings).toEqual([expect.stringContaining(`CN=Issuing signs devices for ${daysLeft} days more (under ${thresholdDays})`)]);
      expect(store.warnings[0]).toContain('authority request --successor');
      uninstall();
      setActivePinia(createPinia());
    }
    // A root is not rolled over: its warning says so.
    const root = makeFake({ 'authority.status': () => status({ state: 'unlocked', kind: 'root', subject: 'CN=Root', expiryWarning: { daysLeft: 40, thresholdDays: 90 } }), 'authority.chain': () => ({ certificates: [cert('CN=Root', 40)] }) });
    uninstall = install(root);
    const rootStore = useAuthorityStore();
    await rootStore.refresh();
    expect(rootStore.warnings).toEqual([expect.stringContaining('A root is not rolled over')]);
    uninstall();
    setActivePinia(createPinia());
    const fake = makeFake({ 'authority.status': () => status({ state: 'unlocked', expiryWarning: null }), 'authority.chain': () => ({ certificates: [cert('CN=Issuing', 200)] }) });
    uninstall = install(fake);
    const store = useAuthorityStore();
    await store.refresh();
    expect(store.warnings).toEqual([]);
  });

  it('does not ask for a chain when no authority is configured', async () => {
    const fake = makeFake({ 'authority.status': () => status({ state: 'none', kind: null, subject: null, fingerprint: null, notAfter: null }) });
    uninstall = install(fake);
    const store = useAuthorityStore();
    await store.refresh();
    expect(fake.callsTo('authority.chain')).toHaveLength(0);
    expect(store.state).toBe('none');
  });

  it('follows lock-state events (idle auto-lock) and locks on request', async () => {
    const fake = makeFake({ 'authority.lock': () => status({ state: 'locked' }) });
    uninstall = install(fake);
    const store = useAuthorityStore();
    store.status = status({ state: 'unlocked' });
    store.subscribe();
    fake.emit('authority.lockState', { state: 'locked', reason: 'idle', autoLockAt: null });
    expect(store.state).toBe('locked');
    expect(store.done).toContain('locked itself');
    store.status = status({ state: 'unlocked' });
    await store.lock();
    expect(fake.callsTo('authority.lock')).toHaveLength(1);
    expect(store.state).toBe('locked');
  });

  it('runs a ceremony through file handles and refreshes afterwards', async () => {
    const fake = makeFake({
      'files.open': () => ({ canceled: false, handle: 'fh_aaaaaaaaaaaaaaaa', name: 'sub.csr' }),
      'files.save': () => ({ canceled: true }),
      'authority.signSubordinate': () => ({ certificate: cert('CN=Sub', 1800), written: { name: 'bundle.pem', bytes: 2000 } }),
      'authority.status': () => status({ state: 'unlocked' }),
      'authority.chain': () => ({ certificates: [cert('CN=Root', 4000)] }),
    });
    uninstall = install(fake);
    const store = useAuthorityStore();
    expect(await store.pick('save', 'bundle', 'b.pem')).toBeNull(); // cancelled
    const req = await store.pick('open', 'csr');
    expect(req).toEqual({ handle: 'fh_aaaaaaaaaaaaaaaa', name: 'sub.csr' });
    await store.signSubordinate({ request: req!.handle, validityDays: 365, pathLen: 0, target: 'fh_bbbbbbbbbbbbbbbb' });
    expect(fake.callsTo('authority.signSubordinate')).toEqual([{ request: 'fh_aaaaaaaaaaaaaaaa', validityDays: 365, pathLen: 0, target: 'fh_bbbbbbbbbbbbbbbb' }]);
    expect(store.done).toBe('Signed CN=Sub; bundle saved as bundle.pem.');
    expect(fake.callsTo('authority.status')).toHaveLength(1);
  });

  it('reports a refused signature while locked in plain words', async () => {
    const fake = makeFake({ 'authority.verificationCert': () => refuse('AUTHORITY_LOCKED', 'The authority is locked.') });
    uninstall = install(fake);
    const store = useAuthorityStore();
    expect(await store.verificationCert({ code: 'ABC123' })).toBeNull();
    expect(store.error?.fix).toBe(describeError('AUTHORITY_LOCKED'));
    expect(store.done).toBeNull();
  });
});
