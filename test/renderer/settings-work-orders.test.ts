// @vitest-environment happy-dom
/** The Settings view's work-order requirement: shown as saved, and saved as chosen. */
import { describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import SettingsView from '../../renderer/src/views/SettingsView.vue';
import { DEFAULT_SETTINGS, type Settings } from '../../electron/shared/api/settings';
import { makeFake, viewHarness } from './fakeCustodian';

const { show } = viewHarness();

describe('SettingsView: signed work orders', () => {
  it('shows the saved requirement and saves the one chosen', async () => {
    let saved: Settings = structuredClone(DEFAULT_SETTINGS);
    const fake = makeFake({
      'settings.get': () => saved,
      'settings.update': (patch) => (saved = { ...saved, ...(patch.workOrders ? { workOrders: patch.workOrders } : {}) }),
    });
    const w = show(fake, () => mount(SettingsView, { attachTo: document.body }));
    await flushPromises();
    const select = w.get<HTMLSelectElement>('[data-testid="work-orders-require"]');
    expect(select.element.value).toBe('per-ca');
    await select.setValue('always');
    await w.get('form').trigger('submit');
    await flushPromises();
    expect((fake.callsTo('settings.update')[0] as Partial<Settings>).workOrders).toEqual({ require: 'always' });
    expect(saved.workOrders.require).toBe('always');
  });
});
