/**
 * The nRF91 simulator behind an nRF Connect SDK shell, and over a real pty
 * pair (socat) that the station opens with serialport like a USB CDC modem.
 */
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Nrf91DeviceClient } from '../../../electron/core/device/nrf91/nrf91-client';
import { SerialPortTransport } from '../../../electron/core/device/serial-transport';
import { parseNrf91FaultSpec, startNrf91Simulator, type Nrf91SimulatorOptions } from '../../../electron/core/simulator/nrf91';
import { driverOptions, expectCode, identityKeys, inProcessModem, provision, tempDir } from './support';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('nRF91 simulator in shell mode', () => {
  it('the driver in shell mode identifies, generates an attested key and writes the credentials as nrfcredstore does', async () => {
    const m = await inProcessModem({ shell: true, urcs: { everyMs: 3, seed: 1 } });
    cleanup.push(() => m.cleanup());
    const client = await m.driver({ at: { mode: 'shell' } });
    const id = await client.identify();
    expect(id.deviceId).toBe(`nrf-${m.sim.state().imei}`);
    const key = await client.generateKey('P-256', { csr: id.deviceId, confirm: id });
    expect(key.attestation?.signature).toBe('verified');
    // The PEM crosses the shell as `at '…'` with its line ends as `\n`, and is stored byte for byte.
    const p = await provision(client);
    expect(p.result.digestsMatched).toBe(true);
    expect(await client.readCredentials()).toMatchObject({ leaf: p.leaf, chain: [p.issuing], trustAnchors: [p.root] });
    expect(m.sim.state().credentials.find((c) => c.type === 1)?.content).toMatch(/^-----BEGIN CERTIFICATE-----\nMII/);
    await client.close();
    expect(m.sim.state().cfun).toBe(1); // the driver took it offline; close() restored it
  });
});

describe('nRF91 simulator over a socat pty', () => {
  async function ptyModem(opts: Partial<Nrf91SimulatorOptions> = {}) {
    execFileSync('socat', ['-V'], { stdio: 'ignore' });
    const stateDir = await tempDir();
    const sim = await startNrf91Simulator({ stateDir, transport: 'pty', baud: 921_600, ...opts });
    cleanup.push(async () => {
      await sim.stop();
      await rm(stateDir, { recursive: true, force: true });
    });
    const open = async (): Promise<Nrf91DeviceClient> => {
      const c = await Nrf91DeviceClient.attach(await SerialPortTransport.open(sim.path!, { baudRate: 921_600 }), driverOptions({ identityKeys: identityKeys(sim), baud: 921_600 }));
      cleanup.push(() => c.close().catch(() => undefined));
      return c;
    };
    return { sim, open };
  }

  it('provisions through the pty with URCs on the line', async () => {
    const { sim, open } = await ptyModem({ urcs: { everyMs: 5, seed: 42 } });
    expect(sim.path).toMatch(/tty-station$/);
    const client = await open();
    const p = await provision(client);
    expect(p.result.digestsMatched).toBe(true);
    expect(p.key.attestation?.signature).toBe('verified');
    expect(await client.readCredentials()).toMatchObject({ leaf: p.leaf, chain: [p.issuing], trustAnchors: [p.root] });
    expect(sim.stats().bytesIn).toBeGreaterThan(1000);
    expect(sim.stats().urcs).toBeGreaterThan(0);
  });

  it('a disconnect mid-write drops the pty; the link comes back and the next session succeeds', async () => {
    const { sim, open } = await ptyModem({ faults: [parseNrf91FaultSpec('disconnect:cmng-write,afterBytes=300')], reconnectDelayMs: 50 });
    const client = await open();
    await expectCode(provision(client), 'DEVICE_DISCONNECTED');
    await sim.linkReady();
    expect(sim.disconnects).toBe(1);
    const again = await open();
    expect((await provision(again)).result.digestsMatched).toBe(true);
  });
});
