/**
 * WorkflowPort over the line (electron/core/line): every run starts the one
 * station session (issuer from the unlocked authority, policy from the
 * station's settings, ledger recorder, open-intent guard) and opens its
 * device the one way, a port and a driver (openDeviceWithDriver: named, or
 * `auto` to probe); auto mode serves a port device after device with the
 * same loop as `custodian provision --watch`, with the port's driver.
 */
import type { Authority } from '../../authority/index';
import { SerialPortTransport, type DeviceClient, type DeviceIdentity, type Transport } from '../../device/index';
import { DeviceErrorCodes } from '../../device/codes';
import type { DeviceDriver } from '../../device/driver';
import { CustodianError, isCustodianError } from '../../errors';
import { serveDevices, startStationSession, stationHalt, type StationLedger, type StationSession } from '../../line/index';
import { openDeviceWithDriver } from '../../line/open-device';
import { probeDriver, stationDrivers, type StationDrivers } from '../../line/station-drivers';
import type { ProvisioningResult } from '../../station/events';
import type { FinalProof, Proof } from '../../station/proofs';
import { isDriverName, type DriverChoice, type DriverName } from '../../../shared/drivers';
import { provedFinal, type FinalProofName, type ProofName } from '../../../shared/proofs';
import type { HaltReport, ProgressReport, ProvisionRequest, ProvisionSummary, ServeRequest, WorkflowPort } from '../ports';
import type { SimulatorRegistry } from './simulator';
import { abortableSleep } from '../../abortable-sleep';

// Compile-time check: the contract's proof names are the core's own.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const proofsMatch: Same<Proof, ProofName> = true;
const finalProofsMatch: Same<FinalProof, FinalProofName> = true;
void proofsMatch;
void finalProofsMatch;

/** A device opened for a run, and the driver that reached it. */
export interface OpenedForRun {
  device: DeviceClient;
  driver: DriverName;
}

function driverName(d: DeviceDriver): DriverName {
  if (!isDriverName(d.name)) throw new CustodianError(DeviceErrorCodes.DEVICE_DRIVER_UNKNOWN, `unknown device driver ${JSON.stringify(d.name)}`, { driver: d.name });
  return d.name;
}

/** The proofs a passed run claims: a recognised device was given no final proof in this run. */
function runProofs(r: Extract<ProvisioningResult, { result: 'passed' }>): { finalProof: FinalProofName | null; proofs: ProofName[] } {
  return { finalProof: r.how === 'recognised' ? null : provedFinal(r.finalProof, r.proofs), proofs: [...r.proofs] };
}

export function workflowAdapter(deps: {
  authority: Authority;
  ledger: StationLedger;
  /** The station home: its imported work orders bound the runs (docs/work-orders.md §Enforcement). */
  home?: string;
  simulator?: SimulatorRegistry;
  /** Opens a device for a port with a driver choice (injected for tests). */
  openDevice?: (port: string, driver: DriverChoice) => Promise<OpenedForRun>;
  /** How often auto mode probes a port set to `auto` until a device answers. */
  probeEveryMs?: number;
}): WorkflowPort {
  const inProcess = (port: string) => deps.simulator?.endpoint(port) ?? null;
  /** The driver of the simulated device behind a port (the app's simulator speaks the Custodian protocol unless it says otherwise). */
  const inProcessDriver = (port: string): DriverName | null => {
    const e = inProcess(port) as (ReturnType<typeof inProcess> & { driver?: string }) | null;
    if (!e) return null;
    return isDriverName(e.driver) ? e.driver : 'custodian';
  };

  // The halt: the ledger's stop, told at once, then again with the statements of the run it stopped in.
  const haltListeners = new Set<(h: HaltReport) => void>();
  let stoppedRun: ProvisioningResult | null = null;
  const halted = (): HaltReport | null => stationHalt(deps.ledger, stoppedRun);
  const tellHalt = (): void => {
    const h = halted();
    if (!h) return;
    for (const l of [...haltListeners]) {
      try { l(h); } catch { /* one listener must not keep the others from hearing it */ }
    }
  };
  deps.ledger.onFailure(() => tellHalt());

  /** Throws AUTHORITY_NOT_ACTIVE / AUTHORITY_LOCKED / LEDGER_UNRECONCILED_INTENT before the device is touched. */
  const session = (req: ProvisionRequest) => startStationSession({ authority: deps.authority, ledger: deps.ledger, settings: req.settings, ...(deps.home !== undefined ? { home: deps.home } : {}) });

  async function run(station: StationSession, device: DeviceClient, driver: DriverName, req: ProvisionRequest, identity?: DeviceIdentity): Promise<ProvisionSummary> {
    // `done` succeeded is told with the run's proofs, known once the run has returned.
    let heldDone: ProgressReport | null = null;
    let result: ProvisioningResult;
    try {
      result = await station.provision(device, {
        operator: req.operator,
        workOrder: req.workOrder,
        reissueReason: req.reissueReason,
        ...(req.renewal ? { renewal: req.renewal } : {}),
        identity,
        runId: req.runId,
        ...(req.signal ? { signal: req.signal } : {}),
        onEvent: (e) => {
          if (e.kind !== 'step') return;
          const p: ProgressReport = {
            step: e.step,
            state: e.state,
            driver,
            ...(e.deviceId ? { deviceId: e.deviceId } : {}),
            ...(e.serialHex ? { serialHex: e.serialHex } : {}),
            ...(e.state === 'failed' ? { error: { code: e.error.code, message: e.error.message } } : {}),
          };
          if (e.step === 'done' && e.state === 'succeeded') heldDone = p;
          else req.onProgress(p);
        },
      });
    } catch (e) {
      if (heldDone) req.onProgress(heldDone);
      throw e;
    }
    const done = heldDone as ProgressReport | null;
    if (done) req.onProgress(result.result === 'passed' ? { ...done, proof: runProofs(result) } : done);
    if (result.result === 'failed') {
      if (result.record.stopped) {
        stoppedRun = result;
        tellHalt();
        const h = halted();
        if (h) throw new CustodianError(h.error.code, h.error.message, { ...h.error.details, failedStep: result.failedStep, signed: result.signed });
      }
      throw new CustodianError(result.error.code, result.error.message, {
        ...result.error.details, failedStep: result.failedStep, signed: result.signed, recorded: result.record.recorded,
      });
    }
    const { ledger } = deps.ledger.writable();
    const linked = result.intentId !== null ? ledger.index.linkOf(Number(result.intentId)) : -1;
    return {
      deviceId: result.deviceId,
      serialHex: result.serialHex,
      fingerprint: result.fingerprint,
      ledgerIndex: linked >= 0 ? linked : Math.max(0, ledger.size - 1),
      reissued: result.reissued,
      ...(result.renewal ? { renewal: { ...result.renewal } } : {}),
      // The device's own word on its driver where it is one we know, else the one that opened it.
      driver: isDriverName(result.driver) ? result.driver : driver,
      ...runProofs(result),
    };
  }

  /** The one way a run opens its device: the port and the driver chosen for it (`auto` probes). */
  async function open(station: StationSession, req: ProvisionRequest): Promise<OpenedForRun> {
    if (deps.openDevice) return deps.openDevice(req.port, req.driver);
    const o = await openDeviceWithDriver(req.port, {
      driver: req.driver,
      drivers: station.drivers,
      inProcess: (port) => {
        const e = inProcess(port);
        return e ? { connect: () => e.connect(), baud: e.baud, driver: inProcessDriver(port) ?? 'custodian' } : null;
      },
      ...(req.signal ? { signal: req.signal } : {}),
    });
    return { device: o.device, driver: driverName(o.driver) };
  }

  const openPort = async (path: string, baud: number, rtscts: boolean): Promise<Transport> => {
    const endpoint = inProcess(path);
    if (endpoint) return endpoint.connect();
    if (path.startsWith('sim:')) throw new CustodianError('DEVICE_NOT_FOUND', 'The simulated device is no longer running.', { port: path });
    return SerialPortTransport.open(path, { baudRate: baud, rtscts });
  };

  /**
   * The driver auto mode serves a port with: the one chosen, or for `auto`
   * the first whose probe a device answers (probing again until one does or
   * serving stops: null).
   */
  async function serveDriver(req: ServeRequest, drivers: StationDrivers): Promise<DriverName | null> {
    if (req.driver !== 'auto') return req.driver;
    const sim = inProcessDriver(req.port);
    if (sim) return sim;
    if (req.port.startsWith('sim:')) return null;
    while (!req.signal.aborted) {
      let t: Transport | null = null;
      try {
        t = await SerialPortTransport.open(req.port, { baudRate: 115_200 });
        const found = await probeDriver(drivers, t, { signal: req.signal });
        if (found) return found;
      } catch (e) {
        if (!isCustodianError(e)) throw e;
      } finally {
        await t?.close().catch(() => undefined);
      }
      await abortableSleep(deps.probeEveryMs ?? 500, req.signal);
    }
    return null;
  }

  return {
    halted,
    onHalt(listener) {
      haltListeners.add(listener);
      return () => haltListeners.delete(listener);
    },
    async resume() {
      // Close the stopped ledger (its lock too) and open it again: open repairs what the failure left (§5 of docs/ledger-format.md).
      if (!deps.ledger.failure()) return;
      deps.ledger.close();
      stoppedRun = null;
      deps.ledger.writable();
    },
    async provision(req) {
      const station = session(req);
      req.onProgress({ step: 'connect', state: 'started' });
      let opened: OpenedForRun;
      try {
        opened = await open(station, req);
      } catch (e) {
        const err = isCustodianError(e) ? e : new CustodianError('DEVICE_OPEN_FAILED', 'The port could not be opened.', { port: req.port });
        req.onProgress({ step: 'connect', state: 'failed', error: { code: err.code, message: err.message } });
        throw err;
      }
      req.onProgress({ step: 'connect', state: 'succeeded', driver: opened.driver });
      try {
        return await run(station, opened.device, opened.driver, req);
      } finally {
        await opened.device.close().catch(() => undefined);
      }
    },

    async serve(req) {
      const drivers = stationDrivers(req.settings);
      const name = await serveDriver(req, drivers);
      if (name === null) return;
      await serveDevices({
        path: req.port,
        driver: drivers[name],
        signal: req.signal,
        openPort,
        handle: async (device, identity) => {
          const r = req.nextRun();
          const failed = (e: unknown): void => req.onResult(r, { ok: false, error: isCustodianError(e) ? e : new CustodianError('INTERNAL', String(e)) });
          let station: StationSession;
          try {
            station = session(r);
          } catch (e) {
            // Locked, or an intent to reconcile: the device is found but not touched.
            const err = isCustodianError(e) ? e : new CustodianError('INTERNAL', String(e));
            r.onProgress({ step: 'connect', state: 'failed', driver: name, error: { code: err.code, message: err.message } });
            return failed(err);
          }
          r.onProgress({ step: 'connect', state: 'succeeded', driver: name });
          try {
            req.onResult(r, { ok: true, summary: await run(station, device, name, r, identity) });
          } catch (e) {
            failed(e);
          }
        },
      });
    },
  };
}
