/**
 * A station session serving one port device after device (`custodian
 * provision --watch`): serveDevices with every device handed to the
 * session. The line stops when the operator aborts, after `maxDevices`, or
 * when the ledger stops after a write failure: then no further device is
 * served (the one in flight ends first), and the halt says what is true.
 */
import type { DeviceIdentity, Transport } from '../device/index';
import type { DriverName } from '../../shared/drivers';
import type { ProvisioningResult, WorkflowListener } from '../station/events';
import { serveDevices } from './serve-port';
import { stationHalt, type DeviceRun, type StationHalt, type StationSession } from './station-session';

export interface ServeStationOptions {
  session: StationSession;
  path: string;
  /** The driver serving the port (default `custodian`), as the session's settings configure it. */
  driver?: DriverName;
  /** Line rate; default the driver's. */
  baud?: number;
  /** The brand owner's device identity public keys, for drivers whose devices attest their keys. */
  identityKeys?: ReadonlyMap<string, Uint8Array>;
  /** The operator's stop (Ctrl-C, SIGTERM): the device in flight stops before its next step. */
  signal: AbortSignal;
  /** Who provisions, for which order; the same for every device. */
  run: Omit<DeviceRun, 'identity' | 'signal' | 'onEvent' | 'runId'>;
  /** Progress of each device's run. */
  onEvent?: WorkflowListener;
  /** Each device's result, as it ends. */
  onResult?: (r: ProvisioningResult) => void;
  onWaiting?: (what: 'device' | 'removal') => void;
  maxDevices?: number;
  pollMs?: number;
  openPort?: (path: string, baud: number, rtscts: boolean) => Promise<Transport>;
}

export interface ServeStationResult {
  results: ProvisioningResult[];
  /** Why the line stopped. */
  stoppedBy: 'operator' | 'count' | 'ledger';
  /** Set when the ledger stopped: the station signs nothing more until it is reopened. */
  halt: StationHalt | null;
}

export async function serveStation(opts: ServeStationOptions): Promise<ServeStationResult> {
  const { session } = opts;
  const results: ProvisioningResult[] = [];
  const ledgerStop = new AbortController();
  const off = session.ledger.onFailure(() => ledgerStop.abort());
  if (session.ledger.failure()) ledgerStop.abort();
  try {
    await serveDevices({
      path: opts.path,
      driver: session.drivers[opts.driver ?? 'custodian'],
      ...(opts.baud !== undefined ? { baud: opts.baud } : {}),
      ...(opts.identityKeys ? { identityKeys: opts.identityKeys } : {}),
      signal: AbortSignal.any([opts.signal, ledgerStop.signal]),
      ...(opts.maxDevices !== undefined ? { maxDevices: opts.maxDevices } : {}),
      ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
      ...(opts.openPort ? { openPort: opts.openPort } : {}),
      ...(opts.onWaiting ? { onWaiting: opts.onWaiting } : {}),
      handle: async (device, identity: DeviceIdentity) => {
        // The operator's stop reaches the run; a ledger stop needs none (the ledger refuses every record).
        const r = await session.provision(device, { ...opts.run, identity, signal: opts.signal, ...(opts.onEvent ? { onEvent: opts.onEvent } : {}) });
        results.push(r);
        opts.onResult?.(r);
      },
    });
  } finally {
    off();
  }
  const lastFailed = [...results].reverse().find((r) => r.result === 'failed' && r.record.stopped) ?? null;
  const halt = stationHalt(session.ledger, lastFailed);
  return { results, stoppedBy: halt ? 'ledger' : opts.signal.aborted ? 'operator' : 'count', halt };
}
