/**
 * The station service: implements every method of the station API contract
 * (electron/shared/api.ts) on top of the core modules, which are handed in as
 * ports (ports.ts). Pure Node: no electron import; the Electron shell and the
 * HTTP test bridge both call it through `dispatch`.
 *
 * Secrets never leave this object: the passphrase is passed to the authority
 * port and dropped; results carry certificates, requests and fingerprints only.
 */
import { randomUUID } from 'node:crypto';
import { writeFile, mkdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { CustodianError } from '../errors';
import { INPUT_LIMITS, readBoundedSync } from '../bounded-read';
import { ApiCodes } from '../../shared/errors';
import type { AppStatus } from '../../shared/api/app';
import type { CertificateSummary } from '../../shared/api/common';
import type { PortInfo, ShiftCounters, StationHalt, StationStatus } from '../../shared/api/station';
import type { Settings } from '../../shared/api/settings';
import type { DriverChoice, DriverName } from '../../shared/drivers';
import { rememberedDriver } from '../line/station-drivers';
import type { LedgerEntryDetail, LedgerEntrySummary, LedgerVerification } from '../../shared/api/ledger';
import type { EventName, EventPayload } from '../../shared/api';
import type { StationApiImpl } from './dispatch';
import { StationEvents } from './events';
import { FileHandles, type FilePicker } from './file-handles';
import { SettingsStore } from '../line/station-settings';
import { summariseChain } from './certificate-summary';
import { createAuthorityApi } from './authority-api';
import {
  need, type AuthorityPort, type DevicePort, type HaltReport, type LedgerEntryFacts, type LedgerPort, type ProgressReport, type ProvisionRequest, type ProvisionSummary,
  type SimulatorPort, type WorkflowPort, type WorkOrderPort,
} from './ports';
import { PortWatcher } from './port-watcher';
import { LineBoard } from './line-board';

/** Services the host platform provides (Electron in the app, scripted fakes in tests and the bridge). */
export interface PlatformServices {
  files: FilePicker;
  now?: () => Date;
  notify?: (title: string, body: string) => void;
  version: string;
  platform: NodeJS.Platform;
}

export interface StationServiceDeps {
  /** The station home: settings.json lives here. */
  home: string;
  platform: PlatformServices;
  authority?: AuthorityPort;
  devices?: DevicePort;
  workflow?: WorkflowPort;
  ledger?: LedgerPort;
  simulator?: SimulatorPort;
  workOrders?: WorkOrderPort;
  /** Poll interval of the plug-in watcher (auto mode, station.device events). */
  watchIntervalMs?: number;
  /**
   * Records each settings change (the station ledger's `config` record). Awaited
   * after the new settings are saved; a rejection fails the update call.
   */
  recordConfigChange?: (change: { key: string; value: unknown; previous: unknown }) => Promise<void>;
  /** Called last on shutdown (close the ledger, …). */
  dispose?: () => void | Promise<void>;
  /** Verify every ledger entry in the background once the service has started (the app; the ledger.verification event tells its progress). */
  verifyLedgerOnStart?: boolean;
}

export interface StationService {
  readonly api: StationApiImpl;
  on<E extends EventName>(event: E, listener: (p: EventPayload<E>) => void): () => void;
  /** Load settings and start the plug-in watcher. */
  start(): Promise<void>;
  /** Lock the CA, stop the watcher and simulated devices (app quit). */
  shutdown(): Promise<void>;
}

const toWritten = (path: string, bytes: number) => ({ name: basename(path), bytes });

export function createStationService(deps: StationServiceDeps): StationService {
  const now = () => (deps.platform.now ? deps.platform.now() : new Date());
  const events = new StationEvents();
  const settings = new SettingsStore(deps.home);
  const files = new FileHandles(deps.platform.files, () => now().getTime());
  const busy = new Set<string>();
  let counters: ShiftCounters = { shiftStartedAt: now().toISOString(), issued: 0, reissued: 0, failed: 0 };
  let autoMode: { enabled: boolean; operator: string | null; workOrder: string | null } = { enabled: false, operator: null, workOrder: null };

  const writeTarget = async (handle: string, purposes: Parameters<FileHandles['take']>[2], text: string) => {
    const path = files.take(handle, 'save', purposes);
    await writeFile(path, text, { mode: 0o644 });
    return toWritten(path, Buffer.byteLength(text));
  };
  const authorityApi = createAuthorityApi({ port: deps.authority, settings, events, files, writeTarget, now });
  /** Signing or authority activity: restart the idle timer while the CA is unlocked. */
  const activity = () => authorityApi.activity();

  /** Aborted on shutdown: runs in flight stop before their next step. */
  const quitting = new AbortController();
  /** Provisioning runs and serve loops in flight (shutdown waits for them). */
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  };

  // The ledger cannot be written: nothing is signed or served until station.resume reopens it.
  let halt: StationHalt | null = null;
  const haltPayload = (h: HaltReport): StationHalt => ({
    code: h.error.code, message: h.error.message.slice(0, 2000), statements: h.statements.slice(0, 64).map((l) => l.slice(0, 2000)), at: h.at,
  });
  function onHalt(h: HaltReport): void {
    halt = haltPayload(h);
    // Auto mode ends with the halt: after station.resume the operator switches it on again deliberately.
    autoMode = { enabled: false, operator: null, workOrder: null };
    stopServing();
    events.emit('station.halted', halt);
    deps.platform.notify?.('Custodian stopped signing', h.error.message);
  }
  deps.workflow?.onHalt?.(onHalt);

  // The full verification (after start, and on ledger.verify): one at a time, its state pushed as it goes.
  let ledgerCheck: LedgerVerification | null = null;
  let checking: Promise<Awaited<ReturnType<LedgerPort['verify']>>> | null = null;
  const tellCheck = (c: LedgerVerification): void => {
    ledgerCheck = c;
    events.emit('ledger.verification', c);
  };
  function checkLedger(ledger: LedgerPort): Promise<Awaited<ReturnType<LedgerPort['verify']>>> {
    if (checking) return checking;
    const started = { state: 'running' as const, entries: 0, size: 0, startedAt: now().toISOString(), finishedAt: null, error: null };
    tellCheck(started);
    checking = ledger.verify((p) => tellCheck({ ...started, entries: p.entries, size: p.size }))
      .then((r) => {
        const bad = r.anomalies.find((a) => a.code === 'LEDGER_TAMPERED') ?? (r.ok ? undefined : r.anomalies[0]);
        tellCheck({
          ...started, state: bad?.code === 'LEDGER_TAMPERED' ? 'failed' : 'passed', entries: r.size, size: r.size, finishedAt: now().toISOString(),
          error: bad?.code === 'LEDGER_TAMPERED' ? { code: bad.code, message: bad.message.slice(0, 2000) } : null,
        });
        return r;
      }, (e: unknown) => {
        const err = e as { code?: string; message?: string };
        tellCheck({ ...started, state: 'failed', finishedAt: now().toISOString(), error: { code: err.code ?? 'LEDGER_VERIFY_FAILED', message: String(err.message ?? e).slice(0, 2000) } });
        throw e;
      })
      .finally(() => { checking = null; });
    return checking;
  }
  /** Refuses while halted, with the halt's own error (before any port is claimed). */
  function assertNotHalted(): void {
    const h = deps.workflow?.halted?.();
    if (h) {
      if (!halt) onHalt(h);
      throw new CustodianError(h.error.code, h.error.message, { ...h.error.details, statements: h.statements });
    }
  }

  function stationStatus(): StationStatus {
    return { autoMode: { ...autoMode }, counters: { ...counters }, busyPorts: [...busy], halted: halt, ledgerCheck };
  }

  // A port's driver: remembered by USB IDs in the settings; for a port without them, this session's choice.
  const sessionDrivers = new Map<string, DriverName>();
  /** The driver that last reached a device on a port, while it stays attached. */
  const detectedDrivers = new Map<string, DriverName>();
  function driverOf(p: { path: string; vendorId: string | null; productId: string | null }): { driver: DriverChoice; driverRemembered: boolean } {
    const remembered = rememberedDriver(settings.value, p);
    if (remembered) return { driver: remembered, driverRemembered: true };
    return { driver: p.vendorId ? 'auto' : (sessionDrivers.get(p.path) ?? 'auto'), driverRemembered: false };
  }
  const withDriver = (p: Omit<PortInfo, 'driver' | 'detectedDriver' | 'driverRemembered'>): PortInfo =>
    ({ ...p, ...driverOf(p), detectedDriver: detectedDrivers.get(p.path) ?? null });

  async function listPorts(filter?: { vendorId: string; productId?: string | undefined }[], all?: boolean): Promise<PortInfo[]> {
    const raw = deps.devices ? await deps.devices.listPorts() : [];
    const f = all ? [] : (filter ?? settings.value.usbFilter);
    const norm = (s?: string) => (s ? s.toLowerCase().padStart(4, '0') : null);
    const real: PortInfo[] = raw
      .map((p) => withDriver({
        path: p.path, vendorId: norm(p.vendorId), productId: norm(p.productId),
        manufacturer: p.manufacturer ?? null, serialNumber: p.serialNumber ?? null, simulated: false, busy: busy.has(p.path),
      }))
      .filter((p) => f.length === 0 || f.some((x) => x.vendorId === p.vendorId && (!x.productId || x.productId === p.productId)));
    const simulated: PortInfo[] = (deps.simulator?.list() ?? []).map((s) => withDriver({
      path: s.port, vendorId: null, productId: null, manufacturer: 'Custodian simulator', serialNumber: s.deviceId, simulated: true, busy: busy.has(s.port),
    }));
    return [...real, ...simulated];
  }

  // The Line view's heads: whether auto mode serves a port is known once `serving` exists below.
  const board = new LineBoard((port) => autoMode.enabled && serving.has(port), (head) => events.emit('station.head', head));

  const progressOf = (runId: string, port: string, auto: boolean) => (p: ProgressReport) => {
    if (p.driver) detectedDrivers.set(port, p.driver);
    const progress = {
      runId, port, step: p.step, state: p.state, at: now().toISOString(),
      deviceId: p.deviceId ?? null, serialHex: p.serialHex ?? null, error: p.error ?? null, auto,
      ...(p.driver ? { driver: p.driver } : {}), ...(p.proof ? { proof: p.proof } : {}),
    };
    events.emit('station.progress', progress);
    board.progress(progress);
  };

  /** The driver chosen for a port now (the port as listed, or `auto` when it is not). */
  async function chosenDriver(port: string): Promise<DriverChoice> {
    const p = (await listPorts(undefined, true)).find((x) => x.path === port);
    return p ? p.driver : 'auto';
  }

  const runRequest = (
    port: string, driver: DriverChoice, who: { operator: string; workOrder?: string | undefined; reissueReason?: string | undefined; renewal?: ProvisionRequest['renewal'] }, auto: boolean,
  ): ProvisionRequest => {
    const runId = randomUUID();
    return {
      runId, port, driver, operator: who.operator, workOrder: who.workOrder, reissueReason: who.reissueReason, ...(who.renewal ? { renewal: who.renewal } : {}),
      settings: settings.value, onProgress: progressOf(runId, port, auto), signal: quitting.signal,
    };
  };

  /** Save a settings patch and record each changed key (the ledger's `config` record). */
  async function updateSettings(patch: Parameters<SettingsStore['update']>[0]): Promise<Settings> {
    const before = settings.value as Record<string, unknown>;
    const s = await settings.update(patch);
    if (deps.recordConfigChange) {
      const after = s as Record<string, unknown>;
      for (const key of Object.keys(patch)) {
        if (JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
        await deps.recordConfigChange({ key, value: after[key], previous: before[key] });
      }
    }
    return s;
  }

  /** station.setPortDriver: remember the choice by the port's USB IDs (or for this session), and list the port again. */
  async function setPortDriver(port: string, driver: DriverChoice): Promise<{ port: PortInfo }> {
    const p = (await listPorts(undefined, true)).find((x) => x.path === port);
    if (!p) throw new CustodianError('DEVICE_NOT_FOUND', 'That port is not connected. Refresh the port list and choose again.', { port });
    if (busy.has(port)) throw new CustodianError(ApiCodes.BUSY, 'That port is being provisioned: change its driver when the run has ended (or auto mode is off).', { port });
    if (p.vendorId) {
      const vendorId = p.vendorId;
      const productId = p.productId ?? undefined;
      const same = (r: { vendorId: string; productId?: string | undefined }) => r.vendorId === vendorId && r.productId === productId;
      const current = settings.value.drivers;
      const byUsb = [
        ...current.byUsb.filter((r) => !same(r)),
        ...(driver === 'auto' ? [] : [{ vendorId, ...(productId ? { productId } : {}), driver }]),
      ];
      await updateSettings({ drivers: { ...current, byUsb } });
    } else if (driver === 'auto') sessionDrivers.delete(port);
    else sessionDrivers.set(port, driver);
    // What it was detected as no longer speaks for a new choice.
    if (driver !== 'auto') detectedDrivers.delete(port);
    const now = (await listPorts(undefined, true)).find((x) => x.path === port);
    return { port: now ?? withDriver(p) };
  }

  const failureOf = (e: unknown): { ok: false; code: string; message: string } =>
    e instanceof CustodianError ? { ok: false, code: e.code, message: e.message } : { ok: false, code: ApiCodes.INTERNAL, message: 'The run failed unexpectedly.' };

  /** Counts a finished run and announces its ledger entry. */
  function settle(r: { ok: true; summary: ProvisionSummary } | { ok: false }): void {
    if (r.ok) {
      counters = { ...counters, issued: counters.issued + 1, reissued: counters.reissued + (r.summary.reissued ? 1 : 0) };
      events.emit('ledger.appended', { index: r.summary.ledgerIndex, status: 'issued', deviceId: r.summary.deviceId });
    } else {
      counters = { ...counters, failed: counters.failed + 1 };
    }
    events.emit('station.counters', counters);
  }

  /** Claims the port synchronously: two calls for one port can never both get past here. */
  function claim(port: string): void {
    if (busy.has(port)) throw new CustodianError(ApiCodes.BUSY, 'That port is already being provisioned.', { port });
    busy.add(port);
  }

  /** Only ports the station itself lists (real or simulated) can be opened: the UI cannot name arbitrary paths. */
  async function assertListed(port: string): Promise<void> {
    if (!(await listPorts(undefined, true)).some((p) => p.path === port)) {
      throw new CustodianError('DEVICE_NOT_FOUND', 'That port is not connected. Refresh the port list and choose again.', { port });
    }
  }

  async function provision(req: { port: string; operator: string; workOrder?: string | undefined; reissueReason?: string | undefined; renewal?: ProvisionRequest['renewal'] }) {
    const workflow = need(deps.workflow, 'provisioning workflow');
    assertNotHalted();
    if (quitting.signal.aborted) throw new CustodianError('WORKFLOW_CANCELLED', 'The station is shutting down.', {});
    claim(req.port);
    const started = Date.now();
    let attempted = false;
    try {
      await assertListed(req.port);
      attempted = true;
      await activity();
      const run = runRequest(req.port, await chosenDriver(req.port), req, false);
      const summary = await track(workflow.provision(run));
      settle({ ok: true, summary });
      board.result(req.port, now().toISOString(), { ok: true, deviceId: summary.deviceId, serialHex: summary.serialHex });
      return { runId: run.runId, ...summary, durationMs: Date.now() - started };
    } catch (e) {
      if (attempted) {
        settle({ ok: false });
        board.result(req.port, now().toISOString(), failureOf(e));
      }
      throw e;
    } finally {
      busy.delete(req.port);
      if (attempted) await activity();
    }
  }

  /** Auto mode: one serve loop per port, the same loop as `provision --watch`. */
  const serving = new Map<string, AbortController>();
  /** Heads resumed while their paused loop was still ending: served again once it has. */
  const resumeAfterStop = new Set<string>();
  function serve(port: string): void {
    if (!autoMode.enabled || !autoMode.operator || serving.has(port) || busy.has(port) || halt || quitting.signal.aborted || board.isPaused(port)) return;
    const workflow = need(deps.workflow, 'provisioning workflow');
    if (workflow.halted?.()) return;
    claim(port);
    const stop = new AbortController();
    serving.set(port, stop);
    const who = { operator: autoMode.operator, workOrder: autoMode.workOrder ?? undefined };
    void track(chosenDriver(port).then((driver) => workflow.serve({
      port,
      driver,
      settings: settings.value,
      signal: stop.signal,
      nextRun: () => {
        void activity();
        return runRequest(port, driver, who, true);
      },
      onResult: (_run, r) => {
        settle(r);
        board.result(port, now().toISOString(), r.ok ? { ok: true, deviceId: r.summary.deviceId, serialHex: r.summary.serialHex } : failureOf(r.error));
        void activity();
      },
    })).catch(() => undefined /* a port that cannot be served is retried by the loop until it goes away */)
      .finally(() => {
        serving.delete(port);
        busy.delete(port);
        board.touch(port);
        if (resumeAfterStop.delete(port)) serve(port);
      }));
    board.touch(port);
  }
  function stopServing(port?: string): void {
    for (const [p, stop] of serving) if (port === undefined || p === port) stop.abort();
  }

  const watcher = new PortWatcher(() => listPorts(), deps.watchIntervalMs ?? 1000, (kind, port) => {
    events.emit('station.device', { kind, port });
    if (kind === 'attached') serve(port.path);
    else {
      stopServing(port.path);
      detectedDrivers.delete(port.path);
      sessionDrivers.delete(port.path);
    }
  });

  const entrySummary = (e: LedgerEntryFacts): LedgerEntrySummary => ({
    index: e.index, time: e.time, status: e.status, deviceId: e.deviceId, serialHex: e.serialHex,
    workOrder: e.workOrder, operator: e.operator, reissue: e.reissue, type: e.type, text: e.text,
  });

  const api: StationApiImpl = {
    async 'app.status'(): Promise<AppStatus> {
      const a = await authorityApi.status();
      const p = deps.platform.platform;
      return {
        version: deps.platform.version,
        firstRun: a.state === 'none',
        authorityConfigured: a.state !== 'none',
        simulatorAvailable: deps.simulator !== undefined && settings.value.simulatorEnabled,
        platform: p === 'linux' || p === 'darwin' || p === 'win32' ? p : 'other',
        features: { authority: !!deps.authority, station: !!deps.workflow, ledger: !!deps.ledger, simulator: !!deps.simulator },
      };
    },

    ...authorityApi.methods,

    // ── station ──────────────────────────────────────────────────────────────
    async 'station.status'() { return stationStatus(); },
    async 'station.listPorts'(a) { return { ports: await listPorts(a?.filter, a?.all) }; },
    async 'station.provision'(a) { return provision(a); },
    async 'station.setAutoMode'(a) {
      if (a.enabled) {
        need(deps.workflow, 'provisioning workflow');
        assertNotHalted();
        if (a.port) await assertListed(a.port);
        autoMode = { enabled: true, operator: a.operator, workOrder: a.workOrder ?? null };
        if (a.port) serve(a.port);
      } else {
        autoMode = { enabled: false, operator: null, workOrder: null };
        stopServing();
      }
      return stationStatus();
    },
    async 'station.setPortDriver'(a) { return setPortDriver(a.port, a.driver); },
    async 'station.resume'() {
      const workflow = need(deps.workflow, 'provisioning workflow');
      try {
        await workflow.resume?.();
      } catch (e) {
        // Still failing: the halt stays, with this attempt's reason.
        const h = workflow.halted?.();
        if (h) onHalt(h);
        throw e;
      }
      const h = workflow.halted?.();
      if (h) {
        onHalt(h);
        throw new CustodianError(h.error.code, h.error.message, { ...h.error.details, statements: h.statements });
      }
      halt = null;
      return stationStatus();
    },
    async 'station.line'() {
      const ports = (await listPorts()).map((p) => p.path);
      return { autoMode: autoMode.enabled, ...board.list(ports) };
    },
    async 'station.setHeadAuto'({ port, enabled }) {
      await assertListed(port);
      board.setPaused(port, !enabled);
      if (!enabled) {
        resumeAfterStop.delete(port);
        stopServing(port);
      } else if (serving.has(port)) {
        resumeAfterStop.add(port); // still ending after a pause: served again once it has
      } else {
        serve(port);
      }
      return board.state(port);
    },
    async 'station.resetCounters'() {
      counters = { shiftStartedAt: now().toISOString(), issued: 0, reissued: 0, failed: 0 };
      events.emit('station.counters', counters);
      return { ...counters };
    },

    // ── ledger ───────────────────────────────────────────────────────────────
    async 'ledger.page'({ start, count }) {
      const l = need(deps.ledger, 'ledger');
      const size = await l.size();
      const entries = start >= size ? [] : await l.read(start, Math.min(count, size - start));
      return { size, entries: entries.map(entrySummary) };
    },
    async 'ledger.search'({ by, value, limit }) {
      const r = await need(deps.ledger, 'ledger').search(by, value, limit);
      return { entries: r.entries.map(entrySummary), truncated: r.truncated };
    },
    async 'ledger.entry'({ index }): Promise<LedgerEntryDetail> {
      const e = await need(deps.ledger, 'ledger').entry(index);
      const chain: CertificateSummary[] = e.chainDer ? summariseChain(e.chainDer) : [];
      return {
        ...entrySummary(e),
        reissueReason: e.reissueReason ?? null, profile: e.profile ?? null, issuerFingerprint: e.issuerFingerprint ?? null,
        spkiSha256: e.spkiSha256 ?? null,
        certificate: e.certificateDer ? summariseChain([e.certificateDer, ...(e.chainDer ?? [])])[0]! : null,
        chain, failure: e.failure ?? null, entryHash: e.entryHash ?? null, revocation: e.revocation ?? null,
      };
    },
    async 'ledger.exportAuditBundle'({ target }) {
      const l = need(deps.ledger, 'ledger');
      const dir = files.take(target, 'directory', ['audit-bundle']);
      await mkdir(dir, { recursive: true });
      const r = await l.exportAuditBundle(dir);
      return { written: toWritten(r.path ?? dir, r.bytes), size: r.size };
    },
    async 'ledger.exportProof'({ index, target }) {
      const text = await need(deps.ledger, 'ledger').proof(index);
      return { written: await writeTarget(target, ['proof'], text) };
    },
    async 'ledger.verify'() {
      const r = await checkLedger(need(deps.ledger, 'ledger'));
      return { ...r, checkedAt: now().toISOString() };
    },
    async 'ledger.revoke'(req) {
      const l = need(deps.ledger, 'ledger');
      const revoked = await need(l.revoke?.bind(l), 'revocation')(req);
      for (const r of revoked) events.emit('ledger.appended', { index: r.index, status: 'info', deviceId: r.deviceId ?? '' });
      return { revoked };
    },

    // ── settings ─────────────────────────────────────────────────────────────
    async 'settings.get'() { return settings.value; },
    async 'settings.update'(patch) {
      const s = await updateSettings(patch);
      if (patch.autoLockMinutes !== undefined) await activity();
      if (patch.simulatorEnabled === false && deps.simulator) await deps.simulator.stopAll();
      return s;
    },

    // ── simulator ────────────────────────────────────────────────────────────
    async 'simulator.status'() {
      return { enabled: settings.value.simulatorEnabled, devices: deps.simulator?.list() ?? [] };
    },
    async 'simulator.start'(a) {
      const sim = need(deps.simulator, 'simulator');
      if (!settings.value.simulatorEnabled) throw new CustodianError(ApiCodes.SIMULATOR_DISABLED, 'The device simulator is switched off.');
      const d = await sim.start({ deviceId: a?.deviceId, model: a?.model });
      void watcher.poll();
      return d;
    },
    async 'simulator.stop'({ id }) {
      const sim = need(deps.simulator, 'simulator');
      if (!sim.list().some((d) => d.id === id)) throw new CustodianError(ApiCodes.SIMULATOR_UNKNOWN_DEVICE, 'That simulated device is no longer running.', { id });
      await sim.stop(id);
      void watcher.poll();
      return { enabled: settings.value.simulatorEnabled, devices: sim.list() };
    },

    // ── work orders ──────────────────────────────────────────────────────────
    async 'workOrders.list'() { return need(deps.workOrders, 'work-orders').list(settings.value); },
    async 'workOrders.import'({ file }) {
      const w = need(deps.workOrders, 'work-orders');
      const path = files.take(file, 'open', ['work-order']);
      return w.import(new Uint8Array(readBoundedSync(path, { limit: INPUT_LIMITS.workOrder, what: 'signed work order', regularOnly: true })));
    },

    // ── files ────────────────────────────────────────────────────────────────
    async 'files.open'({ purpose }) { return files.pick('open', purpose); },
    async 'files.save'({ purpose, suggestedName }) { return files.pick('save', purpose, suggestedName); },
    async 'files.pickDirectory'({ purpose }) { return files.pick('directory', purpose); },
  };

  return {
    api,
    on: (event, listener) => events.on(event, listener),
    async start() {
      await settings.load();
      watcher.start();
      // After open, in the background: the station serves (and signs) meanwhile; a tamper it finds halts it.
      if (deps.verifyLedgerOnStart && deps.ledger) {
        const ledger = deps.ledger;
        setImmediate(() => { void track(checkLedger(ledger).catch(() => undefined)); });
      }
    },
    async shutdown() {
      watcher.stop();
      stopServing();
      // The device in flight stops before its next step (never inside intent → sign → record): wait for it, so
      // its records are written before the ledger is closed (dispose) and the lock released.
      quitting.abort();
      await Promise.allSettled([...inFlight]);
      await authorityApi.lock('quit').catch(() => undefined);
      await deps.simulator?.stopAll().catch(() => undefined);
      await deps.dispose?.();
    },
  };
}
