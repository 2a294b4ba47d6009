/** Simulated devices on ptys (simulator.*), for demos, first run and practice. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { SimulatedDevice } from '../../../electron/shared/api/simulator';
import { call, station, toUserError } from '../api';
import type { UserError } from '../api';

export const useSimulatorStore = defineStore('simulator', () => {
  const devices = ref<SimulatedDevice[]>([]);
  const enabled = ref(false);
  const error = ref<UserError | null>(null);

  /** simulator.status */
  async function load(): Promise<void> {
    try {
      const s = await call(station().simulator.status());
      enabled.value = s.enabled;
      devices.value = s.devices;
      error.value = null;
    } catch (e) {
      error.value = toUserError(e);
    }
  }

  /** simulator.start: a new simulated device; its pty is then a port like any other. */
  async function start(deviceId?: string): Promise<SimulatedDevice | null> {
    try {
      const d = await call(station().simulator.start(deviceId ? { deviceId } : undefined));
      devices.value = [...devices.value, d];
      error.value = null;
      return d;
    } catch (e) {
      error.value = toUserError(e);
      return null;
    }
  }

  /** simulator.stop */
  async function stop(id: string): Promise<void> {
    try {
      devices.value = (await call(station().simulator.stop({ id }))).devices;
    } catch (e) {
      error.value = toUserError(e);
    }
  }

  return { devices, enabled, error, load, start, stop };
});
