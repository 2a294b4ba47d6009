/**
 * SimulatorPort over the device simulator (electron/core/simulator). The app
 * runs simulated devices in-process (no socat or pty needed on any OS); each
 * appears as port `sim:<id>` and is reached through `endpoint()`.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startSimulator, type SimulatorHandle } from '../../simulator/index';
import type { SimulatorPort } from '../ports';

export const SIM_PORT_PREFIX = 'sim:';

export interface SimulatorRegistry extends SimulatorPort {
  /** The running simulator behind a `sim:<id>` port, or null. */
  endpoint(port: string): SimulatorHandle | null;
}

export function simulatorAdapter(home: string, opts: { emulateWireTime?: boolean } = {}): SimulatorRegistry {
  const running = new Map<string, { handle: SimulatorHandle; deviceId: string; model: string }>();
  const view = (id: string, r: { deviceId: string; model: string }) => ({ id, port: `${SIM_PORT_PREFIX}${id}`, deviceId: r.deviceId, model: r.model });
  return {
    async start({ deviceId, model }) {
      const id = randomBytes(4).toString('hex');
      const identity = {
        deviceId: deviceId ?? `sim-${id}`,
        model: model ?? 'Custodian SIM-1',
        hardwareSerial: `SIM${id.toUpperCase()}`,
      };
      const handle = await startSimulator({
        stateDir: join(home, 'simulator', identity.deviceId),
        transport: 'in-process',
        emulateWireTime: opts.emulateWireTime ?? true,
        identity,
      });
      const st = handle.state().identity;
      running.set(id, { handle, deviceId: st.deviceId, model: st.model });
      return view(id, { deviceId: st.deviceId, model: st.model });
    },
    async stop(id) {
      const r = running.get(id);
      running.delete(id);
      await r?.handle.stop();
    },
    list() {
      return [...running].map(([id, r]) => view(id, r));
    },
    async stopAll() {
      const all = [...running.values()];
      running.clear();
      await Promise.all(all.map((r) => r.handle.stop().catch(() => undefined)));
    },
    endpoint(port) {
      if (!port.startsWith(SIM_PORT_PREFIX)) return null;
      return running.get(port.slice(SIM_PORT_PREFIX.length))?.handle ?? null;
    },
  };
}
