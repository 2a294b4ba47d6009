/**
 * For bench code: the Ledger view's two numbers at a given ledger size, in
 * Chromium against the test bridge with a synthetic ledger.
 *
 *   import { benchLedgerView } from '../test/e2e/ledger-bench';
 *   const t = await benchLedgerView(1_000_000);
 *   // t.firstRowsMs (target < 1000), t.lastIndexShown === size - 1
 */
import { launchBrowser, measureLedger, openApp, startStation, type LedgerTiming } from './harness';
import { syntheticLedger } from './fixtures';

export async function benchLedgerView(size = 1_000_000): Promise<LedgerTiming & { size: number }> {
  const station = await startStation({ ledger: syntheticLedger(size) });
  const browser = await launchBrowser();
  try {
    const page = await openApp(browser, station.url, { route: '/station' });
    return { size, ...(await measureLedger(page, size - 1)) };
  } finally {
    await browser.close();
    await station.close();
  }
}
