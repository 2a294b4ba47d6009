/**
 * In-process provisioning harness: a simulated device (fresh state dir), a
 * station-side client, the workflow with a counting signer and a recorder.
 * Wire-time emulation is off and timeouts are short, so a fault run costs
 * milliseconds, not seconds.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProtocolCapability } from '../../electron/core/device/protocol';
import { connectInProcess, type DeviceClientOptions, type ProtocolDeviceClient } from '../../electron/core/device/index';
import { DEFAULT_TIMEOUTS_MS } from '../../electron/core/device/protocol';
import { startSimulator, type Fault, type SimulatorHandle } from '../../electron/core/simulator/index';
import type { PreparedIssuer } from '../../electron/core/station/issuer';
import type { IssuanceRecorder } from '../../electron/core/station/recorder';
import { provisionDevice, type ProvisionOptions } from '../../electron/core/station/workflow';
import { STATION_DEVICE_OPTIONS } from '../../electron/core/line/open-device';
import type { ProvisioningResult, WorkflowEvent } from '../../electron/core/station/events';
import { countingSigner } from './station-chain';

/**
 * The named timeout for the command a silent/slow fault targets: a silent
 * device fails in ~this long. Other commands keep their protocol defaults, so
 * a loaded CI machine cannot turn an unrelated step into a timeout.
 */
export const FAST_TIMEOUT_MS = 250;

export interface Bench {
  sim: SimulatorHandle;
  signer: ReturnType<typeof countingSigner>;
  connect(): Promise<ProtocolDeviceClient>;
  /** One provisioning run on a fresh connection (closed afterwards). */
  run(extra?: Partial<ProvisionOptions>): Promise<{ result: ProvisioningResult; events: WorkflowEvent[] }>;
  stop(): Promise<void>;
}

export async function startBench(opts: {
  issuer: PreparedIssuer;
  recorder: IssuanceRecorder;
  deviceId?: string;
  capabilities?: ProtocolCapability[];
  faults?: Fault[];
  /** The device's buffer (simulator default 512). */
  maxPayload?: number;
  /** Keep the protocol's default timeouts (no short ones). */
  defaultTimeouts?: boolean;
  /** The device's non-volatile memory, prepared by the test (e.g. a clone of another device's); default a fresh one. */
  stateDir?: string;
  /** Simulator step whose command gets the short FAST_TIMEOUT_MS. */
  shortTimeoutAt?: string;
  /**
   * Every command gets FAST_TIMEOUT_MS: a batch is allowed the sum of its
   * entries' timeouts (docs/device-protocol.md §4.8), so a silent or slow
   * entry times out in ~entries × FAST_TIMEOUT_MS rather than after the
   * protocol defaults of the commands batched with it.
   */
  shortTimeoutsEverywhere?: boolean;
}): Promise<Bench> {
  const sim = await startSimulator({
    stateDir: opts.stateDir ?? mkdtempSync(join(tmpdir(), 'custodian-sim-')),
    emulateWireTime: false,
    identity: { deviceId: opts.deviceId ?? 'dev-001' },
    ...(opts.capabilities ? { capabilities: opts.capabilities } : {}),
    ...(opts.faults ? { faults: opts.faults } : {}),
    ...(opts.maxPayload ? { maxPayload: opts.maxPayload } : {}),
  });
  const signer = countingSigner();
  const timeouts: DeviceClientOptions['timeouts'] = opts.shortTimeoutsEverywhere
    ? Object.fromEntries(Object.keys(DEFAULT_TIMEOUTS_MS).map((k) => [k, FAST_TIMEOUT_MS]))
    : opts.shortTimeoutAt ? { [opts.shortTimeoutAt.toUpperCase().replace(/-/g, '_')]: FAST_TIMEOUT_MS } : {};
  // A shortened timeout is the whole allowance: no per-KiB time on top for writes.
  const short = opts.shortTimeoutsEverywhere || opts.shortTimeoutAt ? { writeMsPerKiB: 0 } : {};
  const connect = () => connectInProcess(sim, { ...STATION_DEVICE_OPTIONS, ...(opts.defaultTimeouts ? {} : { timeouts, ...short, interByteTimeoutMs: 50 }) });
  return {
    sim,
    signer,
    connect,
    async run(extra = {}) {
      const device = await connect();
      const events: WorkflowEvent[] = [];
      try {
        const result = await provisionDevice({
          device,
          issuer: opts.issuer,
          recorder: opts.recorder,
          operator: 'test-operator',
          sign: signer.sign,
          onEvent: (e) => events.push(e),
          ...extra,
        });
        return { result, events };
      } finally {
        await device.close().catch(() => undefined);
      }
    },
    stop: () => sim.stop(),
  };
}
