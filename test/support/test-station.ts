/**
 * Start a complete station for tests: a fresh station home, the real core
 * modules (authority, ledger, workflow, in-process simulator), a scripted file
 * picker, and the HTTP bridge serving the built renderer.
 *
 *   const st = await startTestStation({ rendererDir: 'out/renderer' });
 *   await page.goto(st.url);                 // window.custodian is injected
 *   st.picker.queueSave(join(st.home, 'chain.pem'));
 *   …
 *   await st.close();
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScriptedFilePicker, startBridge, type Bridge } from '../../electron/core/service/bridge';
import { createDefaultStationService } from '../../electron/core/service/compose';
import type { StationService } from '../../electron/core/service/station-service';
import type { DevicePort } from '../../electron/core/service/ports';
import type { LedgerIo } from '../../electron/core/ledger/index';
import type { ApiResult } from '../../electron/shared/api';

export interface TestStation {
  url: string;
  home: string;
  picker: ScriptedFilePicker;
  service: StationService;
  bridge: Bridge;
  close(): Promise<void>;
}

export async function startTestStation(opts: {
  rendererDir?: string; devices?: DevicePort; wireTime?: boolean; ledgerIo?: LedgerIo;
  /** An existing station home to serve (removed at close like a fresh one). */
  home?: string;
  /** The home as another tool left it (a CA imported with the CLI) before the service opens it. */
  prepare?: (home: string) => Promise<void>;
  /** Verify every ledger entry in the background after start, as the app does. */
  verifyLedgerOnStart?: boolean;
} = {}): Promise<TestStation> {
  const home = opts.home ?? await mkdtemp(join(tmpdir(), 'custodian-station-'));
  await opts.prepare?.(home);
  const picker = new ScriptedFilePicker();
  const service = createDefaultStationService({
    home,
    platform: { files: picker, version: 'test', platform: process.platform },
    // No real serial ports in tests unless given: only simulated devices are listed.
    devices: opts.devices ?? { listPorts: async () => [] },
    simulatorWireTime: opts.wireTime ?? false,
    ...(opts.ledgerIo ? { ledgerFiles: { io: opts.ledgerIo } } : {}),
    ...(opts.verifyLedgerOnStart ? { verifyLedgerOnStart: true } : {}),
    watchIntervalMs: 200,
  });
  await service.start();
  const bridge = await startBridge({ service, ...(opts.rendererDir ? { rendererDir: opts.rendererDir } : {}) });
  return {
    url: bridge.url, home, picker, service, bridge,
    async close() {
      await bridge.close();
      await service.shutdown();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/**
 * Calls the station API over the bridge's HTTP transport, as the browser
 * client does. Every result is also pushed to `seen`, so tests can scan all
 * of them for key material at the end.
 */
export function bridgeCaller(url: () => string, seen: unknown[] = []) {
  async function call<T = Record<string, unknown>>(method: string, arg?: unknown): Promise<ApiResult<T>> {
    const res = await fetch(`${url()}/api/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(arg === undefined ? {} : { arg }) });
    const r = (await res.json()) as ApiResult<T>;
    seen.push(r);
    return r;
  }
  async function ok<T = Record<string, unknown>>(method: string, arg?: unknown): Promise<T> {
    const r = await call<T>(method, arg);
    if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
    return r.value;
  }
  return { call, ok };
}
