/**
 * The signing ledger, browsable at any size: rows are fetched a page at a time
 * (ledger.page) only when the list scrolls them into view, and at most
 * MAX_PAGES pages are kept. Search, entry detail, exports and verification are
 * each one station call.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { LedgerEntryDetail, LedgerEntrySummary, LedgerVerification, VerifyReport } from '../../../electron/shared/api/ledger';
import type { Unsubscribe } from '../../../electron/shared/api';
import type { RevocationReason } from '../../../electron/shared/revocation-reasons';
import { call, pickFile, station, toUserError } from '../api';
import type { UserError } from '../api';

export const PAGE_SIZE = 100;
export const MAX_PAGES = 200;
export type SearchField = 'deviceId' | 'serial' | 'workOrder';

export const useLedgerStore = defineStore('ledger', () => {
  /** Entries in the ledger (from the station; never counted here). */
  const size = ref(0);
  /** Bumped whenever a page arrives, so rows re-read the cache. */
  const version = ref(0);
  const pages = new Map<number, LedgerEntrySummary[]>();
  const inFlight = new Map<number, Promise<void>>();

  /** null = browsing the whole ledger; otherwise the search results (newest first). */
  const results = shallowRef<LedgerEntrySummary[] | null>(null);
  const truncated = ref(false);
  const searchField = ref<SearchField>('deviceId');
  const searchValue = ref('');

  const selected = ref<number | null>(null);
  const detail = ref<LedgerEntryDetail | null>(null);
  const report = ref<VerifyReport | null>(null);
  /** The station's full verification of every entry (after start, or on Verify): running, passed or failed. */
  const check = ref<LedgerVerification | null>(null);
  const busy = ref(false);
  const error = ref<UserError | null>(null);
  const done = ref<string | null>(null);

  const count = computed(() => results.value?.length ?? size.value);

  /** The entry shown at list position `i`, or undefined while its page loads. */
  function rowAt(i: number): LedgerEntrySummary | undefined {
    void version.value;
    if (results.value) return results.value[i];
    return pages.get(Math.floor(i / PAGE_SIZE))?.[i % PAGE_SIZE];
  }

  function remember(page: number, entries: LedgerEntrySummary[]) {
    pages.delete(page);
    pages.set(page, entries);
    while (pages.size > MAX_PAGES) {
      const oldest = pages.keys().next().value;
      if (oldest === undefined) break;
      pages.delete(oldest);
    }
    version.value++;
  }

  function fetchPage(page: number): Promise<void> {
    const pending = inFlight.get(page);
    if (pending) return pending;
    const p = (async () => {
      try {
        const r = await call(station().ledger.page({ start: page * PAGE_SIZE, count: PAGE_SIZE }));
        size.value = r.size;
        remember(page, r.entries);
      } catch (e) {
        error.value = toUserError(e);
      } finally {
        inFlight.delete(page);
      }
    })();
    inFlight.set(page, p);
    return p;
  }

  /** Make rows [start, end) available: fetch the pages not yet cached. */
  async function ensure(start: number, end: number): Promise<void> {
    if (results.value || end <= start) return;
    const wanted: Promise<void>[] = [];
    for (let p = Math.floor(start / PAGE_SIZE); p <= Math.floor((end - 1) / PAGE_SIZE); p++) {
      const cached = pages.get(p);
      if (cached) {
        // Refresh LRU order.
        pages.delete(p);
        pages.set(p, cached);
      } else wanted.push(fetchPage(p));
    }
    await Promise.all(wanted);
  }

  /** The ledger's size (and first page), from ledger.page. */
  async function load(): Promise<void> {
    pages.clear();
    version.value++;
    await fetchPage(0);
    // The verification may have begun (or ended) before this view subscribed.
    try {
      check.value = (await call(station().station.status())).ledgerCheck ?? check.value;
    } catch { /* the page fetch reports a missing bridge */ }
  }

  /** ledger.search by one field; an empty value returns to the whole ledger. */
  async function search(): Promise<void> {
    selected.value = null;
    detail.value = null;
    const value = searchValue.value.trim();
    if (!value) {
      results.value = null;
      truncated.value = false;
      return;
    }
    busy.value = true;
    try {
      const by = searchField.value;
      const r = await call(station().ledger.search({ by, value: by === 'serial' ? value.toLowerCase() : value }));
      results.value = r.entries;
      truncated.value = r.truncated;
      error.value = null;
    } catch (e) {
      error.value = toUserError(e);
    } finally {
      busy.value = false;
    }
  }

  function clearSearch() {
    searchValue.value = '';
    results.value = null;
    truncated.value = false;
    selected.value = null;
    detail.value = null;
  }

  /** Select list position `i` and load its entry (ledger.entry). */
  async function open(i: number): Promise<void> {
    selected.value = i;
    const row = rowAt(i);
    const index = row?.index ?? (results.value ? undefined : i);
    if (index === undefined) return;
    try {
      detail.value = await call(station().ledger.entry({ index }));
      error.value = null;
    } catch (e) {
      error.value = toUserError(e);
    }
  }

  async function act(fn: () => Promise<string | null>): Promise<void> {
    busy.value = true;
    done.value = null;
    try {
      done.value = await fn();
      error.value = null;
    } catch (e) {
      error.value = toUserError(e);
    } finally {
      busy.value = false;
    }
  }

  /** files.pickDirectory + ledger.exportAuditBundle */
  const exportAuditBundle = () => act(async () => {
    const target = await pickFile('directory', 'audit-bundle');
    if (!target) return null;
    const r = await call(station().ledger.exportAuditBundle({ target: target.handle }));
    return `Audit bundle with ${r.size} entries written to ${r.written.name}. Hand the whole folder to the auditor.`;
  });

  /** files.save + ledger.exportProof for the open entry. */
  const exportProof = () => act(async () => {
    const index = detail.value?.index;
    if (index === undefined) return null;
    const target = await pickFile('save', 'proof', `proof-${index}.json`);
    if (!target) return null;
    const r = await call(station().ledger.exportProof({ index, target: target.handle }));
    return `Proof for entry #${index} saved as ${r.written.name}.`;
  });

  /** ledger.revoke for the open entry's certificate, by its serial; the list then shows the revocation. */
  const revoke = (reason: RevocationReason, operator: string) => act(async () => {
    const d = detail.value;
    if (!d?.serialHex) return null;
    const r = await call(station().ledger.revoke({ target: d.serialHex, by: 'serial', reason, operator }));
    await load();
    detail.value = await call(station().ledger.entry({ index: d.index }));
    const first = r.revoked[0];
    return first ? `Serial ${first.serialHex} revoked (${first.reason}), ledger entry #${first.index}.` : null;
  });

  /** ledger.verify: the whole ledger against its checkpoints and the CA chain. */
  const verify = () => act(async () => {
    report.value = null;
    report.value = await call(station().ledger.verify());
    return null;
  });

  /** ledger.onAppended: the list grows live while the station provisions. */
  function subscribe(): Unsubscribe {
    const offs = [
      station().ledger.onAppended((e) => {
        if (e.index + 1 > size.value) size.value = e.index + 1;
        const page = Math.floor(e.index / PAGE_SIZE);
        if (pages.delete(page)) version.value++;
      }),
      station().ledger.onVerification((c) => {
        check.value = c;
      }),
    ];
    return () => offs.forEach((off) => off());
  }

  return {
    size, count, results, truncated, searchField, searchValue, selected, detail, report, check, busy, error, done,
    rowAt, ensure, load, search, clearSearch, open, exportAuditBundle, exportProof, revoke, verify, subscribe,
  };
});
