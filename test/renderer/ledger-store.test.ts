// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { useLedgerStore, PAGE_SIZE, MAX_PAGES } from '../../renderer/src/stores/ledger';
import type { LedgerEntrySummary } from '../../electron/shared/api/ledger';
import type { MethodOutput } from '../../electron/shared/api';
import { NOW, install, makeFake } from './fakeCustodian';

const SIZE = 1_000_000;
const entry = (index: number): LedgerEntrySummary => ({
  index, time: NOW, status: 'issued', deviceId: `dev-${index}`, serialHex: index.toString(16), workOrder: 'WO-1', operator: 'op', reissue: false,
});
const page = ({ start, count }: { start: number; count: number }): MethodOutput<'ledger.page'> => ({
  size: SIZE,
  entries: Array.from({ length: Math.max(0, Math.min(count, SIZE - start)) }, (_, i) => entry(start + i)),
});

let uninstall: () => void = () => {};
afterEach(() => uninstall());
beforeEach(() => setActivePinia(createPinia()));

describe('ledger store', () => {
  it('takes its size from the station and fetches only the pages in view', async () => {
    const fake = makeFake({ 'ledger.page': page });
    uninstall = install(fake);
    const store = useLedgerStore();
    await store.load();
    expect(store.size).toBe(SIZE);
    expect(store.count).toBe(SIZE);

    await store.ensure(SIZE - 30, SIZE);
    const starts = fake.callsTo('ledger.page').map((a) => (a as { start: number }).start);
    expect(starts).toEqual([0, SIZE - PAGE_SIZE]);
    expect(store.rowAt(SIZE - 1)?.deviceId).toBe(`dev-${SIZE - 1}`);
    expect(store.rowAt(500_000)).toBeUndefined();

    await store.ensure(SIZE - 30, SIZE); // cached: no new call
    expect(fake.callsTo('ledger.page')).toHaveLength(2);
  });

  it('shares one request per page between overlapping ranges and bounds its cache', async () => {
    const fake = makeFake({ 'ledger.page': page });
    uninstall = install(fake);
    const store = useLedgerStore();
    await Promise.all([store.ensure(250, 260), store.ensure(255, 265)]);
    expect(fake.callsTo('ledger.page')).toEqual([{ start: 200, count: PAGE_SIZE }]);

    for (let p = 0; p < MAX_PAGES + 10; p++) await store.ensure(p * PAGE_SIZE, p * PAGE_SIZE + 1);
    expect(store.rowAt(0)).toBeUndefined(); // the oldest pages were dropped
    expect(store.rowAt((MAX_PAGES + 9) * PAGE_SIZE)).toBeDefined();
  });

  it('searches by one field and opens the matching entry by its ledger index', async () => {
    const fake = makeFake({
      'ledger.search': () => ({ entries: [entry(777), entry(12)], truncated: false }),
      'ledger.entry': ({ index }) => ({
        ...entry(index), reissueReason: null, profile: 'device', issuerFingerprint: null, spkiSha256: null,
        certificate: null, chain: [], failure: null, entryHash: null,
      }),
    });
    uninstall = install(fake);
    const store = useLedgerStore();
    store.searchField = 'serial';
    store.searchValue = ' 3F2A ';
    await store.search();
    expect(fake.callsTo('ledger.search')).toEqual([{ by: 'serial', value: '3f2a' }]);
    expect(store.count).toBe(2);
    await store.open(1);
    expect(fake.callsTo('ledger.entry')).toEqual([{ index: 12 }]);
    expect(store.detail?.deviceId).toBe('dev-12');

    store.clearSearch();
    expect(store.results).toBeNull();
    expect(store.detail).toBeNull();
  });

  it('exports a proof of the open entry only after a file is chosen', async () => {
    let canceled = true;
    const fake = makeFake({
      'files.save': () => (canceled ? { canceled: true } : { canceled: false, handle: 'fh_pppppppppppppppp', name: 'proof-5.json' }),
      'ledger.exportProof': () => ({ written: { name: 'proof-5.json', bytes: 900 } }),
    });
    uninstall = install(fake);
    const store = useLedgerStore();
    store.detail = {
      ...entry(5), reissueReason: null, profile: null, issuerFingerprint: null, spkiSha256: null, certificate: null, chain: [], failure: null, entryHash: null,
    };
    await store.exportProof();
    expect(fake.callsTo('ledger.exportProof')).toHaveLength(0);
    canceled = false;
    await store.exportProof();
    expect(fake.callsTo('files.save')).toEqual([{ purpose: 'proof', suggestedName: 'proof-5.json' }, { purpose: 'proof', suggestedName: 'proof-5.json' }]);
    expect(fake.callsTo('ledger.exportProof')).toEqual([{ index: 5, target: 'fh_pppppppppppppppp' }]);
    expect(store.done).toBe('Proof for entry #5 saved as proof-5.json.');
  });

  it('keeps the verification report the station returns, failures included', async () => {
    const fake = makeFake({
      'ledger.verify': () => ({ ok: false, size: 10, checkedAt: NOW, anomalies: [{ code: 'LEDGER_TAMPERED', message: 'Entry 4 changed.', index: 4 }] }),
    });
    uninstall = install(fake);
    const store = useLedgerStore();
    await store.verify();
    expect(store.report?.ok).toBe(false);
    expect(store.report?.anomalies[0]?.index).toBe(4);
  });

  it('grows with ledger.appended and drops the stale page', async () => {
    const fake = makeFake({ 'ledger.page': ({ start, count }) => ({ size: 150, entries: Array.from({ length: Math.min(count, 150 - start) }, (_, i) => entry(start + i)) }) });
    uninstall = install(fake);
    const store = useLedgerStore();
    store.subscribe();
    await store.ensure(100, 150);
    expect(store.rowAt(149)).toBeDefined();
    fake.emit('ledger.appended', { index: 150, status: 'issued', deviceId: 'dev-150' });
    expect(store.size).toBe(151);
    expect(store.rowAt(149)).toBeUndefined(); // page 1 will be fetched again with the new entry
  });
});
