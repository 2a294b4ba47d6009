import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProtocolDeviceClient, Transport } from '../../electron/core/device/index';
import { startSimulator } from '../../electron/core/simulator';
import { prepareIssuer, provisionDevice } from '../../electron/core/station/index';
import { serveDevices } from '../../electron/core/line/serve-port';
import { MemoryRecorder } from '../support/memory-recorder';
import { makeTestChain } from '../support/station-chain';

describe('serveDevices', () => {
  it('opens the port once and serves device after device swapped behind it, each in its own session', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'watch-line-'));
    const sim = await startSimulator({
      stateDir: join(dir, 'a'), nextDevices: [join(dir, 'b'), join(dir, 'c')], emulateWireTime: false,
    });
    const opened: Transport[] = [];
    const seen: Array<{ deviceId: string; bootId: number | undefined }> = [];
    try {
      const served = await serveDevices({
        path: 'in-process',
        baud: 115200,
        signal: new AbortController().signal,
        maxDevices: 3,
        pollMs: 5,
        openPort: async () => {
          const t = sim.connect();
          opened.push(t);
          return t;
        },
        handle: async (d) => {
          const device = d as ProtocolDeviceClient;
          const id = await device.identify();
          seen.push({ deviceId: id.deviceId, bootId: device.session.hello?.bootId });
          await device.commit({ lock: false }); // the simulator swaps in the next device after this reply
        },
      });
      expect(served).toBe(3);
      expect(opened).toHaveLength(1);
      expect(new Set(seen.map((s) => s.deviceId)).size).toBe(3);
      expect(new Set(seen.map((s) => s.bootId)).size).toBe(3); // a fresh HELLO per device
      expect(sim.served().map((d) => d.identity.deviceId)).toEqual(seen.map((s) => s.deviceId));
      expect(opened[0]!.isOpen).toBe(false); // closed when the loop ends
    } finally {
      await sim.stop();
    }
  });

  it('reopens the port when it goes away (adapter unplugged) and carries on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'watch-reopen-'));
    const sim = await startSimulator({ stateDir: join(dir, 'a'), nextDevices: [join(dir, 'b')], emulateWireTime: false });
    const ports: Transport[] = [];
    try {
      const served = await serveDevices({
        path: 'in-process',
        baud: 115200,
        signal: new AbortController().signal,
        maxDevices: 2,
        pollMs: 5,
        openPort: async () => {
          ports.push(sim.connect());
          return ports.at(-1)!;
        },
        handle: async (device) => {
          await (device as ProtocolDeviceClient).commit({ lock: false });
          if (ports.length === 1) await ports[0]!.close(); // the port goes away under the station
        },
      });
      expect(served).toBe(2);
      expect(ports).toHaveLength(2);
    } finally {
      await sim.stop();
    }
  });

  it('hands over the detection identity; the workflow asks once more in a frame of its own, then checks inside BATCH frames', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'watch-identity-'));
    const issuer = prepareIssuer((await makeTestChain()).issuer);
    const recorder = new MemoryRecorder();
    const sim = await startSimulator({ stateDir: join(dir, 'a'), nextDevices: [join(dir, 'b')], emulateWireTime: false });
    const results: string[] = [];
    try {
      await serveDevices({
        path: 'in-process', baud: 115200, signal: new AbortController().signal, maxDevices: 2, pollMs: 5,
        openPort: async () => sim.connect(),
        handle: async (device, identity) => {
          const r = await provisionDevice({ device, identity, issuer, recorder, operator: 'line' });
          results.push(r.result);
        },
      });
      expect(results).toEqual(['passed', 'passed']);
      // Detection comes with HELLO (§4.1); the identify step asks IDENTIFY in a frame of its own (its
      // short timeout); then the identity checks after the key and before the write ride inside BATCH
      // frames: four identities per device, three IDENTIFY requests, one of them a frame of its own.
      expect(sim.served().map((d) => d.stats.identifies)).toEqual([4, 4]);
      expect(sim.served().map((d) => d.stats.byCommand.IDENTIFY)).toEqual([3, 3]);
    } finally {
      await sim.stop();
    }
  });
});
