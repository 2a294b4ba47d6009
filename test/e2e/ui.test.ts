/**
 * The renderer in Chromium, through the HTTP test bridge, against a scripted
 * station core (test/e2e/scripted-station.ts): first-run demo, the Station
 * flow from the keyboard alone, a device fault and its retry, lock → signing
 * refused → unlock, finding the device in the ledger, the verification
 * certificate, and the screenshots in docs/screenshots/.
 *
 * The same journeys against the real core are in core-flows.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { hasChromium, launchBrowser, openApp, problemsOf, shoot, startStation, type Station, type Theme } from './harness';
import { scriptedStation, type ScriptedStation } from './scripted-station';
import { faultAndRetry, firstRunDemo, keyboardOnlyStation, ledgerLookup, lockRefusesSigning, verificationCertificate } from './journeys';

let core: ScriptedStation;
let station: Station;
let browser: Browser;
let page: Page;
let passphrase = '';
let deviceId = '';

describe.skipIf(!hasChromium)('Custodian UI in Chromium (scripted core)', () => {
  beforeAll(async () => {
    core = scriptedStation();
    station = await startStation({ authority: core.authority, workflow: core.workflow, ledger: core.ledger, simulator: core.simulator });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await station?.close();
  });

  it('first run: the demo creates an authority and a simulated device and provisions it to PASS', async () => {
    page = await openApp(browser, station.url, { route: '/' });
    ({ passphrase, deviceId } = await firstRunDemo(page));
    expect(deviceId).toBe('dev-000001');
    expect(problemsOf(page)).toEqual([]);
  });

  it('drives the whole Station flow from the keyboard alone', () => keyboardOnlyStation(page));

  it('shows a device fault as FAIL with the specific reason and fix, and R retries it', () =>
    faultAndRetry(page, () => core.failNext('write', 'DEVICE_TIMEOUT', 'dev-000001 stopped answering while its certificate was written.'), {
      code: /^DEVICE_TIMEOUT$/,
      reason: 'dev-000001 stopped answering while its certificate was written.',
      step: 'write',
    }));

  it('lock: signing is refused in plain words; unlock with the passphrase restores it', async () => {
    await lockRefusesSigning(page, passphrase);
  });

  it('finds the device in the ledger and opens its certificate and chain', () => ledgerLookup(page, deviceId, 'Custodian Demo Root'));

  it('generates a verification certificate for the hub and saves it', async () => {
    await verificationCertificate(page, station);
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });

  it.each(['light', 'dark'] as Theme[])('screenshots (%s)', async (theme) => {
    const p = await openApp(browser, station.url, { theme, route: '/station' });
    await p.waitForSelector('[data-testid="operator"]');
    await p.fill('[data-testid="operator"]', 'alice');
    await p.fill('[data-testid="work-order"]', 'WO-2026-114');
    await shoot(p, 'station', theme);
    await p.keyboard.press('F2');
    await p.waitForSelector('[data-testid="result-screen"].pass');
    await shoot(p, 'station-pass', theme);
    await p.keyboard.press('Escape');
    core.failNext('csr', 'CSR_BAD_SIGNATURE', 'The signing request from dev-000001 does not carry a valid signature, so the device may not hold its key.');
    await p.keyboard.press('F2');
    await p.waitForSelector('[data-testid="result-screen"].fail');
    await shoot(p, 'station-fail', theme);
    await p.keyboard.press('Escape');

    await p.keyboard.press('Control+2');
    await p.waitForSelector('[data-testid="certificate"]');
    await shoot(p, 'authority', theme);
    await p.click('[data-testid="ceremony-signSubordinate"]');
    await shoot(p, 'authority-wizard', theme);

    await p.keyboard.press('Control+4');
    await p.waitForSelector('[data-testid="settings-save"]');
    await shoot(p, 'settings', theme);
    await p.context().close();
  });

  it.each(['light', 'dark'] as Theme[])('screenshot: first run (%s)', async (theme) => {
    const empty = await startStation({ simulator: scriptedStation().simulator });
    try {
      const p = await openApp(browser, empty.url, { theme, route: '/' });
      await p.waitForSelector('[data-testid="start-demo"]');
      await shoot(p, 'welcome', theme);
      await p.context().close();
    } finally {
      await empty.close();
    }
  });
});
