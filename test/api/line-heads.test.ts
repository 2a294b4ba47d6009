/**
 * The station service's line: per-head state from each run's progress and
 * result (station.line, station.head), and auto mode per head
 * (station.setHeadAuto pauses one head's serve loop only, and serves it again).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CustodianError } from '../../electron/core/errors';
import type { ApiResult, EventPayload } from '../../electron/shared/api';
import { dispatch } from '../../electron/core/service/dispatch';
import { createStationService } from '../../electron/core/service/station-service';
import type { ServeRequest } from '../../electron/core/service/ports';
import { ScriptedFilePicker } from '../../electron/core/service/bridge';

let home: string;
beforeEach(async () => { home = await mkdtemp(join(tmpdir(), 'custodian-line-')); });
afterEach(async () => { await rm(home, { recursive: true, force: true }); });

function ok<T>(r: ApiResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}
const until = async (cond: () => boolean): Promise<void> => {
  const deadline = Date.now() + 5000;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};
const PROOFS = { driver: 'custodian' as const, finalProof: 'challenge' as const, proofs: ['csr-signature' as const] };

describe('station service: the line', () => {
  it('keeps each head\'s step, verdict and counters, and pauses and resumes one head', async () => {
    const serves: ServeRequest[] = [];
    /** Each head serves one device when its loop starts: ttyUSB0's passes, ttyUSB1's fails. */
    const serve = async (req: ServeRequest): Promise<void> => {
      serves.push(req);
      const run = req.nextRun();
      const id = `dev-${req.port.slice(-1)}-${serves.length}`;
      run.onProgress({ step: 'identify', state: 'started' });
      run.onProgress({ step: 'write', state: 'started', deviceId: id });
      if (req.port.endsWith('0')) {
        req.onResult(run, { ok: true, summary: { deviceId: id, serialHex: '0a', fingerprint: 'f'.repeat(64), ledgerIndex: 1, reissued: false, ...PROOFS } });
      } else {
        req.onResult(run, { ok: false, error: new CustodianError('DEVICE_TIMEOUT', 'The device did not answer.') });
      }
      await new Promise<void>((r) => req.signal.addEventListener('abort', () => r(), { once: true }));
    };
    const ports = [{ path: '/dev/ttyUSB0' }, { path: '/dev/ttyUSB1' }];
    const service = createStationService({
      home, platform: { files: new ScriptedFilePicker(), version: '9', platform: 'linux' },
      devices: { listPorts: async () => ports }, workflow: { provision: async () => { throw new Error('unused'); }, serve }, watchIntervalMs: 20,
    });
    const heads: EventPayload<'station.head'>[] = [];
    service.on('station.head', (h) => heads.push(h));
    await service.start();
    const api = (m: string, arg?: unknown) => dispatch(service.api, m, arg);
    // Auto mode on the fixture's first port; the second head, attached already, is switched on from its tile.
    ok(await api('station.setAutoMode', { enabled: true, operator: 'Ana', port: '/dev/ttyUSB0' }));
    await until(() => serves.length === 1);
    ok(await api('station.setHeadAuto', { port: '/dev/ttyUSB1', enabled: true }));
    await until(() => serves.length === 2);
    const line = ok(await api('station.line')) as { autoMode: boolean; heads: EventPayload<'station.head'>[]; totals: { passed: number; failed: number } };
    expect(line.autoMode).toBe(true);
    expect(line.totals).toEqual({ passed: 1, failed: 1 });
    const [h0, h1] = line.heads;
    expect(h0).toMatchObject({ port: '/dev/ttyUSB0', auto: true, paused: false, running: false, deviceId: 'dev-0-1', last: { result: 'passed', deviceId: 'dev-0-1', code: null }, counters: { passed: 1, failed: 0 } });
    expect(h1).toMatchObject({ port: '/dev/ttyUSB1', auto: true, last: { result: 'failed', code: 'DEVICE_TIMEOUT', message: 'The device did not answer.' }, counters: { passed: 0, failed: 1 } });
    // The tile saw the step while the run was in progress.
    expect(heads).toContainEqual(expect.objectContaining({ port: '/dev/ttyUSB1', running: true, step: 'write', deviceId: 'dev-1-2' }));

    // Pausing one head stops its loop only, and auto mode leaves it alone.
    const paused = ok(await api('station.setHeadAuto', { port: '/dev/ttyUSB1', enabled: false }));
    expect(paused).toMatchObject({ port: '/dev/ttyUSB1', paused: true, auto: false });
    const loop1 = serves.find((s) => s.port === '/dev/ttyUSB1')!;
    const loop0 = serves.find((s) => s.port === '/dev/ttyUSB0')!;
    expect(loop1.signal.aborted).toBe(true);
    expect(loop0.signal.aborted).toBe(false);
    await new Promise((r) => setTimeout(r, 60));
    expect(serves).toHaveLength(2);
    // Resumed: served again (a fresh loop, once the paused one has ended).
    ok(await api('station.setHeadAuto', { port: '/dev/ttyUSB1', enabled: true }));
    await until(() => serves.length === 3);
    expect(serves[2]!.port).toBe('/dev/ttyUSB1');
    const after = ok(await api('station.line')) as { heads: Array<{ port: string; counters: { failed: number }; auto: boolean }> };
    expect(after.heads.find((h) => h.port === '/dev/ttyUSB1')).toMatchObject({ auto: true, counters: { failed: 2 } });
    // A port the station does not list cannot be named.
    const refused = await api('station.setHeadAuto', { port: '/dev/ttyUSB9', enabled: false });
    expect(refused.ok ? null : refused.error.code).toBe('DEVICE_NOT_FOUND');
    ok(await api('station.setAutoMode', { enabled: false }));
    await service.shutdown();
  });
});
