// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import LedgerRow from '../../renderer/src/components/LedgerRow.vue';
import type { LedgerEntrySummary } from '../../electron/shared/api/ledger';
import { NOW } from './fakeCustodian';

const entry = (over: Partial<LedgerEntrySummary>): LedgerEntrySummary => ({
  index: 3, time: NOW, status: 'issued', deviceId: '', serialHex: null, workOrder: null, operator: 'ana', reissue: false, ...over,
});

describe('LedgerRow status', () => {
  it.each([
    ['issued', 'issued'], ['failed', 'FAILED'], ['pending', 'pending'], ['reconciled', 'reconciled'], ['info', 'info'],
  ] as const)('shows %s as "%s"', (status, word) => {
    const w = mount(LedgerRow, { props: { entry: entry({ status }), position: 3 } });
    expect(w.get('.status').text()).toBe(word);
    expect(w.get('[data-entry="3"]').classes()).toContain(status);
  });

  it('shows a bookkeeping record as info, not as a certificate outcome, with what it is on hover', () => {
    const w = mount(LedgerRow, { props: { entry: entry({ status: 'info', type: 'session', text: 'operator unlock: ana' }), position: 3 } });
    expect(w.get('.status').text()).toBe('info');
    expect(w.get('.status').attributes('title')).toBe('operator unlock: ana');
    expect(w.text()).not.toMatch(/reconciled|issued/);
  });
});
