// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { useSettingsStore, DEVICE_ID_PRESETS } from '../../renderer/src/stores/settings';
import { DEFAULT_SETTINGS } from '../../electron/shared/api/settings';
import { describeError } from '../../electron/shared/errors';
import { install, makeFake, refuse } from './fakeCustodian';

let uninstall: () => void = () => {};
afterEach(() => uninstall());
beforeEach(() => setActivePinia(createPinia()));

describe('settings store', () => {
  it('loads from and saves through the station, keeping what the station returns', async () => {
    const fake = makeFake({
      'settings.get': () => DEFAULT_SETTINGS,
      'settings.update': (patch) => ({ ...DEFAULT_SETTINGS, ...patch, validity: { ...DEFAULT_SETTINGS.validity, ...patch.validity } }),
    });
    uninstall = install(fake);
    const store = useSettingsStore();
    await store.load();
    expect(store.settings?.autoLockMinutes).toBe(DEFAULT_SETTINGS.autoLockMinutes);
    expect(await store.save({ autoLockMinutes: 5, sounds: false })).toBe(true);
    expect(fake.callsTo('settings.update')).toEqual([{ autoLockMinutes: 5, sounds: false }]);
    expect(store.settings?.autoLockMinutes).toBe(5);
    expect(store.savedAt).not.toBeNull();
  });

  it('reports a rule the station rejects and keeps the old settings', async () => {
    const fake = makeFake({ 'settings.get': () => DEFAULT_SETTINGS, 'settings.update': () => refuse('API_SETTINGS_INVALID', 'deviceIdRule.pattern is not a valid regular expression.') });
    uninstall = install(fake);
    const store = useSettingsStore();
    await store.load();
    expect(await store.save({ deviceIdRule: { pattern: '(', example: 'x' } })).toBe(false);
    expect(store.error?.fix).toBe(describeError('API_SETTINGS_INVALID'));
    expect(store.settings?.deviceIdRule.pattern).toBe(DEFAULT_SETTINGS.deviceIdRule.pattern);
  });

  it('offers the contract default as the DPS-compatible preset', () => {
    expect(DEVICE_ID_PRESETS[0]?.pattern).toBe(DEFAULT_SETTINGS.deviceIdRule.pattern);
    const full = new RegExp(DEVICE_ID_PRESETS[1]!.pattern);
    expect(full.test('Line3.Dev_000123')).toBe(true);
    expect(full.test('x'.repeat(65))).toBe(false);
  });
});
