// @vitest-environment happy-dom
/**
 * A port's driver in the Station view: the port picker shows each port's
 * driver and lets the operator choose custodian / nrf91 / auto (the station
 * remembers it: station.setPortDriver); the step list shows that driver's
 * steps (shared/drivers.ts driverSteps), following the run's own driver once
 * its events name it; the PASS screen says which possession proof was done.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import type { VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import StationView from '../../renderer/src/views/StationView.vue';
import { DEFAULT_SETTINGS } from '../../electron/shared/api/settings';
import type { PortInfo } from '../../electron/shared/api/station';
import type { StationProgress } from '../../electron/shared/events';
import { driverSteps } from '../../electron/shared/drivers';
import { FINAL_PROOF_WORDS } from '../../electron/shared/proofs';
import { AUTO_DRIVER, CUSTODIAN_PROOFS, FP, NOW, install, makeFake } from './fakeCustodian';
import type { Fake, Handlers } from './fakeCustodian';

const counters = { shiftStartedAt: NOW, issued: 0, reissued: 0, failed: 0 };
const NRF: PortInfo = {
  path: '/dev/ttyACM0', vendorId: '1915', productId: '9100', manufacturer: 'Nordic Semiconductor', serialNumber: null, simulated: false, busy: false,
  driver: 'nrf91', detectedDriver: null, driverRemembered: true,
};
const FTDI: PortInfo = {
  path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001', manufacturer: null, serialNumber: null, simulated: false, busy: false, ...AUTO_DRIVER,
};
const progress = (p: Partial<StationProgress>): StationProgress => ({
  runId: 'run-1', port: FTDI.path, step: 'connect', state: 'started', at: NOW, deviceId: null, serialHex: null, error: null, auto: false, ...p,
});

let uninstall: () => void = () => {};
let w: VueWrapper | undefined;
beforeEach(() => setActivePinia(createPinia()));
afterEach(() => {
  w?.unmount();
  w = undefined;
  uninstall();
  document.body.innerHTML = '';
});

function handlers(ports: PortInfo[], extra: Handlers = {}): Handlers {
  return {
    'station.listPorts': () => ({ ports }),
    'station.status': () => ({ autoMode: { enabled: false, operator: null, workOrder: null }, counters, busyPorts: [], halted: null }),
    'settings.get': () => ({ ...DEFAULT_SETTINGS, sounds: false }),
    'simulator.status': () => ({ enabled: true, devices: [] }),
    ...extra,
  };
}
async function open(h: Handlers): Promise<{ fake: Fake; w: VueWrapper }> {
  const fake = makeFake(h);
  uninstall = install(fake);
  w = mount(StationView, { attachTo: document.body });
  await flushPromises();
  return { fake, w };
}
const ids = (v: VueWrapper) => v.findAll('[data-testid="step-list"] li').map((li) => li.attributes('data-step'));
const label = (v: VueWrapper, step: string) => v.get(`[data-testid="step-list"] li[data-step="${step}"] .label`).text();

describe('the port picker and a port\'s driver', () => {
  it('names each port\'s driver, shows the chosen port\'s, and the step list shows that driver\'s steps', async () => {
    const { w } = await open(handlers([NRF, FTDI]));
    const options = w.findAll('[data-testid="port-select"] option').map((o) => o.text());
    expect(options[0]).toContain('driver Nordic nRF91 modem (AT)');
    expect(options[1]).toContain('driver auto');
    expect(w.get<HTMLSelectElement>('[data-testid="port-driver"]').element.value).toBe('nrf91');
    expect(w.get('[data-testid="port-driver-note"]').text()).toBe('Remembered for USB 1915:9100.');
    // The nRF91 has no lock: no commit row; its verify reads back only (it cannot answer a challenge).
    expect(ids(w)).toEqual(['connect', ...driverSteps('nrf91')]);
    expect(ids(w)).not.toContain('commit');
    expect(label(w, 'verify')).toBe('Read back and check what the device stores');
    expect(w.get('[data-testid="step-driver"]').text()).toBe('Steps for a Nordic nRF91 modem (AT) device');

    await w.get('[data-testid="port-select"]').setValue(FTDI.path);
    expect(w.get<HTMLSelectElement>('[data-testid="port-driver"]').element.value).toBe('auto');
    expect(ids(w)).toContain('commit');
    expect(w.get('[data-testid="step-driver"]').attributes('data-driver')).toBe('auto');
  });

  it('choosing a driver asks the station to remember it, and the list follows the answer', async () => {
    let ports = [NRF, FTDI];
    const { fake, w } = await open(handlers(ports, {
      'station.listPorts': () => ({ ports }),
      'station.setPortDriver': ({ port, driver }) => {
        ports = ports.map((p) => (p.path === port ? { ...p, driver, driverRemembered: driver !== 'auto' } : p));
        return { port: ports.find((p) => p.path === port)! };
      },
    }));
    await w.get('[data-testid="port-select"]').setValue(FTDI.path);
    await w.get('[data-testid="port-driver"]').setValue('nrf91');
    await flushPromises();
    expect(fake.callsTo('station.setPortDriver')).toEqual([{ port: FTDI.path, driver: 'nrf91' }]);
    expect(w.get<HTMLSelectElement>('[data-testid="port-driver"]').element.value).toBe('nrf91');
    expect(w.findAll('[data-testid="port-select"] option')[1]!.text()).toContain('driver Nordic nRF91 modem (AT)');
    expect(w.get('[data-testid="port-driver-note"]').text()).toBe('Remembered for USB 0403:6001.');
    expect(ids(w)).not.toContain('commit');
  });

  it('a run on an auto port takes its driver from the run\'s events, keeping each row\'s state; PASS says the proof', async () => {
    let fake!: Fake;
    fake = makeFake(handlers([FTDI], {
      'station.provision': async () => {
        fake.emit('station.progress', progress({ step: 'connect', state: 'started' }));
        await flushPromises();
        expect(ids(w!)).toContain('commit'); // not known yet: every step
        fake.emit('station.progress', progress({ step: 'connect', state: 'succeeded', driver: 'nrf91' }));
        fake.emit('station.progress', progress({ step: 'identify', state: 'started', driver: 'nrf91' }));
        await flushPromises();
        expect(ids(w!)).toEqual(['connect', ...driverSteps('nrf91')]);
        expect(w!.get('[data-testid="step-list"] li[data-step="connect"]').attributes('data-state')).toBe('done');
        expect(w!.get('[data-testid="step-list"] li[data-step="identify"]').attributes('data-state')).toBe('running');
        return {
          runId: 'run-1', deviceId: 'nrf-352656100000001', serialHex: '0a', fingerprint: FP('d'), ledgerIndex: 3, reissued: false, durationMs: 900,
          driver: 'nrf91', finalProof: 'csr-signature', proofs: ['csr-signature', 'read-back-digest'],
        };
      },
    }));
    uninstall = install(fake);
    w = mount(StationView, { attachTo: document.body });
    await flushPromises();
    await w.get('[data-testid="operator"]').setValue('alice');
    await w.get('[data-testid="provision"]').trigger('click');
    for (let i = 0; i < 5 && !w.find('[data-testid="result-word"]').exists(); i++) await flushPromises();
    expect(w.get('[data-testid="result-word"]').text()).toBe('PASS');
    expect(w.get('[data-testid="result-proof"]').text()).toBe(FINAL_PROOF_WORDS['csr-signature']);
    expect(w.get('[data-testid="result-proof"]').text()).toBe('Possession proved by CSR signature of a key generated on the device in this run.');
    expect(w.get('[data-testid="result-proofs"]').text()).toBe('Nordic nRF91 modem (AT) — checks passed: CSR signature verified · stored digests match what was written');
    // The picker now says what answered on the port.
    expect(w.get('[data-testid="port-driver-note"]').text()).toContain('Last device: Nordic nRF91 modem (AT).');
  });

  it('an auto-mode PASS takes its proof from the done event', async () => {
    const { fake, w } = await open(handlers([FTDI]));
    const run = (p: Partial<StationProgress>) => fake.emit('station.progress', progress({ runId: 'auto-1', auto: true, deviceId: 'dev-9', ...p }));
    run({ step: 'connect', state: 'succeeded', driver: 'custodian' });
    run({ step: 'done', state: 'started', driver: 'custodian' });
    run({ step: 'done', state: 'succeeded', driver: 'custodian', serialHex: '0b', proof: { finalProof: CUSTODIAN_PROOFS.finalProof, proofs: CUSTODIAN_PROOFS.proofs } });
    await flushPromises();
    expect(w.get('[data-testid="result-word"]').text()).toBe('PASS');
    expect(w.get('[data-testid="result-proof"]').text()).toBe(FINAL_PROOF_WORDS.challenge);
    expect(w.get('[data-testid="result-proof"]').text()).toMatch(/^Possession proved by challenge signature/);
    expect(ids(w)).toContain('commit');
  });
});
