/**
 * WorkflowPort over the provisioning workflow (electron/core/station): the
 * unlocked authority's issuer, the station ledger as recorder, the device over
 * a serial port (or an in-process simulated device), and the station's
 * device-ID rule (Settings) checked at identify, before anything is signed.
 */
import type { Authority } from '../../authority/index';
import { connectInProcess, waitForDevice, type DeviceClient } from '../../device/index';
import { CustodianError } from '../../errors';
import { DEFAULT_ISSUANCE_POLICY, STATION_DEVICE_OPTIONS, prepareIssuer, provisionDevice } from '../../station/index';
import type { WorkflowPort } from '../ports';
import type { StationLedger } from './ledger';
import type { SimulatorRegistry } from './simulator';

/** Wrap a device so its reported ID must match the station's rule (an anchored regex). */
export function withDeviceIdRule(device: DeviceClient, pattern: string): DeviceClient {
  const rule = new RegExp(pattern);
  return {
    async identify() {
      const id = await device.identify();
      if (!rule.test(id.deviceId)) {
        throw new CustodianError('DEVICE_ID_INVALID', `The device ID "${id.deviceId}" does not match the station's device-ID rule.`, { deviceId: id.deviceId, pattern });
      }
      return id;
    },
    generateKey: (a, o) => device.generateKey(a, o),
    getCsr: (cn, o) => device.getCsr(cn, o),
    getPublicKey: () => device.getPublicKey(),
    signChallenge: (c, o) => device.signChallenge(c, o),
    writeLeaf: (d) => device.writeLeaf(d),
    writeChain: (c) => device.writeChain(c),
    readCredentials: () => device.readCredentials(),
    install: (l, c, o) => device.install(l, c, o),
    commit: () => device.commit(),
    close: () => device.close(),
  };
}

/** How long connect keeps retrying HELLO on a serial port. */
export const CONNECT_TIMEOUT_MS = 4000;

export function workflowAdapter(deps: {
  authority: Authority;
  ledger: StationLedger;
  simulator?: SimulatorRegistry;
  openDevice?: (port: string) => Promise<DeviceClient>;
}): WorkflowPort {
  const open = async (port: string): Promise<DeviceClient> => {
    const sim = deps.simulator?.endpoint(port);
    if (sim) return connectInProcess(sim, STATION_DEVICE_OPTIONS);
    if (deps.openDevice) return deps.openDevice(port);
    // A device that was just plugged in (or a fresh pty) may miss the first HELLO: retry for a few seconds.
    return waitForDevice({ path: port, timeoutMs: CONNECT_TIMEOUT_MS, pollMs: 250, ...STATION_DEVICE_OPTIONS });
  };
  return {
    async provision(req) {
      // Throws AUTHORITY_NOT_ACTIVE / AUTHORITY_LOCKED before the device is touched.
      const issuer = prepareIssuer(deps.authority.issuer());
      const { recorder } = deps.ledger.writable();
      const open_ = recorder.unreconciled();
      if (open_.length > 0) {
        throw new CustodianError('LEDGER_UNRECONCILED_INTENT', `${open_.length} signing intent(s) from an interrupted run must be reconciled before provisioning.`, {
          intents: open_.map((u) => u.index),
        });
      }
      req.onProgress({ step: 'connect', state: 'started' });
      let device: DeviceClient;
      try {
        device = withDeviceIdRule(await open(req.port), req.deviceIdPattern);
      } catch (e) {
        const err = e instanceof CustodianError ? e : new CustodianError('DEVICE_OPEN_FAILED', 'The port could not be opened.', { port: req.port });
        req.onProgress({ step: 'connect', state: 'failed', error: { code: err.code, message: err.message } });
        throw err;
      }
      req.onProgress({ step: 'connect', state: 'succeeded' });
      try {
        const result = await provisionDevice({
          device,
          issuer,
          recorder,
          operator: req.operator,
          ...(req.workOrder ? { workOrder: req.workOrder } : {}),
          ...(req.reissueReason ? { reissueReason: req.reissueReason } : {}),
          policy: { ...DEFAULT_ISSUANCE_POLICY, validityDays: req.leafDays },
          runId: req.runId,
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
          throw new CustodianError(result.error.code, result.error.message, { ...result.error.details, failedStep: result.failedStep, signed: result.signed });
        }
        const ledgerIndex = result.intentId !== null ? deps.ledger.writable().ledger.index.linkOf(Number(result.intentId)) : -1;
        return {
          deviceId: result.deviceId,
          serialHex: result.serialHex,
          fingerprint: result.fingerprint,
          ledgerIndex: ledgerIndex >= 0 ? ledgerIndex : Math.max(0, deps.ledger.writable().ledger.size - 1),
          reissued: result.reissued,
        };
      } finally {
        await device.close().catch(() => undefined);
      }
    },
  };
}
