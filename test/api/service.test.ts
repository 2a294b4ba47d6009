import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiCodes, METHOD_NAMES, type ApiResult, type EventPayload } from '../../electron/shared/api';
import { dispatch } from '../../electron/core/service/dispatch';
import { createStationService, type StationService } from '../../electron/core/service/station-service';
import type { ProvisionRequest, ProvisionSummary, ServeRequest } from '../../electron/core/service/ports';
import { SettingsStore } from '../../electron/core/line/station-settings';
import { issuancePolicyFromSettings } from '../../electron/core/station/policy';
import type { Settings } from '../../electron/shared/api/settings';
import { ScriptedFilePicker } from '../../electron/core/service/bridge';
import { PkiTestAuthority } from '../support/pki-authority';
import { validArg } from '../support/api-samples';

let home: string;
beforeEach(async () => { home = await mkdtemp(join(tmpdir(), 'custodian-svc-')); });
afterEach(async () => { vi.useRealTimers(); await rm(home, { recursive: true, force: true }); });

function make(extra: Partial<Parameters<typeof createStationService>[0]> = {}) {
  const picker = new ScriptedFilePicker();
  const service = createStationService({ home, platform: { files: picker, version: '9.9.9', platform: 'linux' }, ...extra });
  return { service, picker };
}
const call = (s: StationService, m: string, arg?: unknown) => dispatch(s.api, m, arg);
/** What a passed run reports about its driver and proofs. */
const PROOFS: Pick<ProvisionSummary, 'driver' | 'finalProof' | 'proofs'> = { driver: 'custodian', finalProof: 'challenge', proofs: ['csr-signature', 'read-back', 'final-challenge'] };
function ok<T>(r: ApiResult<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

describe('station service: unwired areas', () => {
  it('answers API_NOT_AVAILABLE for areas whose core module is not given, and reports first run', async () => {
    const { service } = make();
    await service.start();
    const status = ok(await call(service, 'app.status'));
    expect(status).toMatchObject({ firstRun: true, authorityConfigured: false, features: { authority: false, ledger: false, station: false, simulator: false } });
    for (const m of ['authority.unlock', 'ledger.page', 'station.provision', 'simulator.start', 'authority.createDemoAuthority'] as const) {
      const r = await call(service, m, validArg(m));
      expect(r.ok ? 'ok' : r.error.code, m).toBe(ApiCodes.NOT_AVAILABLE);
    }
    await service.shutdown();
  });
});

describe('station service: authority with a real CA key', () => {
  it('never returns the CA key or the passphrase from any authority method', async () => {
    const authority = new PkiTestAuthority();
    const { service } = make({ authority });
    await service.start();
    const passphrase = 'demo passphrase 1234';
    const results: unknown[] = [];
    results.push(ok(await call(service, 'authority.createDemoAuthority', { passphrase })));
    results.push(ok(await call(service, 'authority.lock')));
    results.push(ok(await call(service, 'authority.unlock', { passphrase })));
    for (const m of METHOD_NAMES.filter((n) => n.startsWith('authority.') || n === 'app.status')) {
      results.push(await call(service, m, validArg(m)));
    }
    results.push(ok(await call(service, 'authority.verificationCert', { code: 'REGCODE1' })));
    const key = Buffer.from(await authority.privateKeyBytes());
    const json = JSON.stringify(results);
    expect(json).toContain('BEGIN CERTIFICATE'); // the scan looks at real output
    expect(json).not.toContain('PRIVATE KEY');
    expect(json).not.toContain(passphrase);
    // the key's bytes in any encoding a bug might use
    for (const enc of ['base64', 'hex', 'base64url'] as const) expect(json).not.toContain(key.toString(enc));
    // nor the EC private scalar (last 32 bytes of the PKCS#8 structure's octet string)
    const jwk = await crypto.subtle.exportKey('jwk', authority.keys!.privateKey);
    expect(json).not.toContain(jwk.d!);
    await service.shutdown();
  });

  it('summarises the chain with fingerprints, expiry and pathLen room', async () => {
    const authority = new PkiTestAuthority();
    const { service } = make({ authority });
    ok(await call(service, 'authority.createDemoAuthority', { passphrase: 'demo passphrase 1234' }));
    const { certificates } = ok(await call(service, 'authority.chain')) as { certificates: { subject: string; pathLen: number; pathLenRoom: number; fingerprint: string; isCa: boolean }[] };
    expect(certificates).toHaveLength(1);
    expect(certificates[0]).toMatchObject({ subject: 'CN=Custodian Demo Root', isCa: true, pathLen: 1, pathLenRoom: 1 });
    expect(certificates[0]!.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('locks the CA after the idle time, resets the timer on authority calls, and announces it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const authority = new PkiTestAuthority();
    const { service } = make({ authority });
    await service.start();
    ok(await call(service, 'settings.update', { autoLockMinutes: 2 }));
    const events: EventPayload<'authority.lockState'>[] = [];
    service.on('authority.lockState', (e) => events.push(e));
    const st = ok(await call(service, 'authority.createDemoAuthority', { passphrase: 'demo passphrase 1234' })) as { status: { autoLockAt: string } };
    expect(Date.parse(st.status.autoLockAt) - Date.now()).toBe(120_000);

    await vi.advanceTimersByTimeAsync(90_000);
    ok(await call(service, 'authority.chain')); // activity: timer restarts
    await vi.advanceTimersByTimeAsync(90_000);
    expect(authority.unlocked).toBe(true);
    await vi.advanceTimersByTimeAsync(31_000);
    expect(authority.unlocked).toBe(false);
    expect(events.at(-1)).toMatchObject({ state: 'locked', reason: 'idle' });
    const s = ok(await call(service, 'authority.status')) as { state: string; autoLockAt: null };
    expect(s).toMatchObject({ state: 'locked', autoLockAt: null });
  });

  it('never starts the idle timer for a locked CA (no spurious lock events)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const authority = new PkiTestAuthority();
    const { service } = make({ authority });
    await service.start();
    ok(await call(service, 'settings.update', { autoLockMinutes: 1 }));
    ok(await call(service, 'authority.createDemoAuthority', { passphrase: 'demo passphrase 1234' }));
    ok(await call(service, 'authority.lock'));
    const events: EventPayload<'authority.lockState'>[] = [];
    service.on('authority.lockState', (e) => events.push(e));
    await call(service, 'authority.chain');
    await call(service, 'authority.verificationCert', { code: 'ABC' });
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(events).toEqual([]);
    expect(authority.calls.filter((c) => c === 'lock')).toHaveLength(1);
  });

  it('locks the CA on shutdown (quit)', async () => {
    const authority = new PkiTestAuthority();
    const { service } = make({ authority });
    ok(await call(service, 'authority.createDemoAuthority', { passphrase: 'demo passphrase 1234' }));
    expect(authority.unlocked).toBe(true);
    await service.shutdown();
    expect(authority.unlocked).toBe(false);
  });
});

describe('station service: settings and files', () => {
  it('persists settings as JSON in the station home and refuses an invalid device-ID rule', async () => {
    const { service } = make();
    await service.start();
    ok(await call(service, 'settings.update', { autoLockMinutes: 7, deviceIdRule: { pattern: '^dev-[0-9]{4}$', example: 'dev-0001' } }));
    const saved = JSON.parse(await readFile(join(home, 'settings.json'), 'utf8'));
    expect(saved).toMatchObject({ autoLockMinutes: 7, deviceIdRule: { pattern: '^dev-[0-9]{4}$' } });
    const bad = await call(service, 'settings.update', { deviceIdRule: { pattern: '^dev-(', example: '' } });
    expect(bad.ok || bad.error.code).toBe(ApiCodes.SETTINGS_INVALID);
    const unanchored = await call(service, 'settings.update', { deviceIdRule: { pattern: 'dev', example: 'dev' } });
    expect(unanchored.ok || unanchored.error.code).toBe(ApiCodes.SETTINGS_INVALID);

    const again = make().service;
    await again.start();
    expect(ok(await call(again, 'settings.get'))).toMatchObject({ autoLockMinutes: 7 });
  });

  it('refuses, when saved, a leaf lifetime or backdate the station cannot honour, naming the limit', async () => {
    const { service } = make();
    await service.start();
    const long = await call(service, 'settings.update', { validity: { leafDays: 3653, backdateMinutes: 60 } });
    expect(long.ok || long.error.code).toBe(ApiCodes.INVALID_ARGUMENT);
    expect(long.ok || long.error.message).toMatch(/validity\.leafDays: must be at most 3652 days/);
    const skew = await call(service, 'settings.update', { validity: { leafDays: 30, backdateMinutes: 1441 } });
    expect(skew.ok || skew.error.message).toMatch(/validity\.backdateMinutes: must be at most 1440 minutes/);
    expect(ok(await call(service, 'settings.get'))).toMatchObject({ validity: { leafDays: 1826, backdateMinutes: 60 } });
    // The profile's own limit is accepted, and is what the workflow can issue.
    ok(await call(service, 'settings.update', { validity: { leafDays: 3652, backdateMinutes: 0 } }));
    expect(issuancePolicyFromSettings(ok(await call(service, 'settings.get')) as Settings)).toMatchObject({ validityDays: 3652, backdateMinutes: 0 });
    // The store refuses it too, for a caller that is not the API (a settings file written by hand is loaded through it).
    await expect(new SettingsStore(home).update({ validity: { leafDays: 10_950, backdateMinutes: 0 } })).rejects.toMatchObject({
      code: ApiCodes.SETTINGS_INVALID, message: expect.stringMatching(/at most 3652 days/),
    });
  });

  it('falls back to defaults when settings.json is corrupt', async () => {
    await writeFile(join(home, 'settings.json'), '{not json');
    const { service } = make();
    await service.start();
    expect(ok(await call(service, 'settings.get'))).toMatchObject({ autoLockMinutes: 15 });
  });

  it('hands out one-use file handles and never reveals the path', async () => {
    const authority = new PkiTestAuthority();
    const { service, picker } = make({ authority });
    ok(await call(service, 'authority.createDemoAuthority', { passphrase: 'demo passphrase 1234' }));
    const target = join(home, 'chain.pem');
    picker.queueSave(target);
    const pick = ok(await call(service, 'files.save', { purpose: 'chain', suggestedName: 'chain.pem' })) as { canceled: false; handle: string; name: string };
    expect(pick).toEqual({ canceled: false, handle: expect.stringMatching(/^fh_/), name: 'chain.pem' });
    expect(JSON.stringify(pick)).not.toContain(home);
    ok(await call(service, 'authority.exportChain', { target: pick.handle }));
    expect(await readFile(target, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const reuse = await call(service, 'authority.exportChain', { target: pick.handle });
    expect(reuse.ok || reuse.error.code).toBe(ApiCodes.FILE_HANDLE_INVALID);
    // an open-handle cannot be used to write
    picker.queueOpen(join(home, 'settings.json'));
    const openPick = ok(await call(service, 'files.open', { purpose: 'any' })) as { handle: string };
    const wrongMode = await call(service, 'authority.exportChain', { target: openPick.handle });
    expect(wrongMode.ok || wrongMode.error.code).toBe(ApiCodes.FILE_HANDLE_INVALID);
    // canceled dialog
    expect(ok(await call(service, 'files.open', { purpose: 'csr' }))).toEqual({ canceled: true });
  });
});

describe('station service: ports and auto mode', () => {
  it('filters ports by USB vendor/product and reports plug-in events', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const ports = [{ path: '/dev/ttyUSB0', vendorId: '10C4', productId: 'EA60' }, { path: '/dev/ttyS0' }];
    const { service } = make({ devices: { listPorts: async () => ports }, watchIntervalMs: 100 });
    await service.start();
    const filtered = ok(await call(service, 'station.listPorts', { filter: [{ vendorId: '10c4' }] })) as { ports: { path: string }[] };
    expect(filtered.ports.map((p) => p.path)).toEqual(['/dev/ttyUSB0']);
    const all = ok(await call(service, 'station.listPorts')) as { ports: unknown[] };
    expect(all.ports).toHaveLength(2);

    const seen: EventPayload<'station.device'>[] = [];
    service.on('station.device', (e) => seen.push(e));
    ports.push({ path: '/dev/ttyACM0', vendorId: '2341', productId: '0043' });
    await vi.advanceTimersByTimeAsync(150);
    expect(seen).toEqual([expect.objectContaining({ kind: 'attached', port: expect.objectContaining({ path: '/dev/ttyACM0', vendorId: '2341' }) })]);
    await service.shutdown();
  });

  it('auto mode serves each newly attached port (and the chosen one) device after device, and stops serving it when it goes away', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const ports: { path: string }[] = [{ path: '/dev/ttyUSB0' }];
    const served: { port: string; signal: AbortSignal }[] = [];
    const serve = vi.fn(async (req: ServeRequest) => {
      served.push({ port: req.port, signal: req.signal });
      // Two devices in a row behind one port, as a fixture sees them.
      for (const id of ['dev-7', 'dev-8']) {
        const run = req.nextRun();
        run.onProgress({ step: 'done', state: 'succeeded', deviceId: id });
        req.onResult(run, { ok: true, summary: { deviceId: id, serialHex: '0a', fingerprint: 'f'.repeat(64), ledgerIndex: id === 'dev-7' ? 3 : 5, reissued: false, ...PROOFS } });
      }
      await new Promise<void>((r) => req.signal.addEventListener('abort', () => r(), { once: true }));
    });
    const provision = vi.fn();
    const { service } = make({ devices: { listPorts: async () => ports }, workflow: { provision, serve }, watchIntervalMs: 100 });
    await service.start();
    await vi.advanceTimersByTimeAsync(50);
    const progress: EventPayload<'station.progress'>[] = [];
    service.on('station.progress', (e) => progress.push(e));
    const appended: EventPayload<'ledger.appended'>[] = [];
    service.on('ledger.appended', (e) => appended.push(e));
    ok(await call(service, 'station.setAutoMode', { enabled: true, operator: 'Ana', workOrder: 'WO-1', port: '/dev/ttyUSB0' }));
    ports.push({ path: '/dev/ttyUSB3' });
    await vi.advanceTimersByTimeAsync(150);
    expect(served.map((x) => x.port)).toEqual(['/dev/ttyUSB0', '/dev/ttyUSB3']);
    expect(provision).not.toHaveBeenCalled();
    expect(progress.filter((e) => e.port === '/dev/ttyUSB3')).toEqual([
      expect.objectContaining({ auto: true, step: 'done', deviceId: 'dev-7' }),
      expect.objectContaining({ auto: true, step: 'done', deviceId: 'dev-8' }),
    ]);
    expect(new Set(progress.map((e) => e.runId)).size).toBe(4);
    const st = ok(await call(service, 'station.status')) as { counters: { issued: number }; busyPorts: string[] };
    expect(st.counters.issued).toBe(4);
    expect(st.busyPorts.sort()).toEqual(['/dev/ttyUSB0', '/dev/ttyUSB3']);
    expect(appended).toContainEqual({ index: 5, status: 'issued', deviceId: 'dev-8' });
    // Unplugged: its loop is stopped; the other port is still served until auto mode ends.
    ports.splice(ports.findIndex((p) => p.path === '/dev/ttyUSB3'), 1);
    await vi.advanceTimersByTimeAsync(150);
    expect(served[1]!.signal.aborted).toBe(true);
    expect(served[0]!.signal.aborted).toBe(false);
    ok(await call(service, 'station.setAutoMode', { enabled: false }));
    expect(served[0]!.signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(10);
    expect((ok(await call(service, 'station.status')) as { busyPorts: string[] }).busyPorts).toEqual([]);
    await service.shutdown();
  });
});

describe('station service: one run per port', () => {
  it('refuses a second provisioning of the same port while the first runs, even when both arrive together', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const provision = vi.fn(async () => {
      await gate;
      return { deviceId: 'dev-1', serialHex: '01', fingerprint: 'a'.repeat(64), ledgerIndex: 1, reissued: false, ...PROOFS };
    });
    const { service } = make({ devices: { listPorts: async () => [{ path: '/dev/ttyUSB0' }] }, workflow: { provision, serve: vi.fn() } });
    const a = call(service, 'station.provision', { port: '/dev/ttyUSB0', operator: 'Ana' });
    const b = call(service, 'station.provision', { port: '/dev/ttyUSB0', operator: 'Ana' });
    const second = await b;
    expect(second.ok || second.error.code).toBe(ApiCodes.BUSY);
    release();
    expect((await a).ok).toBe(true);
    expect(provision).toHaveBeenCalledTimes(1);
    const unknown = await call(service, 'station.provision', { port: '/dev/ttyUSB9', operator: 'Ana' });
    expect(unknown.ok || unknown.error.code).toBe('DEVICE_NOT_FOUND');
    expect(provision).toHaveBeenCalledTimes(1);
  });
});

describe('station service: a port\'s driver', () => {
  const usb = [
    { path: '/dev/ttyACM0', vendorId: '1915', productId: '9100' },
    { path: '/dev/ttyACM1', vendorId: '1915', productId: '9100' },
    { path: '/dev/ttyUSB0', vendorId: '10C4', productId: 'EA60' },
    { path: '/dev/ttyS0' },
  ];
  const portsOf = async (s: StationService) => (ok(await call(s, 'station.listPorts')) as { ports: { path: string; driver: string; driverRemembered: boolean; detectedDriver: string | null }[] }).ports;

  it('lists every port as auto until a driver is chosen, remembers a choice by USB vendor/product ID in the settings, and forgets it with auto', async () => {
    const changes: { key: string; value: unknown }[] = [];
    const { service } = make({ devices: { listPorts: async () => usb }, recordConfigChange: async (c) => { changes.push(c); } });
    await service.start();
    expect((await portsOf(service)).map((p) => `${p.path}:${p.driver}:${p.driverRemembered}`)).toEqual([
      '/dev/ttyACM0:auto:false', '/dev/ttyACM1:auto:false', '/dev/ttyUSB0:auto:false', '/dev/ttyS0:auto:false',
    ]);

    const set = ok(await call(service, 'station.setPortDriver', { port: '/dev/ttyACM0', driver: 'nrf91' })) as { port: { path: string; driver: string; driverRemembered: boolean } };
    expect(set.port).toMatchObject({ path: '/dev/ttyACM0', driver: 'nrf91', driverRemembered: true });
    // Remembered by the USB IDs: the other port with the same adapter gets it too, and so does a restart.
    expect((await portsOf(service)).map((p) => p.driver)).toEqual(['nrf91', 'nrf91', 'auto', 'auto']);
    const saved = JSON.parse(await readFile(join(home, 'settings.json'), 'utf8')) as Settings;
    expect(saved.drivers.byUsb).toEqual([{ vendorId: '1915', productId: '9100', driver: 'nrf91' }]);
    expect(changes.map((c) => c.key)).toEqual(['drivers']);
    await service.shutdown();

    const again = make({ devices: { listPorts: async () => usb } }).service;
    await again.start();
    expect((await portsOf(again)).map((p) => p.driver)).toEqual(['nrf91', 'nrf91', 'auto', 'auto']);
    // Normalised IDs (upper-case from the OS) are remembered as the settings spell them.
    ok(await call(again, 'station.setPortDriver', { port: '/dev/ttyUSB0', driver: 'custodian' }));
    ok(await call(again, 'station.setPortDriver', { port: '/dev/ttyACM1', driver: 'auto' }));
    expect((await portsOf(again)).map((p) => p.driver)).toEqual(['auto', 'auto', 'custodian', 'auto']);
    expect((ok(await call(again, 'settings.get')) as Settings).drivers.byUsb).toEqual([{ vendorId: '10c4', productId: 'ea60', driver: 'custodian' }]);
    await again.shutdown();
  });

  it('keeps the choice for a port without USB IDs for the session only, refuses unknown ports and drivers, and passes the choice to the run', async () => {
    const seen: { port: string; driver: string }[] = [];
    const provision = vi.fn(async (req: ProvisionRequest): Promise<ProvisionSummary> => {
      seen.push({ port: req.port, driver: req.driver });
      req.onProgress({ step: 'connect', state: 'succeeded', driver: 'nrf91' });
      req.onProgress({ step: 'done', state: 'succeeded', driver: 'nrf91', proof: { finalProof: 'csr-signature', proofs: ['csr-signature'] } });
      return { deviceId: 'nrf-1', serialHex: '01', fingerprint: 'a'.repeat(64), ledgerIndex: 1, reissued: false, driver: 'nrf91', finalProof: 'csr-signature', proofs: ['csr-signature'] };
    });
    const { service } = make({ devices: { listPorts: async () => usb }, workflow: { provision, serve: vi.fn() } });
    await service.start();
    const progress: EventPayload<'station.progress'>[] = [];
    service.on('station.progress', (e) => progress.push(e));

    ok(await call(service, 'station.setPortDriver', { port: '/dev/ttyS0', driver: 'nrf91' }));
    expect((await portsOf(service)).find((p) => p.path === '/dev/ttyS0')).toMatchObject({ driver: 'nrf91', driverRemembered: false, detectedDriver: null });
    expect((ok(await call(service, 'settings.get')) as Settings).drivers.byUsb).toEqual([]);

    const r = ok(await call(service, 'station.provision', { port: '/dev/ttyS0', operator: 'Ana' }));
    expect(r).toMatchObject({ driver: 'nrf91', finalProof: 'csr-signature', proofs: ['csr-signature'] });
    ok(await call(service, 'station.provision', { port: '/dev/ttyUSB0', operator: 'Ana' }));
    expect(seen).toEqual([{ port: '/dev/ttyS0', driver: 'nrf91' }, { port: '/dev/ttyUSB0', driver: 'auto' }]);
    // The events carry the driver and, on done, the proofs; the list then shows what was detected.
    expect(progress.filter((e) => e.port === '/dev/ttyS0').map((e) => [e.step, e.driver, e.proof?.finalProof])).toEqual([
      ['connect', 'nrf91', undefined], ['done', 'nrf91', 'csr-signature'],
    ]);
    expect((await portsOf(service)).find((p) => p.path === '/dev/ttyUSB0')?.detectedDriver).toBe('nrf91');

    const unknown = await call(service, 'station.setPortDriver', { port: '/dev/ttyUSB9', driver: 'nrf91' });
    expect(unknown.ok || unknown.error.code).toBe('DEVICE_NOT_FOUND');
    const bad = await call(service, 'station.setPortDriver', { port: '/dev/ttyUSB0', driver: 'esp32' });
    expect(bad.ok || bad.error.code).toBe(ApiCodes.INVALID_ARGUMENT);
    await service.shutdown();
  });
});
