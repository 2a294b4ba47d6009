/**
 * The Ledger view with 1,000,000 entries, in Chromium through the test bridge:
 * the first rows render in under a second, a scroll to the end shows the last
 * entry, and the DOM holds about a screenful of rows, not a million.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { describeChromium } from './chromium';
import { launchBrowser, measureLedger, openApp, problemsOf, shoot, startStation, type Station } from './harness';
import { syntheticLedger } from './fixtures';

const SIZE = 1_000_000;
const ledger = syntheticLedger(SIZE);
let station: Station;
let browser: Browser;

describeChromium('Ledger view at 1,000,000 entries', () => {
  beforeAll(async () => {
    station = await startStation({ ledger });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await station?.close();
  });

  it('renders the first rows in < 1 s and shows the last entry after a scroll to the end', async () => {
    const page = await openApp(browser, station.url, { route: '/station' });
    const t = await measureLedger(page, SIZE - 1);
    console.log(`ledger 1e6: first rows ${t.firstRowsMs.toFixed(0)} ms, scroll to end ${t.scrollToEndMs.toFixed(0)} ms, ${t.rowsInDom} rows in DOM`);
    expect(t.firstRowsMs).toBeLessThan(1000);
    expect(t.lastIndexShown).toBe(SIZE - 1);
    expect(t.rowsInDom).toBeLessThan(100);
    // Only the pages in view were asked for: the first and the last.
    expect(ledger.reads.every((r) => r.start === 0 || r.start >= SIZE - 200)).toBe(true);
    await page.waitForSelector('[data-testid="ledger-count"]');
    expect(await page.textContent('[data-testid="ledger-count"]')).toContain('1,000,000');
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });

  it('finds a device by ID and opens its entry; keyboard End reaches the last entry', async () => {
    const page = await openApp(browser, station.url, { route: '/ledger' });
    await page.waitForSelector('[data-entry="0"]');
    await page.fill('[data-testid="ledger-search"]', 'dev-0123456');
    await page.press('[data-testid="ledger-search"]', 'Enter');
    await page.waitForSelector('[data-entry="123456"]');
    await page.click('[data-entry="123456"]');
    await page.waitForSelector('[data-testid="detail-device"]');
    expect(await page.textContent('[data-testid="detail-device"]')).toBe('dev-0123456');

    await page.click('text=Show all');
    await page.focus('[data-testid="vlist"]');
    await page.keyboard.press('End');
    await page.waitForSelector(`[data-entry="${SIZE - 1}"]`);
    await page.waitForSelector('[data-testid="detail-device"]:has-text("dev-0999999")');
    await page.context().close();
  });

  it.each(['light', 'dark'] as const)('screenshot: ledger-%s', async (theme) => {
    const page = await openApp(browser, station.url, { theme, route: '/ledger' });
    await page.waitForSelector('[data-entry="0"]');
    await page.click('[data-entry="3"]');
    await page.waitForSelector('[data-testid="detail-device"]');
    await shoot(page, 'ledger', theme);
    await page.context().close();
  });
});
