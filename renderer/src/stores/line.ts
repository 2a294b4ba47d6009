/**
 * The Line view's heads: one per attached port, kept current from
 * `station.onHead` after one `station.line` load. The station owns every
 * head's state; this store only mirrors it and asks for auto mode per head.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { HeadState } from '../../../electron/shared/api/line';
import type { Unsubscribe } from '../../../electron/shared/api';
import { call, station, toUserError, type UserError } from '../api';

export const useLineStore = defineStore('line', () => {
  const heads = ref<HeadState[]>([]);
  const autoMode = ref(false);
  const error = ref<UserError | null>(null);
  let off: Unsubscribe | null = null;

  const totals = computed(() => heads.value.reduce(
    (t, h) => ({ passed: t.passed + h.counters.passed, failed: t.failed + h.counters.failed }),
    { passed: 0, failed: 0 },
  ));

  function apply(h: HeadState): void {
    const i = heads.value.findIndex((x) => x.port === h.port);
    if (i >= 0) heads.value.splice(i, 1, h);
    else heads.value.push(h);
  }

  async function load(): Promise<void> {
    try {
      const s = await call(station().station.line());
      heads.value = s.heads;
      autoMode.value = s.autoMode;
      error.value = null;
    } catch (e) {
      error.value = toUserError(e);
    }
  }

  function subscribe(): void {
    off ??= station().station.onHead(apply);
  }

  function unsubscribe(): void {
    off?.();
    off = null;
  }

  async function setHeadAuto(port: string, enabled: boolean): Promise<void> {
    try {
      apply(await call(station().station.setHeadAuto({ port, enabled })));
      error.value = null;
    } catch (e) {
      error.value = toUserError(e);
    }
  }

  return { heads, autoMode, totals, error, load, subscribe, unsubscribe, setHeadAuto };
});
