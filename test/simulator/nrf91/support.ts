/** Shared set-up for the nRF91 simulator tests (not a test file itself). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { AtClient, type AtClientOptions } from '../../../electron/core/device/nrf91/at-client';
import { Nrf91DeviceClient, type Nrf91Options } from '../../../electron/core/device/nrf91/nrf91-client';
import type { Transport } from '../../../electron/core/device/transport';
import { isCustodianError } from '../../../electron/core/errors';
import { readCsr } from '../../../electron/core/pki/csr';
import { startNrf91Simulator, type Nrf91SimulatorHandle, type Nrf91SimulatorOptions } from '../../../electron/core/simulator/nrf91';
import { makeTestCa, type TestCa } from '../../device/helpers';

export const SEC_TAG = 10;
export const driverOptions = (extra: Partial<Nrf91Options> = {}): Nrf91Options => ({ secTag: SEC_TAG, deviceIdTemplate: 'nrf-{imei}', ...extra });

export async function tempDir(prefix = 'custodian-nrf91-sim-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** An in-process modem with wire time off (fast), its state dir removed by cleanup(). */
export async function inProcessModem(opts: Partial<Nrf91SimulatorOptions> = {}) {
  const stateDir = opts.stateDir ?? (await tempDir());
  const sim: Nrf91SimulatorHandle = await startNrf91Simulator({ emulateWireTime: false, ...opts, stateDir, transport: 'in-process' });
  const open: Array<{ close(): Promise<void> } | AtClient> = [];
  return {
    sim,
    stateDir,
    /** The station's driver over a fresh link; identity keys from this modem unless given. */
    async driver(extra: Partial<Nrf91Options> = {}): Promise<Nrf91DeviceClient> {
      const c = await Nrf91DeviceClient.attach(sim.connect(), driverOptions({ identityKeys: identityKeys(sim), ...extra }));
      open.push(c);
      return c;
    },
    at(o: AtClientOptions = {}): { at: AtClient; transport: Transport } {
      const transport = sim.connect();
      const at = new AtClient(transport, { timeoutMs: 1000, staleGraceMs: 50, ...o });
      open.push(at);
      return { at, transport };
    },
    async cleanup(): Promise<void> {
      for (const c of open) {
        if (c instanceof AtClient) c.dispose();
        else await c.close().catch(() => undefined);
      }
      await sim.stop();
      if (!opts.stateDir) await rm(stateDir, { recursive: true, force: true });
    },
  };
}

export function identityKeys(sim: Nrf91SimulatorHandle): Map<string, Uint8Array> {
  return new Map([[sim.state().uuid, sim.identityPublicKeySpki()]]);
}

let ca: TestCa | null = null;
/** A small two-level test CA (root + issuing), made once. */
export async function testCa(): Promise<TestCa> {
  ca ??= await makeTestCa(2, 0);
  return ca;
}

/** Key, CSR and certificates for one modem through the driver: what the workflow does, without it. */
export async function provision(client: Nrf91DeviceClient, extra: { trust?: boolean } = {}) {
  const id = await client.identify();
  const key = await client.generateKey('P-256', { csr: id.deviceId });
  const intake = readCsr(key.csr!);
  const c = await testCa();
  const leaf = await c.issue(intake.publicKeySpki, id.deviceId);
  const [issuing, root] = c.chain as [Uint8Array, Uint8Array];
  const result = await client.install(leaf, [issuing], extra.trust === false ? {} : { trustAnchors: [root] });
  return { id, key, intake, leaf, issuing, root, result };
}

export async function expectCode(p: Promise<unknown>, code: string): Promise<Record<string, unknown>> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected CustodianError ${code}, it resolved`).toBeDefined();
  if (!isCustodianError(caught)) throw caught;
  expect(caught.code, caught.message).toBe(code);
  return caught.details;
}
