/**
 * WorkflowPort over the line (electron/core/line): every run starts the one
 * station session (issuer from the unlocked authority, policy from the
 * station's settings, ledger recorder, open-intent guard) and opens its
 * device the one way (openDevice); auto mode serves a port device after
 * device with the same loop as `custodian provision --watch`.
 */
import type { Authority } from '../../authority/index';
import { SerialPortTransport, type DeviceClient, type DeviceIdentity, type Transport } from '../../device/index';
import { CustodianError, isCustodianError } from '../../errors';
import { openDevice, serveDevices, startStationSession, stationHalt, type StationLedger, type StationSession } from '../../line/index';
import type { ProvisioningResult } from '../../station/events';
import type { HaltReport, ProvisionRequest, ProvisionSummary, WorkflowPort } from '../ports';
import type { SimulatorRegistry } from './simulator';

export function workflowAdapter(deps: {
  authority: Authority;
  ledger: StationLedger;
  simulator?: SimulatorRegistry;
  /** Opens a device for a port (injected for tests). */
  openDevice?: (port: string) => Promise<DeviceClient>;
}): WorkflowPort {
  const inProcess = (port: string) => deps.simulator?.endpoint(port) ?? null;

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
  const session = (req: ProvisionRequest) => startStationSession({ authority: deps.authority, ledger: deps.ledger, settings: req.settings });

  async function run(station: StationSession, device: DeviceClient, req: ProvisionRequest, identity?: DeviceIdentity): Promise<ProvisionSummary> {
    const result = await station.provision(device, {
      operator: req.operator,
      workOrder: req.workOrder,
      reissueReason: req.reissueReason,
      identity,
      runId: req.runId,
      ...(req.signal ? { signal: req.signal } : {}),
      onEvent: (e) => {
        if (e.kind !== 'step') return;
        req.onProgress({
          step: e.step,
          state: e.state,
          ...(e.deviceId ? { deviceId: e.deviceId } : {}),
          ...(e.serialHex ? { serialHex: e.serialHex } : {}),
          ...(e.state === 'failed' ? { error: { code: e.error.code, message: e.error.message } } : {}),
        });
      },
    });
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
    };
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
      let device: DeviceClient;
      try {
        device = deps.openDevice ? await deps.openDevice(req.port) : await openDevice(req.port, { inProcess });
      } catch (e) {
        const err = isCustodianError(e) ? e : new CustodianError('DEVICE_OPEN_FAILED', 'The port could not be opened.', { port: req.port });
        req.onProgress({ step: 'connect', state: 'failed', error: { code: err.code, message: err.message } });
        throw err;
      }
      req.onProgress({ step: 'connect', state: 'succeeded' });
      try {
        return await run(station, device, req);
      } finally {
        await device.close().catch(() => undefined);
      }
    },

    async serve(req) {
      const openPort = async (path: string, baud: number): Promise<Transport> => {
        const endpoint = inProcess(path);
        if (endpoint) return endpoint.connect();
        if (path.startsWith('sim:')) throw new CustodianError('DEVICE_NOT_FOUND', 'The simulated device is no longer running.', { port: path });
        return SerialPortTransport.open(path, { baudRate: baud });
      };
      await serveDevices({
        path: req.port,
        baud: 115200,
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
            r.onProgress({ step: 'connect', state: 'failed', error: { code: err.code, message: err.message } });
            return failed(err);
          }
          r.onProgress({ step: 'connect', state: 'succeeded' });
          try {
            req.onResult(r, { ok: true, summary: await run(station, device, r, identity) });
          } catch (e) {
            failed(e);
          }
        },
      });
    },
  };
}
