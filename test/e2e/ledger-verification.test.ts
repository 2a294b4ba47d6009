/**
 * The Ledger view's status line for the station's full verification, in
 * Chromium through the test bridge: the progress of the background check
 * that starts after open, then its verdict (passed, or FAILED with the
 * tamper's message). The ledger behind it is scripted (the real ledger's
 * verification and halt are tested in test/api/ledger-verification.test.ts);
 * here the renderer is measured.
 */
import { afterEach, beforeAll, afterAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { describeChromium } from './chromium';
import { launchBrowser, openApp, problemsOf, startStation, type Station } from './harness';
import { syntheticLedger } from './fixtures';
import type { LedgerPort } from '../../electron/core/service/ports';

const SIZE = 10_000;
let browser: Browser;
let station: Station | null = null;

/** A ledger whose verification reports half its entries, then waits for `finish` to give its verdict. */
function gatedLedger(verdict: Awaited<ReturnType<LedgerPort['verify']>>) {
  let finish!: () => void;
  const gate = new Promise<void>((r) => { finish = r; });
  const port: LedgerPort = {
    ...syntheticLedger(SIZE),
    async verify(onProgress) {
      onProgress?.({ entries: 0, size: SIZE });
      onProgress?.({ entries: SIZE / 2, size: SIZE });
      await gate;
      return verdict;
    },
  };
  return { port, finish: () => finish() };
}

describeChromium('Ledger view: full verification after open', () => {
  beforeAll(async () => { browser = await launchBrowser(); });
  afterAll(async () => { await browser?.close(); });
  afterEach(async () => {
    await station?.close();
    station = null;
  });

  it('shows the background check\'s progress, then that every entry was verified', async () => {
    const l = gatedLedger({ ok: true, size: SIZE, anomalies: [] });
    station = await startStation({ ledger: l.port, verifyLedgerOnStart: true });
    const page = await openApp(browser, station.url, { route: '/ledger' });
    await page.waitForSelector('[data-testid="ledger-check"][data-state="running"]');
    expect(await page.textContent('[data-testid="ledger-check"]')).toContain('50% (5,000 of 10,000)');
    l.finish();
    await page.waitForSelector('[data-testid="ledger-check"][data-state="passed"]');
    expect(await page.textContent('[data-testid="ledger-check"]')).toContain('Every entry verified (10,000)');
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });

  it('a tamper found: the status line says verification FAILED and that signing has stopped', async () => {
    const message = 'entries do not match the latest checkpoint (size 10000): an entry was altered, removed or reordered';
    const l = gatedLedger({ ok: false, size: SIZE, anomalies: [{ code: 'LEDGER_TAMPERED', message, index: null }] });
    station = await startStation({ ledger: l.port, verifyLedgerOnStart: true });
    const page = await openApp(browser, station.url, { route: '/ledger' });
    await page.waitForSelector('[data-testid="ledger-check"][data-state="running"]');
    l.finish();
    await page.waitForSelector('[data-testid="ledger-check"][data-state="failed"]');
    const text = await page.textContent('[data-testid="ledger-check"]');
    expect(text).toContain(`Verification FAILED: ${message}`);
    expect(text).toContain('Signing has stopped');
    await page.context().close();
  });
});
