/**
 * The Revoke action of the Ledger view in Chromium, against the real core:
 * the officer opens a device's entry, picks a reason, names the operator and
 * confirms; the revocation is then in the ledger and the entry shows it in
 * place of the action (a second revocation is refused by the station:
 * test/api/ledger-revoke.test.ts).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { Ledger, type LedgerRecord } from '../../electron/core/ledger/index';
import { describeChromium } from './chromium';
import { launchBrowser, openApp, problemsOf, startStation, type Station } from './harness';
import { ledgerLookup } from './journeys';

let station: Station;
let browser: Browser;
let page: Page;
const DEVICE = 'ui-revoke-0001';

describeChromium('Ledger view: revoke a device certificate (real core)', () => {
  beforeAll(async () => {
    station = await startStation({ simulatorWireTime: false });
    browser = await launchBrowser();
    await station.service.api['authority.createDemoAuthority']({ passphrase: 'ui revoke passphrase' });
    const sim = await station.service.api['simulator.start']({ deviceId: DEVICE });
    await station.service.api['station.provision']({ port: sim.port, operator: 'Ana' });
  });
  afterAll(async () => {
    await browser?.close();
    await station?.close();
  });

  it('revokes from the entry with a reason and the operator, and shows the ledger record', async () => {
    page = await openApp(browser, station.url, { route: '/station' });
    await ledgerLookup(page, DEVICE, 'Demo');
    await page.click('[data-testid="ledger-revoke"]');
    await page.selectOption('[data-testid="revoke-reason"]', 'keyCompromise');
    // No operator, no revocation.
    expect(await page.isDisabled('[data-testid="revoke-confirm"]')).toBe(true);
    await page.fill('[data-testid="revoke-operator"]', 'Bea');
    await page.click('[data-testid="revoke-confirm"]');
    await page.waitForSelector('.notice.ok:has-text("revoked (keyCompromise)")');
    const notice = (await page.textContent('.notice.ok')) ?? '';
    const index = Number(/ledger entry #(\d+)/.exec(notice)?.[1]);
    expect(Number.isInteger(index)).toBe(true);

    const l = Ledger.open({ dir: join(station.home, 'ledger'), readOnly: true });
    const rec = l.record(index) as LedgerRecord;
    l.close();
    expect(rec).toMatchObject({ t: 'revocation', deviceId: DEVICE, reason: 'keyCompromise', operator: 'Bea', subject: 'device' });
  });

  it('the entry then shows its revocation instead of the Revoke action, after a reload too', async () => {
    await page.waitForSelector('[data-testid="detail-revoked"]');
    expect(await page.textContent('[data-testid="detail-revoked"]')).toMatch(/Revoked \(keyCompromise\) .* by Bea, ledger entry #\d+/);
    expect(await page.$('[data-testid="ledger-revoke"]')).toBeNull();
    await page.reload();
    await page.waitForSelector('header.bar');
    await ledgerLookup(page, DEVICE, 'Demo');
    await page.waitForSelector('[data-testid="detail-revoked"]');
    expect(await page.$('[data-testid="ledger-revoke"]')).toBeNull();
    expect(problemsOf(page)).toEqual([]);
  });
});
