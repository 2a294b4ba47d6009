/**
 * A line: one station session serving N heads at once (`custodian provision
 * --port A --port B … --watch`, or a port pattern), as a gang fixture holds
 * 4–16 devices for one operator. Each head is its own serveDevices loop on
 * its own port; they share only the unlocked session and its ledger, whose
 * appends from concurrent heads share one fsync (Ledger.appendDurable).
 *
 * Heads are independent: a silent, faulty or unplugged device fails on its
 * own head, and a head whose loop breaks ends alone. Only what stops the
 * station stops every head: the operator, the device count, or the ledger
 * (then each device in flight ends first and nothing more is signed).
 */
import type { DeviceIdentity, Transport } from '../device/index';
import { CustodianError, isCustodianError } from '../errors';
import type { DriverName } from '../../shared/drivers';
import type { ProvisioningResult, WorkflowEvent } from '../station/events';
import { isPortPattern, matchPorts } from './port-pattern';
import { serveDevices } from './serve-port';
import { stationHalt, type DeviceRun, type StationHalt, type StationSession } from './station-session';
import { abortableSleep } from '../abortable-sleep';

export interface ServeLineOptions {
  session: StationSession;
  /** Port paths and patterns (port-pattern.ts); patterns are looked at again every `rescanMs`. */
  ports: readonly string[];
  driver?: DriverName;
  baud?: number;
  identityKeys?: ReadonlyMap<string, Uint8Array>;
  /** The operator's stop: every device in flight stops before its next step. */
  signal: AbortSignal;
  run: Omit<DeviceRun, 'identity' | 'signal' | 'onEvent' | 'runId'>;
  /** A head joined the line (its port appeared, or at the start). */
  onHead?: (head: string) => void;
  onEvent?: (head: string, e: WorkflowEvent) => void;
  onResult?: (head: string, r: ProvisioningResult) => void;
  onWaiting?: (head: string, what: 'device' | 'removal') => void;
  /** A head's loop broke on an error that is not a device's: that head ends, the others go on. */
  onHeadError?: (head: string, error: CustodianError) => void;
  /** Stop after this many devices across the line. */
  maxDevices?: number;
  pollMs?: number;
  /** How often patterns are matched again (default 1000 ms). */
  rescanMs?: number;
  openPort?: (path: string, baud: number, rtscts: boolean) => Promise<Transport>;
}

export interface HeadReport {
  path: string;
  results: ProvisioningResult[];
  /** Set when the head's loop broke (not a device failure: those are results). */
  error: CustodianError | null;
}

export interface ServeLineResult {
  heads: HeadReport[];
  /** Every result, in the order the devices ended. */
  results: ProvisioningResult[];
  stoppedBy: 'operator' | 'count' | 'ledger';
  halt: StationHalt | null;
}

export async function serveLine(opts: ServeLineOptions): Promise<ServeLineResult> {
  const { session } = opts;
  const stop = new AbortController();
  const off = session.ledger.onFailure(() => stop.abort());
  if (session.ledger.failure()) stop.abort();
  const countReached = new AbortController();
  const signal = AbortSignal.any([opts.signal, stop.signal, countReached.signal]);
  const driver = session.drivers[opts.driver ?? 'custodian'];
  const heads = new Map<string, HeadReport>();
  const running: Promise<void>[] = [];
  const results: ProvisioningResult[] = [];
  let claimed = 0;
  let ended = 0;
  let settled = 0;
  const patterns = opts.ports.some(isPortPattern);

  /** A device may be served only while the count has room: claimed before it is touched. */
  const claim = (): boolean => {
    if (opts.maxDevices !== undefined && claimed >= opts.maxDevices) return false;
    claimed++;
    return true;
  };

  const startHead = (path: string): void => {
    const head: HeadReport = { path, results: [], error: null };
    heads.set(path, head);
    opts.onHead?.(path);
    running.push(serveDevices({
      path,
      driver,
      ...(opts.baud !== undefined ? { baud: opts.baud } : {}),
      ...(opts.identityKeys ? { identityKeys: opts.identityKeys } : {}),
      signal,
      ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
      ...(opts.openPort ? { openPort: opts.openPort } : {}),
      onWaiting: (what) => opts.onWaiting?.(path, what),
      handle: async (device, identity: DeviceIdentity) => {
        if (!claim()) return;
        try {
          const r = await session.provision(device, {
            ...opts.run, identity, signal: opts.signal,
            ...(opts.onEvent ? { onEvent: (e: WorkflowEvent) => opts.onEvent!(path, e) } : {}),
          });
          head.results.push(r);
          results.push(r);
          opts.onResult?.(path, r);
        } finally {
          if (opts.maxDevices !== undefined && ++ended >= opts.maxDevices) countReached.abort();
        }
      },
    }).then(() => { settled++; }, (e: unknown) => {
      settled++;
      // Only this head ends; the error is told, never thrown across the line.
      head.error = isCustodianError(e) ? e : new CustodianError('INTERNAL', `head ${path} stopped: ${String(e)}`, { path }, { cause: e });
      opts.onHeadError?.(path, head.error);
    }));
  };

  const scan = (): void => {
    for (const p of opts.ports) for (const path of matchPorts(p)) if (!heads.has(path)) startHead(path);
  };

  try {
    scan();
    // Patterns: heads whose adapters enumerate late join while the line runs.
    // Without patterns the line ends once every head has ended by itself.
    while (!signal.aborted && (patterns || settled < heads.size)) {
      await abortableSleep(opts.rescanMs ?? 1000, signal);
      if (!signal.aborted) scan();
    }
    // Heads started while waiting are in `running` too; wait for every one.
    for (let i = 0; i < running.length; i++) await running[i];
  } finally {
    off();
  }
  const lastStopped = [...results].reverse().find((r) => r.result === 'failed' && r.record.stopped) ?? null;
  const halt = stationHalt(session.ledger, lastStopped);
  return {
    heads: [...heads.values()],
    results,
    stoppedBy: halt ? 'ledger' : opts.signal.aborted ? 'operator' : 'count',
    halt,
  };
}
