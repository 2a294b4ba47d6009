/**
 * The renderer in Chromium, through the HTTP test bridge, against a scripted
 * station core (test/e2e/scripted-station.ts): first-run demo, the Station
 * flow from the keyboard alone, a device fault and its retry, lock → signing
 * refused → unlock, finding the device in the ledger, the verification
 * certificate, auto mode and the root ceremony.
 *
 * The same journeys against the real core are in core-flows.test.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeChromium } from './chromium';
import { launchBrowser, openApp, problemsOf, startStation, type Station } from './harness';
import { scriptedStation, type ScriptedStation } from './scripted-station';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { faultAndRetry, firstRunDemo, keyboardOnlyStation, ledgerLookup, lockRefusesSigning, portDriverAndProof, verificationCertificate } from './journeys';

let core: ScriptedStation;
let station: Station;
let browser: Browser;
let page: Page;
let passphrase = '';
let deviceId = '';

describeChromium('Custodian UI in Chromium (scripted core)', () => {
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

  it('the theme toggle overrides the system colour scheme and is remembered', async () => {
    const p = await openApp(browser, station.url, { theme: 'light', route: '/settings' });
    const bg = () => p.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(await bg()).toBe('rgb(255, 255, 255)');
    await p.click('[data-testid="theme-toggle"]');
    expect(await p.getAttribute('html', 'data-theme')).toBe('dark');
    expect(await bg()).toBe('rgb(15, 17, 21)');
    await p.reload();
    await p.waitForSelector('header.bar');
    expect(await bg()).toBe('rgb(15, 17, 21)');
    await p.context().close();
  });

  it('auto mode provisions a device as soon as it is plugged in', async () => {
    const p = await openApp(browser, station.url, { route: '/station' });
    await p.waitForSelector('[data-testid="operator"]:focus');
    await p.keyboard.type('dana');
    await p.keyboard.press('F9');
    await p.waitForSelector('[data-testid="auto-mode"]:checked');
    expect(await p.isDisabled('[data-testid="provision"]')).toBe(true);
    await p.click('[data-testid="add-simulated"]'); // "plugging in" a simulated device
    // Auto mode serves the chosen port too (a fixture): its device may pass first; the new one must follow.
    await p.locator('[data-testid="result-screen"].pass', { hasText: /dev-00000[2-9]/ }).waitFor({ timeout: 20_000 });
    expect(await p.$('[data-testid="result-retry"]')).toBeNull();
    await p.keyboard.press('Escape');
    await p.keyboard.press('F9');
    await p.waitForSelector('[data-testid="auto-mode"]:not(:checked)');
    await p.context().close();
  });

  it('the port picker shows each port\'s driver; nrf91 chosen for a USB modem is remembered, its steps shown and its PASS names the CSR-signature proof', async () => {
    const nrf = scriptedStation(10);
    const modem = { path: '/dev/ttyACM0', vendorId: '1915', productId: '9100', manufacturer: 'Nordic Semiconductor ASA' };
    const s = await startStation({ authority: nrf.authority, workflow: nrf.workflow, ledger: nrf.ledger, simulator: nrf.simulator, devices: { listPorts: async () => [modem] } });
    try {
      await s.service.api['authority.createDemoAuthority']({ passphrase: 'a long enough passphrase' });
      const p = await openApp(browser, s.url, { route: '/station' });
      await portDriverAndProof(p, { path: modem.path, usb: '1915:9100', driver: 'nrf91', proof: 'csr-signature' });
      const saved = JSON.parse(await readFile(join(s.home, 'settings.json'), 'utf8')) as { drivers: { byUsb: unknown[] } };
      expect(saved.drivers.byUsb).toEqual([{ vendorId: '1915', productId: '9100', driver: 'nrf91' }]);
      expect(problemsOf(p)).toEqual([]);
      await p.context().close();
    } finally {
      await s.close();
    }
  });

  it('creates a root CA with the guided ceremony on an empty station', async () => {
    const fresh = scriptedStation();
    const empty = await startStation({ authority: fresh.authority });
    try {
      const p = await openApp(browser, empty.url, { route: '/' });
      await p.click('[data-testid="setup-real"]');
      await p.click('[data-testid="ceremony-initRoot"]');
      await p.fill('[data-testid="root-cn"]', 'Acme Factory Root');
      await p.click('[data-testid="wizard-next"]');
      await p.click('[data-testid="wizard-next"]');
      expect(await p.isDisabled('[data-testid="wizard-next"]')).toBe(true); // no passphrase yet
      await p.fill('[data-testid="root-pass"]', 'short');
      await p.waitForSelector('text=The passphrase must be at least 12 characters long.');
      await p.fill('[data-testid="root-pass"]', 'a long enough passphrase');
      await p.fill('[data-testid="root-confirm"]', 'a long enough passphrase');
      await p.click('[data-testid="wizard-next"]');
      await p.waitForSelector('[data-testid="authority-done"]');
      expect(await p.textContent('[data-testid="authority-done"]')).toContain('Root created: CN=Acme Factory Root');
      expect(await p.textContent('[data-testid="certificate"]')).toContain('Acme Factory Root');
      expect(fresh.authority.calls).toContain('initRoot');
      expect(problemsOf(p)).toEqual([]);
      await p.context().close();
    } finally {
      await empty.close();
    }
  });
});
