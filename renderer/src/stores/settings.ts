/** Station settings (settings.get / settings.update): the station owns and validates them. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Settings } from '../../../electron/shared/api/settings';
import type { MethodInput } from '../../../electron/shared/api';
import { call, station, toUserError } from '../api';
import type { UserError } from '../api';

export type SettingsPatch = MethodInput<'settings.update'>;

/** Device-ID rule presets offered in Settings. */
export const DEVICE_ID_PRESETS = [
  {
    id: 'dps',
    label: 'DPS-compatible (recommended)',
    description: 'Lower-case letters, digits and hyphens, 3–63 characters. Works as a DPS registration ID and an IoT Hub device ID.',
    pattern: '^[a-z0-9][a-z0-9-]{2,62}$',
    example: 'dev-000123',
  },
  {
    id: 'iothub',
    label: 'Full IoT Hub device ID',
    description: 'Letters, digits and - . % _ * ? ! ( ) , : = @ $ \' up to 64 characters (the certificate CN limit). Not every ID is a valid DPS registration ID.',
    pattern: "^[A-Za-z0-9\\-.%_*?!(),:=@$']{1,64}$",
    example: 'Line3.Dev_000123',
  },
] as const;

export const useSettingsStore = defineStore('settings', () => {
  const settings = ref<Settings | null>(null);
  const error = ref<UserError | null>(null);
  const saving = ref(false);
  /** Set after a successful save so the view can say "Saved". */
  const savedAt = ref<number | null>(null);

  /** settings.get */
  async function load(): Promise<void> {
    try {
      settings.value = await call(station().settings.get());
      error.value = null;
    } catch (e) {
      error.value = toUserError(e);
    }
  }

  /** settings.update: the station validates (e.g. a bad regex → API_SETTINGS_INVALID). */
  async function save(patch: SettingsPatch): Promise<boolean> {
    saving.value = true;
    try {
      settings.value = await call(station().settings.update(patch));
      error.value = null;
      savedAt.value = Date.now();
      return true;
    } catch (e) {
      error.value = toUserError(e);
      return false;
    } finally {
      saving.value = false;
    }
  }

  return { settings, error, saving, savedAt, load, save };
});
