/**
 * The renderer in Chromium, through the HTTP test bridge, against a scripted
 * station core (test/e2e/scripted-station.ts): first-run demo, the Station
 * flow from the keyboard alone, a device fault and its retry, lock → signing
 * refused → unlock, finding the device in the ledger, the verification
 * certificate, and the screenshots in docs/screenshots/.
 *
 * The same journeys against the real core are in core-flows.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeError } from '../../electron/shared/errors';
import { hasChromium, launchBrowser, openApp, problemsOf, shoot, startStation, type Station, type Theme } from './harness';
import { scriptedStation, type ScriptedStation } from './scripted-station';

let core: ScriptedStation;
let station: Station;
let browser: Browser;
let page: Page;
let passphrase = '';

const verdict = (p: Page) => p.textContent('[data-testid="result-word"]');

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
    await page.waitForSelector('[data-testid="start-demo"]');
    passphrase = (await page.textContent('[data-testid="demo-passphrase"]')) ?? '';
    expect(passphrase).toMatch(/^demo-/);
    await page.click('[data-testid="start-demo"]');
    await page.waitForSelector('[data-testid="result-screen"]');
    expect(await verdict(page)).toBe('PASS');
    expect(await page.textContent('[data-testid="result-screen"]')).toContain('dev-000001');
    expect(await page.textContent('[data-testid="lock-badge"]')).toContain('Unlocked');
    expect(await page.textContent('header')).toContain('DEMO AUTHORITY');
    expect(problemsOf(page)).toEqual([]);
  });

  it('drives the whole Station flow from the keyboard alone', async () => {
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid="result-screen"]', { state: 'detached' });
    // Focus is back on Provision: the next device is one key away.
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } } }).document.activeElement.getAttribute('data-testid'))).toBe('provision');
    await page.keyboard.press('F2');
    await page.waitForSelector('[data-testid="result-screen"]');
    expect(await verdict(page)).toBe('PASS');
    await page.keyboard.press('Escape');

    // A fresh window: operator badge, Enter, work order, Enter provisions.
    await page.reload();
    await page.waitForSelector('[data-testid="operator"]:focus');
    await page.keyboard.type('alice');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="work-order"]:focus');
    await page.keyboard.type('WO-7');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="result-screen"]');
    expect(await verdict(page)).toBe('PASS');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid="result-screen"]', { state: 'detached' });
    expect(Number(await page.textContent('[data-testid="count-passed"]'))).toBeGreaterThanOrEqual(3);
    // Every step of the last run is shown as done.
    expect(await page.$$eval('[data-testid="step-list"] li', (li) => li.map((x) => x.getAttribute('data-state')))).toEqual(Array(12).fill('done'));
  });

  it('shows a device fault as FAIL with the specific reason and fix, and R retries it', async () => {
    core.failNext('write', 'DEVICE_TIMEOUT', 'dev-000001 stopped answering while its certificate was written.');
    await page.keyboard.press('F2');
    await page.waitForSelector('[data-testid="result-screen"].fail');
    expect(await verdict(page)).toBe('FAIL');
    expect(await page.textContent('[data-testid="result-reason"]')).toBe('dev-000001 stopped answering while its certificate was written.');
    expect(await page.textContent('[data-testid="result-fix"]')).toContain(describeError('DEVICE_TIMEOUT'));
    expect(await page.getAttribute('[data-step="write"]', 'data-state')).toBe('failed');
    await page.keyboard.press('r');
    await page.waitForSelector('[data-testid="result-screen"].pass');
    expect(await verdict(page)).toBe('PASS');
    await page.keyboard.press('Escape');
  });

  it('lock: signing is refused in plain words; unlock with the passphrase restores it', async () => {
    await page.click('[data-testid="lock-badge"]');
    await page.click('[data-testid="lock"]');
    await page.waitForSelector('[data-testid="lock-badge"]:has-text("Locked")');

    await page.keyboard.press('Control+1');
    await page.waitForSelector('[data-testid="station-locked"]');
    await page.keyboard.press('F2');
    await page.waitForSelector('[data-testid="result-screen"].fail');
    expect(await page.textContent('[data-testid="result-screen"]')).toContain('AUTHORITY_LOCKED');
    expect(await page.textContent('[data-testid="result-fix"]')).toContain(describeError('AUTHORITY_LOCKED'));
    expect(await page.getAttribute('[data-step="sign"]', 'data-state')).toBe('failed');
    await page.keyboard.press('Escape');

    await page.keyboard.press('Control+2');
    await page.fill('[data-testid="unlock-passphrase"]', 'not the passphrase');
    await page.press('[data-testid="unlock-passphrase"]', 'Enter');
    await page.waitForSelector('[data-testid="error-notice"][data-code="VAULT_BAD_PASSPHRASE"]');
    expect(await page.inputValue('[data-testid="unlock-passphrase"]')).toBe('');
    await page.fill('[data-testid="unlock-passphrase"]', passphrase);
    await page.press('[data-testid="unlock-passphrase"]', 'Enter');
    await page.waitForSelector('[data-testid="lock-badge"]:has-text("Unlocked")');
  });

  it('finds the device in the ledger and opens its certificate and chain', async () => {
    await page.keyboard.press('Control+3');
    await page.fill('[data-testid="ledger-search"]', 'dev-000001');
    await page.press('[data-testid="ledger-search"]', 'Enter');
    await page.waitForSelector('[data-entry]');
    await page.click('[data-entry]');
    await page.waitForSelector('[data-testid="certificate"]');
    const certs = await page.$$eval('[data-testid="certificate"] h3', (h) => h.map((x) => x.textContent ?? ''));
    expect(certs[0]).toContain('device');
    expect(certs[0]).toContain('CN=dev-000001');
    expect(certs[1]).toContain('Custodian Demo Root');
  });

  it('generates a verification certificate for the hub and saves it', async () => {
    const target = join(station.scratch, 'verification.pem');
    station.files.queueSave(target);
    await page.keyboard.press('Control+2');
    await page.click('[data-testid="ceremony-verificationCert"]');
    await page.fill('[data-testid="vc-code"]', '7A3F0C9E21B54D88');
    await page.keyboard.press('Enter');
    await page.click('[data-testid="pick-vc-target"]');
    await page.waitForSelector('text=verification.pem');
    await page.click('[data-testid="wizard-next"]');
    await page.waitForSelector('[data-testid="verification-result"]');
    expect(await page.inputValue('[data-testid="verification-pem"]')).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(await page.textContent('[data-testid="verification-result"]')).toContain('CN=7A3F0C9E21B54D88');
    expect(existsSync(target) && readFileSync(target, 'utf8')).toMatch(/BEGIN CERTIFICATE/);
    expect(problemsOf(page).filter((p) => !/^(4\d\d)/.test(p))).toEqual([]);
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
