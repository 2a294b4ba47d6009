/**
 * The Authority view in Chromium against the real core: the signing CA's
 * expiry warning (90, 30, 7 days ahead) reaches the officer, with the
 * rollover to do. The demo CA lives 90 days, so it is under the first
 * threshold from the start.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { describeChromium } from './chromium';
import { launchBrowser, openApp, problemsOf, startStation, type Station } from './harness';

let station: Station;
let browser: Browser;

describeChromium('Authority view: CA expiry warning (real core)', () => {
  beforeAll(async () => {
    station = await startStation({ simulatorWireTime: false });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await station?.close();
  });

  it('shows the signing CA under 90 days with what to do about it', async () => {
    await station.service.api['authority.createDemoAuthority']({ passphrase: 'a long enough passphrase' });
    const page = await openApp(browser, station.url, { route: '/authority' });
    await page.waitForSelector('[data-testid="chain-warning"]');
    const warnings = await page.$$eval('[data-testid="chain-warning"]', (els) => els.map((e) => e.textContent ?? ''));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/signs devices for 89 days more \(under 90\)/);
    // The demo CA is a root: it is replaced by a new trust anchor, not rolled over.
    expect(warnings[0]).toContain('A root is not rolled over');
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });
});
