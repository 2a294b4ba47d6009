// @vitest-environment happy-dom
/**
 * The Line view: a tile per head from station.line, kept current by
 * station.onHead (step while running, then a big PASS/FAIL with the reason,
 * counters per head and in total), and auto mode per head.
 */
import { describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import LineView from '../../renderer/src/views/LineView.vue';
import type { HeadState } from '../../electron/shared/api/line';
import { NOW, makeFake, viewHarness } from './fakeCustodian';

const idle = (port: string): HeadState => ({
  port, auto: true, paused: false, running: false, deviceId: null, step: null, stepState: null, last: null, counters: { passed: 0, failed: 0 },
});

const { show } = viewHarness();

describe('LineView', () => {
  it('shows one tile per head and follows each head on its own: step, PASS, FAIL with the reason, counters', async () => {
    const fake = makeFake({
      'station.line': () => ({ autoMode: true, heads: [idle('/dev/ttyUSB0'), idle('/dev/ttyUSB1')], totals: { passed: 0, failed: 0 } }),
    });
    const w = show(fake, () => mount(LineView, { attachTo: document.body }));
    await flushPromises();
    const tile = (n: string) => w.get(`[data-testid="head-${n}"]`);
    expect(w.findAll('.tile')).toHaveLength(2);
    expect(tile('ttyUSB0').attributes('data-verdict')).toBe('idle');

    fake.emit('station.head', { ...idle('/dev/ttyUSB0'), running: true, deviceId: 'dev-7', step: 'write', stepState: 'started' });
    fake.emit('station.head', {
      ...idle('/dev/ttyUSB1'), deviceId: 'dev-8', counters: { passed: 0, failed: 1 },
      last: { result: 'failed', deviceId: 'dev-8', serialHex: null, code: 'DEVICE_TIMEOUT', message: 'The device did not answer.', at: NOW },
    });
    await flushPromises();
    expect(tile('ttyUSB0').get('[data-testid="head-device"]').text()).toBe('dev-7');
    expect(tile('ttyUSB0').get('[data-testid="head-step"]').text()).toBe('Write certificate and chain to the device…');
    expect(tile('ttyUSB1').get('[data-testid="head-verdict"]').text()).toBe('FAIL');
    expect(tile('ttyUSB1').get('[data-testid="head-reason"]').text()).toContain('The device did not answer.');
    expect(tile('ttyUSB1').get('[data-testid="head-reason"]').text()).toContain('DEVICE_TIMEOUT');

    fake.emit('station.head', {
      ...idle('/dev/ttyUSB0'), deviceId: 'dev-7', counters: { passed: 1, failed: 0 },
      last: { result: 'passed', deviceId: 'dev-7', serialHex: '01', code: null, message: null, at: NOW },
    });
    await flushPromises();
    expect(tile('ttyUSB0').attributes('data-verdict')).toBe('pass');
    expect(tile('ttyUSB0').get('[data-testid="head-verdict"]').text()).toBe('PASS');
    expect(tile('ttyUSB0').get('[data-testid="head-counts"]').text()).toBe('1 passed · 0 failed');
    expect(w.get('[data-testid="line-passed"]').text()).toBe('1 passed');
    expect(w.get('[data-testid="line-failed"]').text()).toBe('1 failed');
  });

  it('switches auto mode per head, and a head that appears gets its own tile', async () => {
    const fake = makeFake({
      'station.line': () => ({ autoMode: true, heads: [idle('/dev/ttyUSB0')], totals: { passed: 0, failed: 0 } }),
      'station.setHeadAuto': ({ port, enabled }) => ({ ...idle(port), auto: enabled, paused: !enabled }),
    });
    const w = show(fake, () => mount(LineView, { attachTo: document.body }));
    await flushPromises();
    await w.get('[data-testid="head-auto-ttyUSB0"]').setValue(false);
    await flushPromises();
    expect(fake.callsTo('station.setHeadAuto')).toEqual([{ port: '/dev/ttyUSB0', enabled: false }]);
    expect(w.get<HTMLInputElement>('[data-testid="head-auto-ttyUSB0"]').element.checked).toBe(false);
    expect(w.get('[data-testid="head-ttyUSB0"]').text()).toContain('Paused');

    fake.emit('station.head', idle('/dev/ttyUSB5'));
    await flushPromises();
    expect(w.findAll('.tile')).toHaveLength(2);
    w.unmount();
    expect(fake.listeners('station.head')).toBe(0);
  });
});
