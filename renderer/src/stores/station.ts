/**
 * The operator's station: ports, who/what is being provisioned, the live run,
 * the verdict, auto mode and shift counters. The workflow runs in the station;
 * this store only starts it (station.provision / station.setAutoMode) and
 * follows its typed progress events (station.onProgress).
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { PortInfo, ShiftCounters, StationHalt } from '../../../electron/shared/api/station';
import { WorkOrder } from '../../../electron/shared/api/station';
import { PROVISION_STEPS } from '../../../electron/shared/events';
import type { ProvisionStep, StationProgress } from '../../../electron/shared/events';
import type { Unsubscribe } from '../../../electron/shared/api';
import { DRIVER_NAMES, DRIVERS, driverSteps, type DriverChoice, type DriverName } from '../../../electron/shared/drivers';
import type { FinalProofName } from '../../../electron/shared/proofs';
import { STEP_ORDER } from '../../../electron/shared/workflow';
import { ApiCallError, call, station, toUserError } from '../api';
import type { UserError } from '../api';
import type { StepRow, StepState } from '../components/StepList.vue';
import type { ResultView } from '../components/resultView';

/** The steps in the operator's words (their order is the workflow's own: PROVISION_STEPS). */
export const STEP_LABELS: Readonly<Record<ProvisionStep, string>> = {
  connect: 'Connect to the device',
  identify: 'Identify the device',
  csr: 'Read the request and verify key possession',
  keygen: 'Device generates its key',
  check: 'Check policy (repeat visit, re-issue)',
  intent: 'Record the intent in the ledger',
  sign: 'Sign the certificate',
  record: 'Record the certificate in the ledger',
  write: 'Write certificate and chain to the device',
  verify: 'Read back and answer the challenge',
  commit: 'Lock the device credentials',
  done: 'Pass',
};

/**
 * Where a step's words depend on the driver's final proof: a device that
 * signs on request answers a challenge after the install; one that cannot
 * (the nRF91 modem) is only read back.
 */
export const VERIFY_LABELS: Readonly<Record<FinalProofName, string>> = {
  challenge: STEP_LABELS.verify,
  'csr-signature': 'Read back and check what the device stores',
};

/** A step's label for a device of this driver (null: not known yet). */
export function stepLabel(step: ProvisionStep, driver: DriverName | null): string {
  return step === 'verify' && driver ? VERIFY_LABELS[DRIVERS[driver].finalProof] : STEP_LABELS[step];
}

/** The driver choices in the port picker, in the operator's words. */
export const DRIVER_CHOICES: readonly { value: DriverChoice; label: string }[] = [
  { value: 'auto', label: 'Auto (probe the port)' },
  ...DRIVER_NAMES.map((d) => ({ value: d, label: DRIVERS[d].title })),
];

/** The driver a port is served by as far as the station knows: the chosen one, else the one detected on it (null: probed at connect). */
export function knownDriver(p: PortInfo | undefined): DriverName | null {
  if (!p) return null;
  return p.driver !== 'auto' ? p.driver : p.detectedDriver;
}

/** A port's driver in a few words: `nRF91 modem (AT)`, `auto → Custodian protocol`, `auto`. */
export function driverLabel(p: PortInfo): string {
  if (p.driver !== 'auto') return DRIVERS[p.driver].title;
  return p.detectedDriver ? `auto: ${DRIVERS[p.detectedDriver].title}` : 'auto';
}

/** Common USB-serial bridges, so the picker can say what is plugged in. */
export const KNOWN_USB: Readonly<Record<string, string>> = {
  '0403': 'FTDI',
  '10c4': 'Silicon Labs CP210x',
  '1a86': 'WCH CH34x',
  '303a': 'Espressif',
  '067b': 'Prolific',
  '2341': 'Arduino',
  '0483': 'STMicroelectronics',
  '04d8': 'Microchip',
  '2e8a': 'Raspberry Pi',
  '1366': 'SEGGER J-Link',
  '0d28': 'Arm DAPLink',
};

export function portLabel(p: PortInfo): string {
  if (p.simulated) return `${p.path} — simulated device — driver ${driverLabel(p)}`;
  const parts = [p.path];
  if (p.vendorId) {
    const usb = `USB ${p.vendorId}:${p.productId ?? '????'}`;
    parts.push(`${usb} ${p.manufacturer ?? KNOWN_USB[p.vendorId] ?? ''}`.trim());
  } else if (p.manufacturer) parts.push(p.manufacturer);
  parts.push(`driver ${driverLabel(p)}`);
  if (p.busy) parts.push('(busy)');
  return parts.join(' — ');
}

/**
 * Whether a port looks like a device to provision: a USB serial bridge (it has
 * a VID/PID) or a simulated device. Built-in UARTs such as /dev/ttyS0 are
 * listed but never chosen automatically.
 */
export function isLikelyDevice(p: PortInfo): boolean {
  return p.simulated || p.vendorId !== null;
}

/**
 * One row per step the driver's devices go through, in the order the
 * workflow's transition table gives (connect first); every step while the
 * driver is not known yet (a port on `auto` before the probe).
 */
function freshSteps(driver: DriverName | null = null): StepRow[] {
  const steps: readonly ProvisionStep[] = ['connect', ...(driver ? driverSteps(driver) : STEP_ORDER)];
  return PROVISION_STEPS.filter((id) => steps.includes(id)).map((id) => ({ id, label: stepLabel(id, driver), state: 'pending' as StepState }));
}

/** The rows for `driver` once it is known, each keeping the state it had. */
function forDriver(rows: readonly StepRow[], driver: DriverName): StepRow[] {
  return freshSteps(driver).map((fresh) => {
    const had = rows.find((r) => r.id === fresh.id);
    return had ? { ...had, label: fresh.label } : fresh;
  });
}

/**
 * The rows after one event of `step`. A row's state comes only from its own
 * step's events; a row still waiting when a later row's step reports was
 * passed over by the run (`skipped`: keygen for a device that has a key, the
 * signing steps when the check recognises the device), and the rows still
 * waiting when a step fails will not run (`not-run`).
 */
function withStep(rows: readonly StepRow[], step: ProvisionStep, state: StepState, detail?: string): StepRow[] {
  const at = rows.findIndex((r) => r.id === step);
  return rows.map((r, i) => {
    if (i === at) return detail === undefined ? { ...r, state } : { ...r, state, detail };
    if (r.state !== 'pending') return r;
    if (i < at) return { ...r, state: 'skipped' };
    return state === 'failed' ? { ...r, state: 'not-run' } : r;
  });
}

export const useStationStore = defineStore('station', () => {
  const ports = ref<PortInfo[]>([]);
  const port = ref<string | null>(null);
  const operator = ref('');
  const workOrder = ref('');
  const reissueReason = ref('');
  const autoMode = ref(false);
  const counters = ref<ShiftCounters | null>(null);
  const steps = ref<StepRow[]>(freshSteps());
  const runId = ref<string | null>(null);
  const runPort = ref<string | null>(null);
  const deviceId = ref<string | null>(null);
  const running = ref(false);
  /** The driver of the run on screen (null until known). */
  const runDriver = ref<DriverName | null>(null);
  const result = ref<ResultView | null>(null);
  const lastFailure = ref<UserError | null>(null);
  const error = ref<UserError | null>(null);
  /** The ledger cannot be written: the station signs and serves nothing (a blocking alert). */
  const halted = ref<StationHalt | null>(null);
  /** Why the last station.resume failed (the cause is not fixed yet). */
  const resumeError = ref<UserError | null>(null);
  const resuming = ref(false);

  const workOrderValid = computed(() => workOrder.value.trim() === '' || WorkOrder.safeParse(workOrder.value).success);
  const canProvision = computed(() =>
    !halted.value && !running.value && !autoMode.value && port.value !== null && operator.value.trim() !== '' && workOrderValid.value);
  /** Why Provision is disabled, in words (null when it is enabled). */
  const blocker = computed(() => {
    if (halted.value) return 'The station has stopped signing: the ledger cannot be written.';
    if (running.value) return 'A device is being provisioned.';
    if (autoMode.value) return 'Auto mode is on: plug in a device to provision it.';
    if (!port.value) return 'Choose the port the device is on.';
    if (!operator.value.trim()) return 'Enter or scan the operator.';
    if (!workOrderValid.value) return 'The work order may only hold letters, digits and . _ / -';
    return null;
  });
  const needsReissueReason = computed(() => lastFailure.value?.code.includes('REISSUE') ?? false);
  const selectedPort = computed(() => ports.value.find((p) => p.path === port.value));
  /** Whether a run has been on screen yet (until then the step list follows the chosen port's driver). */
  const hadRun = ref(false);
  /** The driver whose steps the step list shows: the run's, or before any run the chosen port's. */
  const stepDriver = computed<DriverName | null>(() => (hadRun.value ? runDriver.value : knownDriver(selectedPort.value)));
  /** The rows the step list shows. */
  const stepRows = computed<StepRow[]>(() => (hadRun.value ? steps.value : freshSteps(stepDriver.value)));
  const passed = computed(() => counters.value?.issued ?? 0);
  const failed = computed(() => counters.value?.failed ?? 0);

  /** Passed devices per hour since the shift started (null in the first minute). */
  function ratePerHour(now = Date.now()): number | null {
    if (!counters.value) return null;
    const hours = (now - Date.parse(counters.value.shiftStartedAt)) / 3_600_000;
    if (!(hours >= 1 / 60)) return null;
    return passed.value / hours;
  }

  function startRun(id: string | null, onPort: string, driver: DriverName | null = knownDriver(ports.value.find((p) => p.path === onPort))) {
    hadRun.value = true;
    runDriver.value = driver;
    steps.value = freshSteps(driver);
    runId.value = id;
    runPort.value = onPort;
    deviceId.value = null;
  }

  /** The run's driver is known (from its `connect`): its steps, and the port's detected driver. */
  function learnDriver(onPort: string, driver: DriverName) {
    if (runDriver.value !== driver) {
      runDriver.value = driver;
      steps.value = forDriver(steps.value, driver);
    }
    ports.value = ports.value.map((p) => (p.path === onPort && p.detectedDriver !== driver ? { ...p, detectedDriver: driver } : p));
  }

  function setStep(step: ProvisionStep, state: StepState, detail?: string) {
    steps.value = withStep(steps.value, step, state, detail);
  }

  function failureView(u: UserError): ResultView {
    return { passed: false, reason: u.what, fix: u.fix, code: u.code, ...(deviceId.value ? { deviceId: deviceId.value } : {}) };
  }

  /**
   * One station.progress event (manual and auto-mode runs alike). Events of
   * the run on screen are followed even after its answer came back (they may
   * arrive late); only an auto-mode run takes over an idle screen.
   */
  function onProgress(e: StationProgress) {
    if (running.value && runId.value === null && e.port === runPort.value) runId.value = e.runId;
    if (e.runId !== runId.value) {
      if (running.value || !e.auto) return;
      startRun(e.runId, e.port, e.driver ?? knownDriver(ports.value.find((p) => p.path === e.port)));
      result.value = null;
    }
    if (e.driver) learnDriver(e.port, e.driver);
    if (e.deviceId) deviceId.value = e.deviceId;
    if (e.state === 'started') setStep(e.step, 'running');
    else if (e.state === 'succeeded') setStep(e.step, 'done', e.step === 'sign' && e.serialHex ? `serial ${e.serialHex}` : undefined);
    else setStep(e.step, 'failed', e.error?.code);

    // Manual runs take their verdict from station.provision's answer; auto runs from here.
    if (e.auto) {
      if (e.state === 'failed') {
        const u = toUserError(new ApiCallError({ code: e.error?.code ?? 'WORKFLOW', message: e.error?.message ?? '', details: {} }));
        lastFailure.value = u;
        result.value = failureView(u);
      } else if (e.step === 'done' && e.state === 'succeeded') {
        lastFailure.value = null;
        result.value = {
          passed: true,
          ...(deviceId.value ? { deviceId: deviceId.value } : {}),
          ...(e.serialHex ? { detail: `Serial ${e.serialHex}.` } : {}),
          ...(runDriver.value ? { driver: runDriver.value } : {}),
          ...(e.proof ? { finalProof: e.proof.finalProof, proofs: e.proof.proofs } : {}),
        };
      }
    }
  }

  /** station.provision on the chosen port, with the operator and work order. */
  async function provision(): Promise<void> {
    if (!canProvision.value || port.value === null) return;
    running.value = true;
    result.value = null;
    const onPort = port.value;
    startRun(null, onPort);
    try {
      const r = await call(station().station.provision({
        port: onPort,
        operator: operator.value.trim(),
        ...(workOrder.value.trim() ? { workOrder: workOrder.value.trim() } : {}),
        ...(reissueReason.value.trim() ? { reissueReason: reissueReason.value.trim() } : {}),
      }));
      // The rows stay as the run's own events left them (a skipped step is not done).
      runId.value ??= r.runId;
      deviceId.value = r.deviceId;
      learnDriver(onPort, r.driver);
      lastFailure.value = null;
      reissueReason.value = '';
      result.value = {
        passed: true,
        deviceId: r.deviceId,
        detail: `Serial ${r.serialHex}, ledger entry #${r.ledgerIndex}${r.reissued ? ', re-issued' : ''}.`,
        driver: r.driver,
        finalProof: r.finalProof,
        proofs: r.proofs,
      };
    } catch (e) {
      const u = toUserError(e);
      lastFailure.value = u;
      // The run ended in the step it was in; whatever had not started will not run.
      const runningStep = steps.value.find((s) => s.state === 'running');
      if (runningStep) setStep(runningStep.id as ProvisionStep, 'failed', u.code);
      steps.value = steps.value.map((s) => (s.state === 'pending' ? { ...s, state: 'not-run' } : s));
      result.value = failureView(u);
    } finally {
      running.value = false;
    }
    await loadStatus();
  }

  function dismiss() {
    result.value = null;
  }

  async function retry() {
    result.value = null;
    await provision();
  }

  /** station.listPorts; keeps the choice if still there, else picks the first free likely device (see isLikelyDevice). */
  async function refreshPorts(preferred?: string): Promise<void> {
    try {
      ports.value = (await call(station().station.listPorts())).ports;
      error.value = null;
    } catch (e) {
      error.value = toUserError(e);
      return;
    }
    const free = ports.value.filter((p) => !p.busy && isLikelyDevice(p));
    if (preferred && free.some((p) => p.path === preferred)) port.value = preferred;
    else if (!ports.value.some((p) => p.path === port.value)) port.value = free[0]?.path ?? null;
  }

  /** Why the last driver choice failed (shown by the port picker). */
  const driverError = ref<UserError | null>(null);

  /** station.setPortDriver: the operator's driver for a port, remembered by the station (by USB IDs). */
  async function setPortDriver(path: string, driver: DriverChoice): Promise<void> {
    try {
      const r = await call(station().station.setPortDriver({ port: path, driver }));
      ports.value = ports.value.map((p) => (p.path === path ? r.port : p));
      driverError.value = null;
      // Ports that share its USB IDs share the choice.
      void refreshPorts();
    } catch (e) {
      driverError.value = toUserError(e);
    }
  }

  /** station.status: auto mode and counters as the station has them. */
  async function loadStatus(): Promise<void> {
    try {
      const s = await call(station().station.status());
      counters.value = s.counters;
      autoMode.value = s.autoMode.enabled;
      halted.value = s.halted ?? null;
      if (s.autoMode.enabled) {
        if (s.autoMode.operator && !operator.value) operator.value = s.autoMode.operator;
        if (s.autoMode.workOrder && !workOrder.value) workOrder.value = s.autoMode.workOrder;
      }
    } catch (e) {
      error.value = toUserError(e);
    }
  }

  /** station.setAutoMode: provision every matching device as it is plugged in. */
  async function setAutoMode(enabled: boolean): Promise<void> {
    if (enabled && (!operator.value.trim() || !workOrderValid.value)) {
      error.value = { code: 'API_INVALID_ARGUMENT', what: 'Auto mode needs an operator.', fix: 'Enter or scan the operator (and a valid work order), then switch auto mode on.' };
      return;
    }
    try {
      const s = await call(station().station.setAutoMode(enabled
        ? {
          enabled: true, operator: operator.value.trim(),
          ...(workOrder.value.trim() ? { workOrder: workOrder.value.trim() } : {}),
          // The chosen port is served too: a fixture's adapter stays plugged while devices are swapped behind it.
          ...(port.value ? { port: port.value } : {}),
        }
        : { enabled: false }));
      autoMode.value = s.autoMode.enabled;
      counters.value = s.counters;
      error.value = null;
    } catch (e) {
      error.value = toUserError(e);
    }
  }

  /** station.resume: reopen the ledger once the cause is fixed; the alert stays (with the reason) while it is not. */
  async function resume(): Promise<void> {
    resuming.value = true;
    try {
      const s = await call(station().station.resume());
      halted.value = s.halted ?? null;
      autoMode.value = s.autoMode.enabled;
      counters.value = s.counters;
      resumeError.value = null;
    } catch (e) {
      resumeError.value = toUserError(e);
    } finally {
      resuming.value = false;
    }
  }

  /** station.resetCounters: a new shift. */
  async function resetCounters(): Promise<void> {
    try {
      counters.value = await call(station().station.resetCounters());
    } catch (e) {
      error.value = toUserError(e);
    }
  }

  /** Follow progress, plug-ins, counters and a halt. Returns one function that stops them all. */
  function subscribe(): Unsubscribe {
    const api = station().station;
    const offs = [
      api.onProgress(onProgress),
      api.onDevice((e) => {
        void refreshPorts(e.kind === 'attached' && !running.value ? e.port.path : undefined);
      }),
      api.onCounters((c) => {
        counters.value = c;
      }),
      api.onHalted((h) => {
        halted.value = h;
        autoMode.value = false;
      }),
    ];
    return () => offs.forEach((off) => off());
  }

  return {
    ports, port, selectedPort, stepDriver, stepRows, operator, workOrder, reissueReason, autoMode, counters, steps, runId, runDriver, deviceId, running, result,
    lastFailure, error, driverError, halted, resumeError, resuming, workOrderValid, canProvision, blocker, needsReissueReason, passed, failed,
    ratePerHour, provision, dismiss, retry, refreshPorts, loadStatus, setAutoMode, setPortDriver, resetCounters, resume, subscribe, onProgress,
  };
});
