// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import type { VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import StationView from '../../renderer/src/views/StationView.vue';
import { DEFAULT_SETTINGS } from '../../electron/shared/api/settings';
import { AUTO_DRIVER, CUSTODIAN_PROOFS, FP, NOW, install, makeFake, refuse } from './fakeCustodian';
import type { Handlers } from './fakeCustodian';

const counters = { shiftStartedAt: NOW, issued: 0, reissued: 0, failed: 0 };
function handlers(provision: Handlers['station.provision']): Handlers {
  return {
    'station.listPorts': () => ({ ports: [{ path: '/dev/pts/3', vendorId: null, productId: null, manufacturer: null, serialNumber: null, simulated: true, busy: false, ...AUTO_DRIVER }] }),
    'station.status': () => ({ autoMode: { enabled: false, operator: null, workOrder: null }, counters, busyPorts: [], halted: null }),
    'settings.get': () => ({ ...DEFAULT_SETTINGS, sounds: false }),
    'simulator.status': () => ({ enabled: true, devices: [] }),
    'station.provision': provision,
  };
}
const ok = () => ({ runId: 'r', deviceId: 'dev-000001', serialHex: '01', fingerprint: FP('c'), ledgerIndex: 0, reissued: false, durationMs: 10, ...CUSTODIAN_PROOFS });
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

  it('shows a halt as a blocking alert with what is true, refuses F2, and Resume lifts it once the ledger can be written', async () => {
    const halt = {
      code: 'LEDGER_WRITE_FAILED',
      message: 'This station stopped signing: the ledger could not append to entries.jsonl (ENOSPC: the disk is full).',
      statements: ['A certificate 0a was signed in this run but is NOT recorded in the ledger.', 'Intent #7 (dev-000001, serial 0a) is open.'],
      at: NOW,
    };
    let stopped = false;
    const { fake, w } = await open({
      ...handlers(() => {
        stopped = true;
        refuse('LEDGER_WRITE_FAILED', halt.message);
      }),
      'station.status': () => ({ autoMode: { enabled: false, operator: null, workOrder: null }, counters, busyPorts: [], halted: stopped ? halt : null }),
      'station.resume': () => {
        stopped = false;
        return { autoMode: { enabled: false, operator: null, workOrder: null }, counters, busyPorts: [], halted: null };
      },
    });
    await w.get('[data-testid="operator"]').setValue('bob');
    key('F2');
    await flushPromises();
    const alert = w.get('[data-testid="station-halted"]');
    expect(alert.attributes('role')).toBe('alertdialog');
    expect(w.get('[data-testid="halted-message"]').text()).toBe(halt.message);
    expect(w.findAll('[data-testid="halted-statements"] li').map((li) => li.text())).toEqual(halt.statements);
    expect(w.find('[data-testid="result-screen"]').exists()).toBe(false);
    expect(document.activeElement).toBe(w.get('[data-testid="halted-resume"]').element);
    key('F2');
    key('F9');
    await flushPromises();
    expect(fake.callsTo('station.provision')).toHaveLength(1);
    expect(fake.callsTo('station.setAutoMode')).toHaveLength(0);

    await w.get('[data-testid="halted-resume"]').trigger('click');
    await flushPromises();
    expect(fake.callsTo('station.resume')).toHaveLength(1);
    expect(w.find('[data-testid="station-halted"]').exists()).toBe(false);
  });
});
