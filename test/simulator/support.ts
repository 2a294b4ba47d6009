import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectInProcess } from '../../electron/core/device/connect';
import type { DeviceClientOptions } from '../../electron/core/device/protocol-client';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../electron/core/simulator';

/** A fresh in-process simulator + client per test; `cleanup` removes both and the state dir. */
export async function inProcessBench(opts: Partial<SimulatorOptions> = {}, client: DeviceClientOptions = {}) {
  const stateDir = opts.stateDir ?? (await mkdtemp(join(tmpdir(), 'custodian-simstate-')));
  const sim: SimulatorHandle = await startSimulator({ baud: 2_000_000, ...opts, stateDir, transport: 'in-process' });
  const c = await connectInProcess(sim, client);
  return {
    sim,
    client: c,
    stateDir,
    reconnect: () => connectInProcess(sim, client),
    async cleanup() {
      await c.close().catch(() => undefined);
      await sim.stop();
      if (!opts.stateDir) await rm(stateDir, { recursive: true, force: true });
    },
  };
}
