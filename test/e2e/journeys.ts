/**
 * User journeys through the UI, shared by the e2e files: each drives a page
 * opened by openApp and asserts what the user must see. They know nothing
 * about which core is behind the bridge; the caller supplies the hooks.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { describeError } from '../../electron/shared/errors';
import { DRIVERS, driverSteps, type DriverName } from '../../electron/shared/drivers';
import { FINAL_PROOF_WORDS, type FinalProofName } from '../../electron/shared/proofs';
import type { Station } from './harness';

export const verdict = (p: Page) => p.textContent('[data-testid="result-word"]');

/** Assert the verdict, with the whole result screen as the message when it differs. */
async function expectVerdict(page: Page, word: 'PASS' | 'FAIL'): Promise<void> {
  expect(await verdict(page), (await page.textContent('[data-testid="result-screen"]')) ?? '').toBe(word);
}

/**
 * Provision from the Station view with F2 and expect PASS. Waits for the
 * Provision button to be enabled first (ports and lock state load after the
 * page), and fails at once with what the user sees — the button's blocker, or
 * the whole result screen — instead of waiting out a timeout for a PASS that
 * is not coming.
 */
export async function provisionToPass(page: Page): Promise<void> {
  try {
    await page.waitForSelector('[data-testid="provision"]:not([disabled])', { timeout: 30_000 });
  } catch (e) {
    const blocker = await page.textContent('[data-testid="provision-blocker"]', { timeout: 1_000 }).catch(() => null);
    throw new Error(`Provision stayed disabled: ${blocker ?? 'no blocker shown'}`, { cause: e });
  }
  await page.keyboard.press('F2');
  await page.waitForSelector('[data-testid="result-screen"]', { timeout: 60_000 });
  await expectVerdict(page, 'PASS');
}

async function focusedTestId(page: Page): Promise<string | null> {
  return page.evaluate('document.activeElement ? document.activeElement.getAttribute("data-testid") : null') as Promise<string | null>;
}

/** First run from an empty station: the demo ends on PASS. Returns the demo passphrase and the device ID. */
export async function firstRunDemo(page: Page): Promise<{ passphrase: string; deviceId: string }> {
  await page.waitForSelector('[data-testid="start-demo"]');
  const passphrase = (await page.textContent('[data-testid="demo-passphrase"]')) ?? '';
  expect(passphrase).toMatch(/^demo-/);
  await page.click('[data-testid="start-demo"]');
  await page.waitForSelector('[data-testid="result-screen"]', { timeout: 60_000 });
  await expectVerdict(page, 'PASS');
  const deviceId = (await page.textContent('[data-testid="result-screen"] .device strong'))?.trim() ?? '';
  expect(deviceId).not.toBe('');
  expect(await page.textContent('[data-testid="lock-badge"]')).toContain('Unlocked');
  expect(await page.textContent('header')).toContain('DEMO AUTHORITY');
  return { passphrase, deviceId };
}

/** Station from the keyboard alone: Esc, F2, and a fresh window scanned in with Enter. */
export async function keyboardOnlyStation(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid="result-screen"]', { state: 'detached' });
  expect(await focusedTestId(page)).toBe('provision');
  await page.keyboard.press('F2');
  await page.waitForSelector('[data-testid="result-screen"]', { timeout: 60_000 });
  await expectVerdict(page, 'PASS');
  await page.keyboard.press('Escape');

  await page.reload();
  await page.waitForSelector('[data-testid="operator"]:focus');
  await page.keyboard.type('alice');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="work-order"]:focus');
  await page.keyboard.type('WO-7');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="result-screen"]', { timeout: 60_000 });
  await expectVerdict(page, 'PASS');
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid="result-screen"]', { state: 'detached' });
  expect(Number(await page.textContent('[data-testid="count-passed"]'))).toBeGreaterThanOrEqual(3);
  const states = await page.$$eval('[data-testid="step-list"] li', (li) => li.map((x) => x.getAttribute('data-state')));
  expect(states.every((s) => s === 'done' || s === 'skipped')).toBe(true);
}

/**
 * A device fault: `arm` makes the next run fail. The FAIL screen names the
 * failure (the station's sentence, the code's fix) and R retries to PASS.
 */
export async function faultAndRetry(page: Page, arm: () => void, expected: { code: RegExp; reason?: string; step?: string }): Promise<void> {
  arm();
  await page.keyboard.press('F2');
  await page.waitForSelector('[data-testid="result-screen"].fail', { timeout: 60_000 });
  await expectVerdict(page, 'FAIL');
  const code = ((await page.textContent('[data-testid="result-screen"] .code')) ?? '').replace(/^Code\s+/, '').trim();
  expect(code).toMatch(expected.code);
  const reason = (await page.textContent('[data-testid="result-reason"]')) ?? '';
  if (expected.reason) expect(reason).toBe(expected.reason);
  expect(reason).not.toMatch(/\bat .*:\d+:\d+|Error:/); // never a stack trace
  expect(await page.textContent('[data-testid="result-fix"]')).toContain(describeError(code));
  if (expected.step) {
    const states = await page.$$eval('[data-testid="step-list"] li', (li) => li.map((x) => `${x.getAttribute('data-step')}:${x.getAttribute('data-state')}`));
    expect(states, `${code}: ${reason}`).toContain(`${expected.step}:failed`);
  }
  await page.keyboard.press('r');
  await page.waitForSelector('[data-testid="result-screen"].pass', { timeout: 60_000 });
  await page.keyboard.press('Escape');
}

/** Lock from the badge; the Station's signing is refused; a wrong passphrase is refused and cleared; the right one unlocks. */
export async function lockRefusesSigning(page: Page, passphrase: string): Promise<void> {
  await page.click('[data-testid="lock-badge"]');
  await page.click('[data-testid="lock"]');
  await page.waitForSelector('[data-testid="lock-badge"]:has-text("Locked")');

  await page.keyboard.press('Control+1');
  await page.waitForSelector('[data-testid="station-locked"]');
  await page.keyboard.press('F2');
  await page.waitForSelector('[data-testid="result-screen"].fail', { timeout: 60_000 });
  expect(await page.textContent('[data-testid="result-screen"]')).toContain('AUTHORITY_LOCKED');
  expect(await page.textContent('[data-testid="result-fix"]')).toContain(describeError('AUTHORITY_LOCKED'));
  await page.keyboard.press('Escape');

  await page.keyboard.press('Control+2');
  await page.fill('[data-testid="unlock-passphrase"]', 'not the passphrase');
  await page.press('[data-testid="unlock-passphrase"]', 'Enter');
  await page.waitForSelector('[data-testid="error-notice"][data-code^="VAULT_"]', { timeout: 60_000 });
  expect(await page.inputValue('[data-testid="unlock-passphrase"]')).toBe('');
  await page.fill('[data-testid="unlock-passphrase"]', passphrase);
  await page.press('[data-testid="unlock-passphrase"]', 'Enter');
  await page.waitForSelector('[data-testid="lock-badge"]:has-text("Unlocked")', { timeout: 60_000 });
  expect(await page.$('[data-testid="unlock-passphrase"]')).toBeNull();
}

/** Find the device in the ledger by ID, open it: its certificate first, then the chain up to `rootName`. */
export async function ledgerLookup(page: Page, deviceId: string, rootName: string): Promise<void> {
  await page.keyboard.press('Control+3');
  await page.fill('[data-testid="ledger-search"]', deviceId);
  await page.press('[data-testid="ledger-search"]', 'Enter');
  await page.waitForSelector('[data-entry]');
  await page.click('[data-entry]');
  await page.waitForSelector('[data-testid="certificate"]');
  const certs = await page.$$eval('[data-testid="certificate"] h3', (h) => h.map((x) => x.textContent ?? ''));
  expect(certs[0]).toContain('device');
  expect(certs[0]).toContain(deviceId);
  expect(certs.at(-1)).toContain(rootName);
}

/** The verification-certificate ceremony: paste the hub's code, save as .pem, see the PEM. */
export async function verificationCertificate(page: Page, station: Station): Promise<void> {
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
  expect(await page.textContent('[data-testid="verification-result"]')).toContain('7A3F0C9E21B54D88');
  expect(existsSync(target) && readFileSync(target, 'utf8')).toMatch(/BEGIN CERTIFICATE/);
}

/** With an entry open in the Ledger view: verify the ledger, export a proof of the entry and the audit bundle. */
export async function ledgerAudit(page: Page, station: Station): Promise<void> {
  await page.click('[data-testid="ledger-verify"]');
  await page.waitForSelector('[data-testid="verify-report"]', { timeout: 60_000 });
  expect(await page.textContent('[data-testid="verify-report"]')).toContain('Ledger verified');

  const proof = join(station.scratch, 'proof.json');
  station.files.queueSave(proof);
  await page.click('[data-testid="ledger-export-proof"]');
  await page.waitForSelector('[role="status"]:has-text("Proof for entry")', { timeout: 60_000 });
  expect(existsSync(proof)).toBe(true);

  const bundle = join(station.scratch, 'audit');
  mkdirSync(bundle, { recursive: true });
  station.files.queueDirectory(bundle);
  await page.click('[data-testid="ledger-export-audit"]');
  await page.waitForSelector('[role="status"]:has-text("Audit bundle with")', { timeout: 60_000 });
  expect(readdirSync(bundle).length).toBeGreaterThan(0);
}

/**
 * A port's driver from the picker: choose `driver` for the port at `path`
 * (remembered by its USB IDs), see the step list become that driver's steps,
 * provision to PASS and read which possession proof was done; after a reload
 * the choice is still there.
 */
export async function portDriverAndProof(page: Page, opts: { path: string; usb: string; driver: DriverName; proof: FinalProofName }): Promise<void> {
  await page.waitForSelector('[data-testid="operator"]:focus');
  await page.selectOption('[data-testid="port-select"]', opts.path);
  const option = page.locator(`[data-testid="port-select"] option[value="${opts.path}"]`);
  expect(await option.textContent()).toContain('driver auto');
  await page.selectOption('[data-testid="port-driver"]', opts.driver);
  await page.waitForSelector(`[data-testid="port-driver-note"]:has-text("Remembered for USB ${opts.usb}.")`);
  expect(await option.textContent()).toContain(`driver ${DRIVERS[opts.driver].title}`);
  await page.waitForSelector(`[data-testid="step-driver"][data-driver="${opts.driver}"]`);
  const rows = await page.$$eval('[data-testid="step-list"] li', (li) => li.map((x) => x.getAttribute('data-step')));
  expect(rows).toEqual(['connect', ...driverSteps(opts.driver)]);

  await page.fill('[data-testid="operator"]', 'erin');
  await provisionToPass(page);
  expect(await page.textContent('[data-testid="result-proof"]')).toBe(FINAL_PROOF_WORDS[opts.proof]);
  expect(await page.textContent('[data-testid="result-proofs"]')).toContain(DRIVERS[opts.driver].title);
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid="result-screen"]', { state: 'detached' });

  await page.reload();
  await page.waitForSelector('[data-testid="operator"]:focus');
  await page.selectOption('[data-testid="port-select"]', opts.path);
  expect(await page.inputValue('[data-testid="port-driver"]')).toBe(opts.driver);
}

/** Provision on the chosen port to PASS; the PASS screen names the possession proof the device gave. */
export async function passNamesProof(page: Page, proof: FinalProofName): Promise<void> {
  await provisionToPass(page);
  expect(await page.textContent('[data-testid="result-proof"]')).toBe(FINAL_PROOF_WORDS[proof]);
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid="result-screen"]', { state: 'detached' });
}


/**
 * The Line view with auto mode on: two more simulated heads are plugged in,
 * every head gets its own tile and reaches PASS on its own, the totals count
 * them, and one head's auto mode is switched off from its tile. `page` is
 * freshly opened on the Station view.
 */
export async function lineOfHeads(page: Page, station: Station): Promise<void> {
  await page.waitForSelector('[data-testid="operator"]:focus');
  await page.keyboard.type('lena');
  await page.keyboard.press('F9');
  await page.waitForSelector('[data-testid="auto-mode"]:checked');
  await page.keyboard.press('Control+5');
  await page.waitForSelector('[data-testid="line-view"]');
  // Two more heads plugged in while the Line view is open: their tiles appear.
  await station.service.api['simulator.start'](undefined);
  await station.service.api['simulator.start'](undefined);
  await page.waitForSelector('[data-testid="line-view"]');
  const heads = page.locator('.tile');
  await expect.poll(() => heads.count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
  await expect.poll(() => page.locator('.tile[data-verdict="pass"]').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
  const passed = Number((await page.textContent('[data-testid="line-passed"]'))!.split(' ')[0]);
  expect(passed).toBeGreaterThanOrEqual(3);
  // A head auto mode serves: switched off from its tile, then on again.
  const served = page.locator('.tile[data-verdict="pass"]').first();
  const port = (await served.locator('strong').getAttribute('title'))!;
  const toggle = page.locator(`[data-testid="head-auto-${port.split('/').pop()}"]`);
  expect(await toggle.isChecked()).toBe(true);
  await toggle.uncheck();
  await expect.poll(() => toggle.isChecked()).toBe(false);
  // The station has paused that head (the checkbox flips before the call returns).
  const head = async () => (await station.service.api['station.line'](undefined)).heads.find((h) => h.port === port);
  await expect.poll(async () => (await head())?.paused, { timeout: 5000 }).toBe(true);
  expect(await head()).toMatchObject({ auto: false });
  await toggle.check();
  await expect.poll(() => toggle.isChecked()).toBe(true);
  await page.keyboard.press('Control+1');
  await page.waitForSelector('[data-testid="auto-mode"]:checked');
  await page.keyboard.press('F9');
  await page.waitForSelector('[data-testid="auto-mode"]:not(:checked)');
}
