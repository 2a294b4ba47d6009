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
import { loadTrustBundle, type TrustAnchorSetting } from '../hub/trust-bundle';
import { LedgerCodes, unreconciledError, type LedgerRecorder } from '../ledger/index';
import type { ProvisioningResult, WorkflowListener } from '../station/events';
import { recordStatements, stoppedStatements } from '../station/remedies';
import { prepareIssuer, type PreparedIssuer } from '../station/issuer';
import { issuancePolicyFromSettings, type IssuancePolicy } from '../station/policy';
import type { RenewalRequest } from '../station/renewal';
import { ledgerRevocations } from '../lifecycle/renewal-revocations';
import { provisionDevice } from '../station/workflow';
import type { WorkOrderPolicy } from '../station/work-order-gate';
import { sha256Hex } from '../pki/bytes';
import type { Settings } from '../../shared/api/settings';
import { stationDrivers, type StationDrivers } from './station-drivers';
import type { StationLedger } from './station-ledger';
import { isRunningIntent, trackRun } from './running-intents';
import { defaultStationId } from './station-id';
import { stationWorkOrders } from './station-work-orders';

export interface SessionSources {
  /** Active and unlocked (AUTHORITY_NOT_ACTIVE / AUTHORITY_LOCKED otherwise). */
  authority: Authority;
  ledger: StationLedger;
  /** `trustAnchors` selects the hub's TLS server roots installed into every device (none when absent). */
  settings: Pick<Settings, 'validity' | 'deviceIdRule' | 'drivers'> & Partial<Pick<Settings, 'renewal'>> & { trustAnchors?: TrustAnchorSetting; workOrders?: Settings['workOrders'] };
  /** The station home, where imported work orders are (`<home>/work-orders/`); without it no order is found. */
  home?: string;
  /** The station ID work orders may name (default: from the host name). */
  stationId?: string;
  /** The anchors (DER) to install instead of those the settings select (tests, a caller that loaded them). */
  trustAnchors?: readonly Uint8Array[];
}

/** What a session installs into every device as the hub's TLS server roots: where they came from, and each one. */
export interface SessionTrustBundle {
  /** `azure`/`custom`/`none` as the settings selected; `given` when the caller passed the DER itself. */
  bundle: TrustAnchorSetting['bundle'] | 'given';
  anchors: Array<{ name: string; sha256: string; notAfter: string }>;
}

/** One device's run: who, for which order, and where its progress goes. */
export interface DeviceRun {
  operator: string;
  workOrder?: string | undefined;
  reissueReason?: string | undefined;
  /** Replace the device's certificate on purpose: renew (same key) or re-key, with the reason (station/renewal.ts). */
  renewal?: RenewalRequest | undefined;
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
  /** The drivers ports are served with, as the station's settings configure them. */
  readonly drivers: StationDrivers;
  /** The hub's TLS server trust anchors (DER) installed into every device, loaded and checked when the session starts. */
  readonly trustAnchors: readonly Uint8Array[];
  readonly trustBundle: SessionTrustBundle;
  /** Whether runs must name a work order, and the imported orders they sign under. */
  readonly workOrders: WorkOrderPolicy;
  /** Provision one opened device (never closes it). Refuses before touching it while an intent is open. */
  provision(device: DeviceClient, run: DeviceRun): Promise<ProvisioningResult>;
}

/**
 * Throws LEDGER_UNRECONCILED_INTENT, naming each open intent and the
 * `custodian ledger reconcile` command that closes it, while a signing intent
 * has no outcome.
 */
export function assertNoOpenIntents(recorder: LedgerRecorder): void {
  // Another head's run between its intent and its done is not an interrupted run.
  const open = recorder.unreconciled().filter((u) => !isRunningIntent(recorder, u.index));
  if (open.length > 0) throw unreconciledError(open);
}

/** A station whose ledger stopped: it signs and serves nothing until the ledger is reopened. */
export interface StationHalt {
  /** LEDGER_WRITE_FAILED: what failed; `details.statements` repeats `statements`. */
  error: CustodianError;
  /** What is true after the failure, one statement each (signed or not, recorded or not, open intents and the command that closes each). */
  statements: string[];
  /** When the ledger stopped (ISO 8601). */
  at: string;
}

/**
 * The halt of a station whose ledger has stopped, or null while it can write.
 * `run` is the failed run the ledger stopped in, if any: its statements say
 * what that run left behind; without one they describe the ledger alone.
 */
export function stationHalt(ledger: StationLedger, run?: ProvisioningResult | null): StationHalt | null {
  const failure = ledger.failure();
  if (!failure) return null;
  const statements = run?.result === 'failed' && run.record.stopped
    ? recordStatements(run)
    : stoppedStatements(failure, ledger.isOpen() ? ledger.writable().recorder.health().openIntents : null);
  const at = typeof failure.details.at === 'string' ? failure.details.at : new Date().toISOString();
  return {
    // A tamper found by the full verification halts the station as a write failure does, under its own code.
    error: new CustodianError(failure.code === LedgerCodes.TAMPERED ? LedgerCodes.TAMPERED : LedgerCodes.WRITE_FAILED, `This station stopped signing: ${failure.message}.`, {
      ...failure.details, stopped: true, statements,
      ...(run?.result === 'failed' ? { deviceId: run.deviceId, failedStep: run.failedStep, runError: { code: run.error.code, message: run.error.message } } : {}),
    }, { cause: failure }),
    statements,
    at,
  };
}

export function startStationSession(src: SessionSources): StationSession {
  const halted = stationHalt(src.ledger);
  if (halted) throw halted.error;
  const issuer = prepareIssuer(src.authority.issuer());
  const policy = issuancePolicyFromSettings(src.settings);
  const { recorder } = src.ledger.writable();
  assertNoOpenIntents(recorder);
  const { trustAnchors, trustBundle } = sessionTrustAnchors(src);
  const workOrders = stationWorkOrders({
    ...(src.home !== undefined ? { home: src.home } : {}),
    chain: issuer.caChain,
    stationId: src.stationId ?? defaultStationId(),
    ...(src.settings.workOrders ? { setting: src.settings.workOrders } : {}),
  });
  return {
    issuer,
    policy,
    recorder,
    ledger: src.ledger,
    drivers: stationDrivers(src.settings),
    trustAnchors,
    trustBundle,
    workOrders,
    provision(device, run) {
      // Refused before the device is touched: a stopped ledger, or an intent to reconcile.
      const h = stationHalt(src.ledger);
      if (h) return Promise.reject(h.error);
      assertNoOpenIntents(recorder);
      const tracked = trackRun(recorder);
      return provisionDevice({
        device,
        issuer,
        recorder: tracked.recorder,
        policy,
        trustAnchors,
        operator: run.operator,
        ...(run.identity ? { identity: run.identity } : {}),
        ...(run.workOrder ? { workOrder: run.workOrder } : {}),
        workOrders,
        ...(run.reissueReason ? { reissueReason: run.reissueReason } : {}),
        ...(run.renewal ? { renewal: run.renewal, revocations: ledgerRevocations(recorder.ledger) } : {}),
        ...(run.runId ? { runId: run.runId } : {}),
        ...(run.onEvent ? { onEvent: run.onEvent } : {}),
        ...(run.signal ? { signal: run.signal } : {}),
      }).finally(() => tracked.end());
    },
  };
}

/**
 * The session's trust anchors: those given, else the bundle the settings
 * select, loaded and checked now (TRUST_BUNDLE_* refuses the session before
 * any device is touched).
 */
function sessionTrustAnchors(src: SessionSources): { trustAnchors: readonly Uint8Array[]; trustBundle: SessionTrustBundle } {
  if (src.trustAnchors) {
    return { trustAnchors: src.trustAnchors, trustBundle: { bundle: 'given', anchors: src.trustAnchors.map((der) => ({ name: '', sha256: sha256Hex(der).toUpperCase(), notAfter: '' })) } };
  }
  const setting = src.settings.trustAnchors;
  if (!setting) return { trustAnchors: [], trustBundle: { bundle: 'none', anchors: [] } };
  const b = loadTrustBundle(setting);
  return {
    trustAnchors: b.anchors.map((a) => a.der),
    trustBundle: { bundle: b.bundle, anchors: b.anchors.map(({ name, sha256, notAfter }) => ({ name, sha256, notAfter })) },
  };
}
