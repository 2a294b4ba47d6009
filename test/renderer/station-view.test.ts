// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import type { VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import StationView from '../../renderer/src/views/StationView.vue';
import { DEFAULT_SETTINGS } from '../../electron/shared/api/settings';
import { FP, NOW, install, makeFake, refuse } from './fakeCustodian';
import type { Handlers } from './fakeCustodian';

const counters = { shiftStartedAt: NOW, issued: 0, reissued: 0, failed: 0 };
function handlers(provision: Handlers['station.provision']): Handlers {
  return {
    'station.listPorts': () => ({ ports: [{ path: '/dev/pts/3', vendorId: null, productId: null, manufacturer: null, serialNumber: null, simulated: true, busy: false }] }),
    'station.status': () => ({ autoMode: { enabled: false, operator: null, workOrder: null }, counters, busyPorts: [] }),
    'settings.get': () => ({ ...DEFAULT_SETTINGS, sounds: false }),
    'simulator.status': () => ({ enabled: true, devices: [] }),
    'station.provision': provision,
  };
}
const ok = () => ({ runId: 'r', deviceId: 'dev-000001', serialHex: '01', fingerprint: FP('c'), ledgerIndex: 0, reissued: false, durationMs: 10 });
const key = (key: string, target: EventTarget = window) =>
  target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));

let uninstall: () => void = () => {};
let w: VueWrapper | undefined;
beforeEach(() => setActivePinia(createPinia()));
afterEach(() => {
  w?.unmount();
  uninstall();
  document.body.innerHTML = '';
});

async function open(h: Handlers) {
  const fake = makeFake(h);
  uninstall = install(fake);
  w = mount(StationView, { attachTo: document.body });
  await flushPromises();
  return { fake, w };
}

describe('StationView from the keyboard alone', () => {
  it('scans operator → work order with Enter, provisions, dismisses with Esc, and F2 does the next one', async () => {
    const { fake, w } = await open(handlers(ok));
    const operator = w.get<HTMLInputElement>('[data-testid="operator"]');
    expect(document.activeElement).toBe(operator.element);

    await operator.setValue('alice');
    key('Enter', operator.element);
    expect(document.activeElement).toBe(w.get('[data-testid="work-order"]').element);

    await w.get('[data-testid="work-order"]').setValue('WO-1');
    key('Enter', document.activeElement!);
    await flushPromises();
    expect(fake.callsTo('station.provision')).toEqual([{ port: '/dev/pts/3', operator: 'alice', workOrder: 'WO-1' }]);
    expect(w.get('[data-testid="result-word"]').text()).toBe('PASS');

    key('Escape');
    await flushPromises();
    expect(w.find('[data-testid="result-screen"]').exists()).toBe(false);
    expect(document.activeElement).toBe(w.get('[data-testid="provision"]').element);

    key('F2');
    await flushPromises();
    expect(fake.callsTo('station.provision')).toHaveLength(2);
    // F2 on the PASS screen goes straight to the next device.
    key('F2');
    await flushPromises();
    expect(fake.callsTo('station.provision')).toHaveLength(3);
  });

  it('shows a device fault as FAIL with its fix, and R retries it', async () => {
    let attempt = 0;
    const { fake, w } = await open(handlers(() => (++attempt === 1 ? refuse('DEVICE_TIMEOUT', 'dev-000001 stopped answering during write.') : ok())));
    await w.get('[data-testid="operator"]').setValue('bob');
    key('F2');
    await flushPromises();
    expect(w.get('[data-testid="result-word"]').text()).toBe('FAIL');
    expect(w.get('[data-testid="result-reason"]').text()).toBe('dev-000001 stopped answering during write.');
    expect(w.get('[data-testid="result-fix"]').text()).toContain('Check the cable');

    key('r');
    await flushPromises();
    expect(fake.callsTo('station.provision')).toHaveLength(2);
    expect(w.get('[data-testid="result-word"]').text()).toBe('PASS');
  });

  it('does not provision without an operator and says what is missing', async () => {
    const { fake, w } = await open(handlers(ok));
    key('F2');
    await flushPromises();
    expect(fake.callsTo('station.provision')).toHaveLength(0);
    expect(w.get('[data-testid="provision"]').attributes('disabled')).toBeDefined();
    expect(w.get('[data-testid="provision-blocker"]').text()).toBe('Enter or scan the operator.');
  });
});
