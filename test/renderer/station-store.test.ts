// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { useStationStore } from '../../renderer/src/stores/station';
import { describeError } from '../../electron/shared/errors';
import { StationProgress } from '../../electron/shared/events';
import type { PortInfo } from '../../electron/shared/api/station';
import { AUTO_DRIVER, CUSTODIAN_PROOFS, FP, NOW, install, makeFake, refuse } from './fakeCustodian';
import type { Fake } from './fakeCustodian';
import recorded from './recorded-progress.json';

const port = (path: string, extra: Partial<PortInfo> = {}): PortInfo => ({
  path, vendorId: '303a', productId: '1001', manufacturer: null, serialNumber: null, simulated: false, busy: false, ...AUTO_DRIVER, ...extra,
});
const counters = { shiftStartedAt: NOW, issued: 0, reissued: 0, failed: 0 };
const progress = (p: Partial<StationProgress>): StationProgress => ({
  runId: 'run-1', port: '/dev/pts/3', step: 'connect', state: 'started', at: NOW, deviceId: null, serialHex: null, error: null, auto: false, ...p,
});
/** station.progress as the real workflow emitted it for a device with a key (test/station/recorded-progress.test.ts). */
const WITH_KEY: StationProgress[] = StationProgress.array().parse(recorded['device with a key'].progress);
const stateOf = (store: { steps: { id: string; state: string }[] }) => Object.fromEntries(store.steps.map((s) => [s.id, s.state]));

let uninstall: () => void = () => {};
afterEach(() => uninstall());
beforeEach(() => setActivePinia(createPinia()));

function setup(fake: Fake) {
  uninstall = install(fake);
  const store = useStationStore();
  return store;
}

describe('station store', () => {
  it('provisions on the chosen port with the trimmed operator and work order, following progress to PASS', async () => {
    let fake!: Fake;
    fake = makeFake({
      'station.listPorts': () => ({ ports: [port('/dev/ttyUSB0', { busy: true }), port('/dev/pts/3')] }),
      'station.status': () => ({ autoMode: { enabled: false, operator: null, workOrder: null }, counters, busyPorts: [], halted: null }),
      'station.provision': async () => {
        WITH_KEY.forEach((p) => fake.emit('station.progress', p));
        return { runId: 'run-key', deviceId: 'dev-000123', serialHex: 'abc123', fingerprint: FP('a'), ledgerIndex: 41, reissued: false, durationMs: 900, ...CUSTODIAN_PROOFS };
      },
    });
    const store = setup(fake);
    const off = store.subscribe();
    await store.refreshPorts();
    expect(store.port).toBe('/dev/pts/3'); // the busy port is skipped
    store.operator = '  alice ';
    store.workOrder = 'WO-17';
    expect(store.canProvision).toBe(true);

    await store.provision();

    expect(fake.callsTo('station.provision')).toEqual([{ port: '/dev/pts/3', operator: 'alice', workOrder: 'WO-17' }]);
    expect(store.result).toMatchObject({ passed: true, deviceId: 'dev-000123' });
    expect(store.result?.detail).toBe('Serial abc123, ledger entry #41.');
    // Every row as the run's events left it: keygen never ran (the device had a key), so it is skipped, not done.
    expect(stateOf(store)).toEqual({
      connect: 'done', identify: 'done', csr: 'done', keygen: 'skipped', check: 'done', intent: 'done',
      sign: 'done', record: 'done', write: 'done', verify: 'done', commit: 'done', done: 'done',
    });
    expect(fake.callsTo('station.status')).toHaveLength(1); // counters refreshed after the run
    off();
    expect(fake.listeners('station.progress')).toBe(0);
  });

  it('turns a refused provision into a FAIL with the station sentence, the table fix and the failed step', async () => {
    let fake!: Fake;
    fake = makeFake({
      'station.status': () => ({ autoMode: { enabled: false, operator: null, workOrder: null }, counters, busyPorts: [], halted: null }),
      'station.provision': async () => {
        // The run's events up to write started; the answer is the refusal (no failed event arrived).
        WITH_KEY.slice(0, WITH_KEY.findIndex((p) => p.step === 'write') + 1).forEach((p) => fake.emit('station.progress', { ...p, deviceId: 'dev-9' }));
        refuse('DEVICE_TIMEOUT', 'dev-9 did not answer the write within 5 s.');
      },
    });
    const store = setup(fake);
    store.subscribe();
    store.port = '/dev/pts/3';
    store.operator = 'bob';

    await store.provision();

    expect(store.result).toEqual({
      passed: false,
      deviceId: 'dev-9',
      reason: 'dev-9 did not answer the write within 5 s.',
      fix: describeError('DEVICE_TIMEOUT'),
      code: 'DEVICE_TIMEOUT',
    });
    expect(stateOf(store)).toEqual({
      connect: 'done', identify: 'done', csr: 'done', keygen: 'skipped', check: 'done', intent: 'done',
      sign: 'done', record: 'done', write: 'failed', verify: 'not-run', commit: 'not-run', done: 'not-run',
    });

    await store.retry();
    expect(fake.callsTo('station.provision')).toHaveLength(2);
  });

  it('asks for a re-issue reason when the policy requires one, and sends it once', async () => {
    let calls = 0;
    const fake = makeFake({
      'station.provision': (arg) => {
        calls++;
        if (!arg.reissueReason) refuse('POLICY_REISSUE_REASON_REQUIRED', 'dev-5 already has a certificate: give a re-issue reason.');
        return { runId: 'r', deviceId: 'dev-5', serialHex: '05', fingerprint: FP('b'), ledgerIndex: 9, reissued: true, durationMs: 5, ...CUSTODIAN_PROOFS };
      },
    });
    const store = setup(fake);
    store.port = '/dev/pts/3';
    store.operator = 'eve';
    await store.provision();
    expect(store.needsReissueReason).toBe(true);
    store.reissueReason = ' RMA 4411: board replaced ';
    await store.provision();
    expect(fake.callsTo('station.provision')[1]).toEqual({ port: '/dev/pts/3', operator: 'eve', reissueReason: 'RMA 4411: board replaced' });
    expect(store.result?.passed).toBe(true);
    expect(store.result?.detail).toContain('re-issued');
    expect(store.needsReissueReason).toBe(false);
    expect(store.reissueReason).toBe(''); // one reason per device, not per shift
    expect(calls).toBe(2);
  });

  it('never shows an unexpected exception text (no stack traces)', async () => {
    const fake = makeFake({
      'station.provision': () => {
        throw new TypeError('Cannot read properties of undefined\n    at provision (/app/out/main/index.js:10:5)');
      },
    });
    const store = setup(fake);
    store.port = '/dev/pts/3';
    store.operator = 'bob';
    await store.provision();
    expect(store.result?.passed).toBe(false);
    expect(store.result?.code).toBe('INTERNAL');
    expect(store.result?.reason).toBe(describeError('INTERNAL'));
    expect(JSON.stringify(store.result)).not.toContain('index.js');
  });

  it('refuses to start without a port and an operator, and says why', async () => {
    const fake = makeFake({});
    const store = setup(fake);
    expect(store.blocker).toBe('Choose the port the device is on.');
    store.port = '/dev/pts/3';
    expect(store.blocker).toBe('Enter or scan the operator.');
    store.operator = 'carol';
    store.workOrder = 'bad work order!';
    expect(store.workOrderValid).toBe(false);
    await store.provision();
    expect(fake.callsTo('station.provision')).toHaveLength(0);
  });

  it('shows auto-mode runs from progress events alone, including their verdict', () => {
    const fake = makeFake({});
    const store = setup(fake);
    store.subscribe();
    fake.emit('station.progress', progress({ runId: 'auto-7', step: 'connect', state: 'started', auto: true }));
    fake.emit('station.progress', progress({ runId: 'auto-7', step: 'csr', state: 'failed', auto: true, deviceId: 'dev-7', error: { code: 'CSR_BAD_SIGNATURE', message: 'The CSR signature does not verify.' } }));
    expect(store.steps.find((s) => s.id === 'csr')?.state).toBe('failed');
    expect(store.result).toMatchObject({ passed: false, deviceId: 'dev-7', code: 'CSR_BAD_SIGNATURE', reason: 'The CSR signature does not verify.', fix: describeError('CSR_BAD_SIGNATURE') });

    // The next auto run resets the list and ends in PASS.
    fake.emit('station.progress', progress({ runId: 'auto-8', step: 'connect', state: 'started', auto: true }));
    expect(store.result).toBeNull();
    expect(store.steps.find((s) => s.id === 'csr')?.state).toBe('pending');
    fake.emit('station.progress', progress({ runId: 'auto-8', step: 'done', state: 'succeeded', auto: true, deviceId: 'dev-8', serialHex: '0f' }));
    expect(store.result).toMatchObject({ passed: true, deviceId: 'dev-8' });
    // Manual-run events (auto=false) from another window do not hijack the screen.
    fake.emit('station.progress', progress({ runId: 'x', step: 'connect', state: 'started', auto: false }));
    expect(store.steps.find((s) => s.id === 'done')?.state).toBe('done');
  });

  it('switches auto mode through the station with the operator and work order', async () => {
    const fake = makeFake({
      'station.setAutoMode': (arg) => ({ autoMode: { enabled: arg.enabled, operator: 'dan', workOrder: null }, counters, busyPorts: [], halted: null }),
    });
    const store = setup(fake);
    await store.setAutoMode(true);
    expect(fake.callsTo('station.setAutoMode')).toHaveLength(0); // no operator yet
    expect(store.error?.what).toBe('Auto mode needs an operator.');
    store.operator = 'dan';
    await store.setAutoMode(true);
    expect(fake.callsTo('station.setAutoMode')).toEqual([{ enabled: true, operator: 'dan' }]);
    expect(store.autoMode).toBe(true);
    expect(store.canProvision).toBe(false);
    // With a port chosen (a fixture), that port is served too.
    store.port = '/dev/ttyUSB0';
    store.workOrder = 'WO-9';
    await store.setAutoMode(true);
    expect(fake.callsTo('station.setAutoMode')[1]).toEqual({ enabled: true, operator: 'dan', workOrder: 'WO-9', port: '/dev/ttyUSB0' });
  });

  it('auto-detects the device port: a USB (VID/PID) or simulated port, never a built-in UART', async () => {
    let ports = [port('/dev/ttyS0', { vendorId: null, productId: null }), port('/dev/ttyS1', { vendorId: null, productId: null })];
    const fake = makeFake({ 'station.listPorts': () => ({ ports }) });
    const store = setup(fake);
    await store.refreshPorts();
    expect(store.port).toBeNull();
    expect(store.blocker).toBe('Choose the port the device is on.');
    ports = [...ports, port('/dev/pts/4', { vendorId: null, productId: null, simulated: true }), port('/dev/ttyACM0')];
    await store.refreshPorts();
    expect(store.port).toBe('/dev/pts/4');
  });

  it('selects a device when it is plugged in and follows the shift counters', async () => {
    const fake = makeFake({ 'station.listPorts': () => ({ ports: [port('/dev/ttyUSB0'), port('/dev/ttyACM1')] }) });
    const store = setup(fake);
    store.subscribe();
    await store.refreshPorts();
    expect(store.port).toBe('/dev/ttyUSB0');
    fake.emit('station.device', { kind: 'attached', port: port('/dev/ttyACM1') });
    await new Promise((r) => setTimeout(r, 0));
    expect(store.port).toBe('/dev/ttyACM1');

    const start = Date.parse(NOW);
    fake.emit('station.counters', { shiftStartedAt: NOW, issued: 30, reissued: 2, failed: 3 });
    expect(store.passed).toBe(30);
    expect(store.failed).toBe(3);
    expect(store.ratePerHour(start + 2 * 3_600_000)).toBe(15);
    expect(store.ratePerHour(start + 10_000)).toBeNull(); // first minute: no rate yet
  });

  it('follows a halt: Provision is blocked with the reason, auto mode is off, and only a successful resume lifts it', async () => {
    const halt = { code: 'LEDGER_WRITE_FAILED', message: 'This station stopped signing: the disk is full.', statements: ['Nothing was signed in this run.'], at: NOW };
    let resumeOk = false;
    const fake = makeFake({
      'station.status': () => ({ autoMode: { enabled: true, operator: 'alice', workOrder: null }, counters, busyPorts: [], halted: null }),
      'station.resume': () => {
        if (!resumeOk) refuse('LEDGER_WRITE_FAILED', 'the ledger could not append to entries.jsonl (ENOSPC: the disk is full)');
        return { autoMode: { enabled: false, operator: null, workOrder: null }, counters, busyPorts: [], halted: null };
      },
    });
    const store = setup(fake);
    store.subscribe();
    await store.loadStatus();
    store.port = '/dev/pts/3';
    store.operator = 'alice';
    expect(store.halted).toBeNull();
    fake.emit('station.halted', halt);
    expect(store.halted).toEqual(halt);
    expect(store.autoMode).toBe(false);
    expect(store.canProvision).toBe(false);
    expect(store.blocker).toBe('The station has stopped signing: the ledger cannot be written.');
    await store.provision();
    expect(fake.callsTo('station.provision')).toHaveLength(0);

    await store.resume();
    expect(store.halted).toEqual(halt); // the cause is not fixed yet
    expect(store.resumeError?.code).toBe('LEDGER_WRITE_FAILED');
    resumeOk = true;
    await store.resume();
    expect(store.halted).toBeNull();
    expect(store.resumeError).toBeNull();
    expect(store.canProvision).toBe(true);
  });

  it('picks up a halt from station.status (the app opened after the ledger stopped)', async () => {
    const halt = { code: 'LEDGER_WRITE_FAILED', message: 'stopped', statements: ['a', 'b'], at: NOW };
    const store = setup(makeFake({ 'station.status': () => ({ autoMode: { enabled: false, operator: null, workOrder: null }, counters, busyPorts: [], halted: halt }) }));
    await store.loadStatus();
    expect(store.halted).toEqual(halt);
  });
});
