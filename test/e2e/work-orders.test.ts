/**
 * The Work orders view in Chromium over the real core: a station whose CA
 * requires work orders (made with the CLI) says so; the operator imports a
 * signed work order from a file and sees it active with its whole quota, its
 * window and its allow-list; after a device is provisioned under it, the
 * view shows one slot fewer.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeChromium } from './chromium';
import { launchBrowser, openApp, problemsOf, startStation, type Station } from './harness';
import { prepareWorkOrderHome, type WorkOrderHome } from '../support/work-order-home';

let station: Station;
let browser: Browser;
let page: Page;
let wo: WorkOrderHome;

describeChromium('Work orders view in Chromium (real core)', () => {
  beforeAll(async () => {
    station = await startStation({ simulatorWireTime: false }, async (home) => { wo = await prepareWorkOrderHome(home); });
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await station?.close();
  });

  it('imports a signed work order from a file and shows its quota, window and allow-list; a provisioned device takes a slot', async () => {
    const file = await wo.signOrder('WO-UI', ['--prefix', 'dev-', '--from', '1', '--to', '50', '--width', '6', '--quota', '3', '--leaf-days', '365', '--days', '30']);
    page = await openApp(browser, station.url, { route: '/work-orders' });
    await page.getByTestId('wo-empty').waitFor();
    expect(await page.getByTestId('wo-required').textContent()).toMatch(/signs only under an active work order/);

    station.files.queueOpen(file);
    await page.getByTestId('wo-import').click();
    await page.getByTestId('wo-done').waitFor();
    expect(await page.getByTestId('wo-done').textContent()).toBe('Work order WO-UI imported.');
    const card = page.getByTestId('wo-WO-UI');
    expect(await card.getAttribute('data-state')).toBe('active');
    expect(await card.getByTestId('wo-remaining').textContent()).toBe('3');
    expect(await card.getByTestId('wo-allow-list').textContent()).toBe('range dev-000001…dev-000050 (50 IDs)');
    expect(await card.getByTestId('wo-window').textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d → \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);

    // A device provisioned under the order, through the same API the Station view uses.
    const api = station.service.api;
    await api['authority.unlock']({ passphrase: wo.passphrase });
    const sim = await api['simulator.start']({ deviceId: 'dev-000001' });
    await api['station.provision']({ port: sim.port, operator: 'Ana', workOrder: 'WO-UI' });
    await page.getByTestId('nav-station').click();
    await page.getByTestId('nav-work-orders').click();
    await page.getByTestId('wo-WO-UI').getByTestId('wo-remaining').filter({ hasText: '2' }).waitFor();
    expect(await page.getByTestId('wo-WO-UI').getByTestId('wo-quota').textContent()).toMatch(/2 of 3 left\s+\(1 issued\)/);
    // The Station view names the chosen order with what is left of it.
    await page.getByTestId('nav-station').click();
    await page.getByTestId('work-order').fill('WO-UI');
    await page.getByTestId('wo-chosen').waitFor();
    expect(await page.getByTestId('wo-chosen').textContent()).toMatch(/WO-UI active · 2 of 3 left · .* · range dev-000001…dev-000050 \(50 IDs\)/);
    expect(problemsOf(page)).toEqual([]);
  }, 120_000);
});
