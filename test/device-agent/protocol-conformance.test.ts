/**
 * The shared protocol case table (test/support/protocol-cases.ts) against
 * both device implementations: the TypeScript simulator in-process and the
 * C agent (device-agent/, host port) on a socat pty. A case that passes on
 * one and fails on the other is a divergence between the document, the
 * simulator and the agent.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'vitest';
import { connectInProcess, openSerialDevice } from '../../electron/core/device/connect';
import { capabilitiesFromMask } from '../../electron/core/device/protocol';
import { SerialPortTransport } from '../../electron/core/device/serial-transport';
import { startSimulator } from '../../electron/core/simulator';
import { startAgent } from '../support/device-agent';
import { PROTOCOL_CASES, RawLink, type CaseDevice, type ProtocolCase } from '../support/protocol-cases';

const ID = { deviceId: 'conf-0001', hardwareSerial: 'HWCONF01' };
type Started = { device: CaseDevice; stop(): Promise<void> };
type Target = { name: string; key: 'simulator' | 'agent' | 'board'; start(c: ProtocolCase): Promise<Started> };

const TARGETS: Target[] = [
  {
    name: 'simulator',
    key: 'simulator',
    async start(c) {
      const stateDir = await mkdtemp(join(tmpdir(), 'conf-sim-'));
      const maxPayload = c.device?.maxPayload ?? 512;
      const sim = await startSimulator({
        stateDir,
        transport: 'in-process',
        emulateWireTime: false,
        maxPayload,
        identity: ID,
        ...(c.device?.capabilities !== undefined ? { capabilities: capabilitiesFromMask(c.device.capabilities) } : {}),
      });
      let link = new RawLink(sim.connect());
      const closers: Array<() => Promise<void>> = [];
      return {
        device: {
          ...ID,
          maxPayload,
          get link() {
            return link;
          },
          async client() {
            link.dispose();
            const client = await connectInProcess(sim);
            closers.push(() => client.close());
            return client;
          },
        },
        async stop() {
          link.dispose();
          for (const c of closers) await c().catch(() => undefined);
          await sim.stop();
          await rm(stateDir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'C agent',
    key: 'agent',
    async start(c) {
      const maxPayload = c.device?.maxPayload ?? 512;
      const agent = await startAgent({ ...ID, maxPayload, ...(c.device?.capabilities !== undefined ? { capabilities: c.device.capabilities } : {}) });
      const transport = await SerialPortTransport.open(agent.path);
      const link = new RawLink(transport);
      return {
        device: {
          ...ID,
          maxPayload,
          link,
          async client() {
            link.dispose();
            await transport.close();
            return openSerialDevice(agent.path);
          },
        },
        async stop() {
          link.dispose();
          await transport.close().catch(() => undefined);
          await agent.stop();
          await rm(agent.stateDir, { recursive: true, force: true });
        },
      };
    },
  },
];

/**
 * Your own board over a USB serial adapter, when CUSTODIAN_BOARD_PORT names
 * it (docs/device-agent.md §6): CUSTODIAN_BOARD_RESET is a shell command that
 * wipes its store and unlocks it before each case; CUSTODIAN_BOARD_ID and
 * _SERIAL its identity; _MAX_PAYLOAD and _BAUD its link. Cases that need
 * another buffer size or capability set than the board's are skipped.
 */
const board = process.env.CUSTODIAN_BOARD_PORT;
if (board) {
  const boardId = { deviceId: process.env.CUSTODIAN_BOARD_ID ?? '', hardwareSerial: process.env.CUSTODIAN_BOARD_SERIAL ?? '' };
  const maxPayload = Number(process.env.CUSTODIAN_BOARD_MAX_PAYLOAD ?? 512);
  const baudRate = Number(process.env.CUSTODIAN_BOARD_BAUD ?? 115200);
  TARGETS.push({
    name: `board on ${board}`,
    key: 'board',
    async start() {
      if (process.env.CUSTODIAN_BOARD_RESET) execFileSync('/bin/sh', ['-c', process.env.CUSTODIAN_BOARD_RESET], { stdio: 'inherit' });
      const transport = await SerialPortTransport.open(board, { baudRate });
      const link = new RawLink(transport);
      return {
        device: {
          ...boardId,
          maxPayload,
          link,
          async client() {
            link.dispose();
            await transport.close();
            return openSerialDevice(board, { baud: baudRate });
          },
        },
        async stop() {
          link.dispose();
          await transport.close().catch(() => undefined);
        },
      };
    },
  });
}

for (const target of TARGETS) {
  describe(`protocol conformance: ${target.name}`, () => {
    let running: Started | null = null;
    afterEach(async () => {
      await running?.stop();
      running = null;
    });
    for (const c of PROTOCOL_CASES) {
      const divergence = target.key === 'board' ? undefined : c.divergesOn?.[target.key];
      if (target.key === 'board' && c.device && (c.device.maxPayload !== undefined || c.device.capabilities !== undefined)) {
        it.skip(`${c.name} [needs a device built with other settings]`, () => undefined);
        continue;
      }
      const run = async (): Promise<void> => {
        running = await target.start(c);
        await c.run(running.device);
      };
      if (divergence) it.fails(`${c.name} [known divergence: ${divergence}]`, run);
      else it(c.name, run);
    }
  });
}
