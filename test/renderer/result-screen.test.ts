// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import type { VueWrapper } from '@vue/test-utils';
import TheResultScreen from '../../renderer/src/components/TheResultScreen.vue';
import { FINAL_PROOF_WORDS } from '../../electron/shared/proofs';

const mounted: VueWrapper[] = [];
afterEach(() => {
  while (mounted.length) mounted.pop()?.unmount();
  document.body.innerHTML = '';
});

function show(props: InstanceType<typeof TheResultScreen>['$props']) {
  const w = mount(TheResultScreen, { props, attachTo: document.body });
  mounted.push(w);
  return w;
}
const press = (key: string) => window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));

describe('TheResultScreen', () => {
  it('says PASS in words, with the device, and no failure text', () => {
    const w = show({ result: { passed: true, deviceId: 'dev-000123', detail: 'Serial 0a1b.' } });
    expect(w.get('[data-testid="result-word"]').text()).toBe('PASS');
    expect(w.get('[data-testid="result-screen"]').classes()).toContain('pass');
    expect(w.text()).toContain('dev-000123');
    expect(w.text()).toContain('Serial 0a1b.');
    expect(w.find('[data-testid="result-fix"]').exists()).toBe(false);
    expect(w.find('[data-testid="result-retry"]').exists()).toBe(false);
  });

  it('shows the pass detail as its own sentence after the reason, and announces both', () => {
    const w = show({ result: { passed: true, deviceId: 'dev-000123', detail: 'Serial 0a1b, ledger entry #7.' } });
    const screen = w.get('[data-testid="result-screen"]');
    const described = (screen.attributes('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent);
    expect(described).toEqual(['Certificate issued, written and proven on the device.', 'Serial 0a1b, ledger entry #7.']);
    // Separate paragraphs: the reason ends with its full stop, the detail starts its own line.
    expect(w.get('#result-reason').element.nextElementSibling).toBe(w.get('[data-testid="result-detail"]').element);
    expect(show({ result: { passed: true } }).get('[data-testid="result-screen"]').attributes('aria-describedby')).toBe('result-reason');
  });

  it('says which possession proof a pass ended on, from the shared words, and announces it', () => {
    const w = show({ result: { passed: true, deviceId: 'dev-1', detail: 'Serial 0a.', driver: 'custodian', finalProof: 'challenge', proofs: ['csr-signature', 'read-back', 'final-challenge'] } });
    expect(w.get('[data-testid="result-proof"]').text()).toBe(FINAL_PROOF_WORDS.challenge);
    expect(w.get('[data-testid="result-proof"]').attributes('data-proof')).toBe('challenge');
    expect(w.get('[data-testid="result-proofs"]').text()).toBe('Custodian protocol — checks passed: CSR signature verified · read back byte for byte · installed key signed a fresh challenge');
    expect(w.get('[data-testid="result-screen"]').attributes('aria-describedby')).toBe('result-reason result-proof result-detail');

    const nrf = show({ result: { passed: true, driver: 'nrf91', finalProof: 'csr-signature', proofs: ['csr-signature'] } });
    expect(nrf.get('[data-testid="result-proof"]').text()).toBe('Possession proved by CSR signature of a key generated on the device in this run.');
    // A recognised device: no proof is claimed for this run.
    const again = show({ result: { passed: true, driver: 'custodian', finalProof: null, proofs: ['key-challenge'] } });
    expect(again.get('[data-testid="result-proof"]').text()).toMatch(/^Device recognised/);
    // …and its headline does not claim a certificate was issued in this run.
    expect(again.get('#result-reason').text()).toBe('Already provisioned: nothing new was signed.');
    expect(again.get('[data-testid="result-proof"]').text()).not.toMatch(/Possession proved/);
    // Nothing said about proofs when the run did not report them (older stations).
    expect(show({ result: { passed: true } }).find('[data-testid="result-proof"]').exists()).toBe(false);
  });

  it('says FAIL with the reason, the fix and the code', () => {
    const w = show({
      result: { passed: false, deviceId: 'dev-9', reason: 'The device did not answer.', fix: 'Check the cable and try again.', code: 'DEVICE_TIMEOUT' },
      canRetry: true,
    });
    expect(w.get('[data-testid="result-word"]').text()).toBe('FAIL');
    expect(w.get('[data-testid="result-screen"]').classes()).toContain('fail');
    expect(w.get('[data-testid="result-reason"]').text()).toBe('The device did not answer.');
    expect(w.get('[data-testid="result-fix"]').text()).toContain('Check the cable and try again.');
    expect(w.text()).toContain('DEVICE_TIMEOUT');
    expect(w.get('[role="alertdialog"]').attributes('aria-describedby')).toBe('result-reason');
  });

  it('focuses its dismiss button and is dismissed with Esc', async () => {
    const w = show({ result: { passed: true } });
    expect(document.activeElement).toBe(w.get('[data-testid="result-dismiss"]').element);
    press('Escape');
    expect(w.emitted('dismiss')).toHaveLength(1);
  });

  it('retries a failure with R, but not a pass and not when retry is off', () => {
    const fail = show({ result: { passed: false, reason: 'x' }, canRetry: true });
    press('r');
    press('R'); // Shift or Caps Lock (gloves) still retries
    expect(fail.emitted('retry')).toHaveLength(2);
    fail.unmount();
    mounted.pop();

    const noRetry = show({ result: { passed: false, reason: 'x' }, canRetry: false });
    press('r');
    expect(noRetry.emitted('retry')).toBeUndefined();
    noRetry.unmount();
    mounted.pop();

    const pass = show({ result: { passed: true }, canRetry: true });
    press('r');
    expect(pass.emitted('retry')).toBeUndefined();
  });

  it('stops listening for keys once dismissed', () => {
    const w = show({ result: { passed: true } });
    w.unmount();
    mounted.pop();
    press('Escape');
    expect(w.emitted('dismiss')).toBeUndefined();
  });
});
