// @vitest-environment happy-dom
/** A token pulled out while unlocked: the lock event says so, and the Authority view and the station screen show it at once. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import type { VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import AuthorityView from '../../renderer/src/views/AuthorityView.vue';
import StationView from '../../renderer/src/views/StationView.vue';
import { useAuthorityStore } from '../../renderer/src/stores/authority';
import { DEFAULT_SETTINGS } from '../../electron/shared/api/settings';
import type { AuthorityStatus } from '../../electron/shared/api/authority';
import { AUTO_DRIVER, FP, NOW, install, makeFake, type Handlers } from './fakeCustodian';

const status = (state: AuthorityStatus['state']): AuthorityStatus => ({
  state, kind: 'root', subject: 'CN=Factory-Y', fingerprint: FP('3'), notAfter: '2030-01-01T00:00:00.000Z', autoLockAt: null,
  key: { location: 'token', tokenLabel: 'factory', tokenSerial: '978f66d17510bead', keyLabel: 'factory-y', keyId: 'cd'.repeat(16) },
});
const handlers: Handlers = {
  'authority.status': () => status('unlocked'),
  'authority.chain': () => ({ certificates: [] }),
  'authority.unlock': () => status('unlocked'),
  'station.listPorts': () => ({ ports: [{ path: '/dev/pts/3', vendorId: null, productId: null, manufacturer: null, serialNumber: null, simulated: true, busy: false, ...AUTO_DRIVER }] }),
  'station.status': () => ({ autoMode: { enabled: false, operator: null, workOrder: null }, counters: { shiftStartedAt: NOW, issued: 0, reissued: 0, failed: 0 }, busyPorts: [], halted: null }),
  'settings.get': () => ({ ...DEFAULT_SETTINGS, sounds: false }),
  'simulator.status': () => ({ enabled: true, devices: [] }),
};

let uninstall: () => void = () => {};
let off: () => void = () => {};
let w: VueWrapper | undefined;
beforeEach(() => setActivePinia(createPinia()));
afterEach(() => {
  w?.unmount();
  off();
  uninstall();
  document.body.innerHTML = '';
});

describe.each([
  ['Authority view', AuthorityView],
  ['station screen', StationView],
] as const)('token removed, on the %s', (_, view) => {
  it('shows "Token removed — plug it back in and unlock" on the event, and drops it once unlocked again', async () => {
    const fake = makeFake(handlers);
    uninstall = install(fake);
    const authority = useAuthorityStore();
    authority.status = status('unlocked');
    off = authority.subscribe();
    w = mount(view, { attachTo: document.body });
    await flushPromises();
    expect(w.find('[data-testid="token-removed"]').exists()).toBe(false);

    fake.emit('authority.lockState', { state: 'locked', reason: 'token-removed', autoLockAt: null });
    await flushPromises();
    expect(authority.state).toBe('locked');
    expect(w.get('[data-testid="token-removed"]').text()).toBe('Token removed — plug it back in and unlock.');
    expect(fake.callsTo('authority.status').length).toBeLessThanOrEqual(1); // the event, not a poll

    await authority.unlock('565656');
    await flushPromises();
    expect(w.find('[data-testid="token-removed"]').exists()).toBe(false);
  });
});

describe('authority store and the token-removed event', () => {
  it('learns the status when the event comes before any status was read', async () => {
    const fake = makeFake({ ...handlers, 'authority.status': () => status('locked') });
    uninstall = install(fake);
    const authority = useAuthorityStore();
    off = authority.subscribe();
    fake.emit('authority.lockState', { state: 'locked', reason: 'token-removed', autoLockAt: null });
    await flushPromises();
    expect(authority.tokenRemoved).toBe(true);
    expect(authority.state).toBe('locked');
    fake.emit('authority.lockState', { state: 'unlocked', reason: 'unlock', autoLockAt: null });
    expect(authority.tokenRemoved).toBe(false);
  });
});
