// @vitest-environment happy-dom
/**
 * The Work orders view: each imported order with its state, quota left,
 * window and allow-list; whether the station requires work orders; import
 * through the station's picker, then the list again; a refused import shows
 * its code and reason.
 */
import { describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import WorkOrdersView from '../../renderer/src/views/WorkOrdersView.vue';
import WorkOrderChosen from '../../renderer/src/components/WorkOrderChosen.vue';
import type { WorkOrderView } from '../../electron/shared/api/work-orders';
import { makeFake, refuse, viewHarness } from './fakeCustodian';

const order = (over: Partial<WorkOrderView> = {}): WorkOrderView => ({
  id: 'WO-1', issuer: 'Company-X', signer: 'CN=Company-X work orders', notBefore: '2026-12-01T00:00:00.000Z', notAfter: '2026-12-31T00:00:00.000Z',
  state: 'active', quota: 10, issued: 3, reserved: 4, remaining: 6, allowList: 'range acme-000001…acme-000010 (10 IDs)', leafMaxDays: 365, keyTypes: ['P-256'],
  ...over,
});

const { show } = viewHarness();

describe('WorkOrdersView', () => {
  it('shows each order with its quota left, window and allow-list, and that the station requires work orders', async () => {
    const w = show(makeFake({ 'workOrders.list': () => ({ required: true, orders: [order(), order({ id: 'WO-0', state: 'expired', remaining: 0, issued: 5, reserved: 5, quota: 5 })] }) }), () => mount(WorkOrdersView, { attachTo: document.body }));
    await flushPromises();
    const card = w.get('[data-testid="wo-WO-1"]');
    expect(card.attributes('data-state')).toBe('active');
    expect(card.get('[data-testid="wo-remaining"]').text()).toBe('6');
    expect(card.get('[data-testid="wo-quota"]').text()).toMatch(/6 of 10 left\s+\(3 issued, 1 held by open intents\)/);
    expect(card.get('[data-testid="wo-window"]').text()).toBe('2026-12-01 00:00 → 2026-12-31 00:00 UTC');
    expect(card.get('[data-testid="wo-allow-list"]').text()).toBe('range acme-000001…acme-000010 (10 IDs)');
    expect(w.get('[data-testid="wo-WO-0"] [data-testid="wo-state"]').text()).toBe('Ended');
    expect(w.get('[data-testid="wo-active-count"]').text()).toBe('1 active of 2');
    expect(w.get('[data-testid="wo-required"]').text()).toMatch(/signs only under an active work order/);
  });

  it('imports a chosen file and lists it; a refused import shows the code and the reason', async () => {
    let listed: WorkOrderView[] = [];
    let refuseNext = false;
    const fake = makeFake({
      'workOrders.list': () => ({ required: false, orders: listed }),
      'files.open': () => ({ canceled: false, handle: 'fh_0123456789abcdef0123', name: 'wo-1.cms' }),
      'workOrders.import': () => {
        if (refuseNext) refuse('WORK_ORDER_SIGNER_UNTRUSTED', "the work order's signer CN=Elsewhere does not chain to this station's root");
        listed = [order()];
        return { order: order(), alreadyImported: false };
      },
    });
    const w = show(fake, () => mount(WorkOrdersView, { attachTo: document.body }));
    await flushPromises();
    expect(w.find('[data-testid="wo-empty"]').exists()).toBe(true);
    await w.get('[data-testid="wo-import"]').trigger('click');
    await flushPromises();
    expect(fake.callsTo('files.open')).toEqual([{ purpose: 'work-order' }]);
    expect(fake.callsTo('workOrders.import')).toEqual([{ file: 'fh_0123456789abcdef0123' }]);
    expect(w.get('[data-testid="wo-done"]').text()).toBe('Work order WO-1 imported.');
    expect(w.find('[data-testid="wo-WO-1"]').exists()).toBe(true);

    refuseNext = true;
    await w.get('[data-testid="wo-import"]').trigger('click');
    await flushPromises();
    expect(w.text()).toContain('WORK_ORDER_SIGNER_UNTRUSTED');
    expect(w.text()).toContain('does not chain to this station');
  });

  it("under the Station view's field: the named order's quota left, window and allow-list; the requirement when none is named; reloaded after each run", async () => {
    let remaining = 6;
    const fake = makeFake({ 'workOrders.list': () => ({ required: true, orders: [order({ remaining })] }) });
    const w = show(fake, () => mount(WorkOrderChosen, { props: { id: '', runs: 0 }, attachTo: document.body }));
    await flushPromises();
    expect(w.get('[data-testid="wo-chosen-required"]').text()).toBe('This station signs only under an imported work order: enter its ID (WO-1).');
    await w.setProps({ id: 'WO-1 ' });
    expect(w.get('[data-testid="wo-chosen"]').text()).toMatch(/^WO-1 active · 6 of 10 left · 2026-12-01 → 2026-12-31 · range acme-000001…acme-000010 \(10 IDs\)$/);
    remaining = 5;
    await w.setProps({ runs: 1 });
    await flushPromises();
    expect(w.get('[data-testid="wo-chosen-remaining"]').text()).toBe('5');
    expect(fake.callsTo('workOrders.list')).toHaveLength(2);
  });

  it('shows nothing where the station has no work orders to tell about (the call not available)', async () => {
    const w = show(makeFake({}), () => mount(WorkOrderChosen, { props: { id: 'batch-7', runs: 0 }, attachTo: document.body }));
    await flushPromises();
    expect(w.text()).toBe('');
  });
});
