/**
 * The one way this station provisions. `custodian provision` (one device or
 * `--watch`), the app's Provision button and the app's auto mode all start a
 * session here and hand it each opened device, so they share:
 *  - the issuer, from the unlocked authority, checked once per session;
 *  - the issuance policy, from the station's settings (station/policy.ts);
 *  - the ledger recorder, `<home>/ledger`;
 *  - the guard that refuses to sign while an interrupted run's intent is open.
 *
 *   const session = startStationSession({ authority, ledger, settings });
 *   const result = await session.provision(device, { operator, onEvent });
 */
import type { Authority } from '../authority/index';
import type { DeviceClient, DeviceIdentity } from '../device/client';
import { CustodianError } from '../errors';
import type { LedgerRecorder } from '../ledger/index';
import type { ProvisioningResult, WorkflowListener } from '../station/events';
import { prepareIssuer, type PreparedIssuer } from '../station/issuer';
import { issuancePolicyFromSettings, type IssuancePolicy } from '../station/policy';
import { provisionDevice } from '../station/workflow';
import type { Settings } from '../../shared/api/settings';
import type { StationLedger } from './station-ledger';

export interface SessionSources {
  /** Active and unlocked (AUTHORITY_NOT_ACTIVE / AUTHORITY_LOCKED otherwise). */
  authority: Authority;
  ledger: StationLedger;
  settings: Pick<Settings, 'validity' | 'deviceIdRule'>;
}

/** One device's run: who, for which order, and where its progress goes. */
export interface DeviceRun {
  operator: string;
  workOrder?: string | undefined;
  reissueReason?: string | undefined;
  /** The device's IDENTIFY answer moments ago in this device session (the serve loop's detection). */
  identity?: DeviceIdentity | undefined;
  runId?: string;
  onEvent?: WorkflowListener;
  signal?: AbortSignal;
}

export interface StationSession {
  readonly issuer: PreparedIssuer;
  readonly policy: IssuancePolicy;
  readonly recorder: LedgerRecorder;
  readonly ledger: StationLedger;
  /** Provision one opened device (never closes it). Refuses before touching it while an intent is open. */
  provision(device: DeviceClient, run: DeviceRun): Promise<ProvisioningResult>;
}

/** Throws LEDGER_UNRECONCILED_INTENT, naming the intents, while a signing intent has no outcome. */
export function assertNoOpenIntents(recorder: LedgerRecorder): void {
  const open = recorder.unreconciled();
  if (open.length === 0) return;
  const list = open.map((u) => `#${u.index} (${u.intent.deviceId}, serial ${u.intent.serialHex})`).join(', ');
  throw new CustodianError('LEDGER_UNRECONCILED_INTENT', `${open.length} signing intent(s) from an interrupted run must be reconciled before provisioning: ${list}.`, {
    intents: open.map((u) => u.index),
    hint: 'custodian ledger reconcile',
  });
}

export function startStationSession(src: SessionSources): StationSession {
  const issuer = prepareIssuer(src.authority.issuer());
  const policy = issuancePolicyFromSettings(src.settings);
  const { recorder } = src.ledger.writable();
  assertNoOpenIntents(recorder);
  return {
    issuer,
    policy,
    recorder,
    ledger: src.ledger,
    provision(device, run) {
      assertNoOpenIntents(recorder);
      return provisionDevice({
        device,
        issuer,
        recorder,
        policy,
        operator: run.operator,
        ...(run.identity ? { identity: run.identity } : {}),
        ...(run.workOrder ? { workOrder: run.workOrder } : {}),
        ...(run.reissueReason ? { reissueReason: run.reissueReason } : {}),
        ...(run.runId ? { runId: run.runId } : {}),
        ...(run.onEvent ? { onEvent: run.onEvent } : {}),
        ...(run.signal ? { signal: run.signal } : {}),
      });
    },
  };
}
