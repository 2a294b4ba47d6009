/** Station-wide status the shell needs first: first run, versions, features. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AppStatus } from '../../../electron/shared/api/app';
import { call, station, toUserError } from '../api';
import type { UserError } from '../api';

export const useAppStore = defineStore('app', () => {
  const status = ref<AppStatus | null>(null);
  const error = ref<UserError | null>(null);

  /** app.status */
  async function load(): Promise<AppStatus | null> {
    try {
      status.value = await call(station().app.status());
      error.value = null;
    } catch (e) {
      error.value = toUserError(e);
    }
    return status.value;
  }

  return { status, error, load };
});
