/**
 * The HTTP test bridge and the Electron IPC layer expose exactly the same
 * station API: the same window.custodian property paths, and the same set of
 * callable methods (none reachable on one transport and not the other).
 */
import { runInNewContext } from 'node:vm';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiCodes, METHOD_NAMES, methodChannel } from '../../electron/shared/api';
import { apiPropertyPaths } from '../../electron/shared/client';
import { bridgeClientScript } from '../../electron/core/service/bridge-client';
import { ScriptedFilePicker, startBridge, type Bridge } from '../../electron/core/service/bridge';
import { createStationService } from '../../electron/core/service/station-service';
import { registerIpc } from '../../electron/main/ipc.main';
import { functionPaths, type ElectronMock } from '../support/electron-mock';

const electron = vi.hoisted(() => ({ mock: null as unknown as ElectronMock }));
vi.mock('electron', async () => {
  const { createElectronMock } = await import('../support/electron-mock');
  electron.mock = createElectronMock();
  return electron.mock;
});
await import('../../electron/preload/index');

/** Run the served bridge client in a bare context and return what it defines as window.custodian. */
function bridgeClientApi(fetchImpl: (url: string, init: { body: string }) => Promise<unknown>): unknown {
  const window: Record<string, unknown> = {};
  runInNewContext(bridgeClientScript(), {
    window,
    fetch: fetchImpl,
    EventSource: class { addEventListener() {} },
    console,
  });
  return window.custodian;
}

let home: string;
let bridge: Bridge;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'custodian-parity-'));
  const service = createStationService({ home, platform: { files: new ScriptedFilePicker(), version: '0', platform: 'linux' } });
  bridge = await startBridge({ service });
});
afterAll(async () => {
  await bridge.close();
  await rm(home, { recursive: true, force: true });
});

describe('transport parity', () => {
  it('preload and bridge client define the same named functions', () => {
    const preloadApi = electron.mock.__test.exposed.get('custodian');
    const clientApi = bridgeClientApi(async () => ({ json: async () => ({}) }));
    expect(functionPaths(clientApi)).toEqual(apiPropertyPaths());
    expect(functionPaths(clientApi)).toEqual(functionPaths(preloadApi));
  });

  it('bridge client functions post to /api/<method> exactly as the preload invokes <channel>', async () => {
    const posts: [string, unknown][] = [];
    const clientApi = bridgeClientApi(async (url, init) => {
      posts.push([url, JSON.parse(init.body)]);
      return { json: async () => ({ ok: true, value: null }) };
    }) as { authority: { unlock(a: unknown): Promise<unknown> }; app: { status(): Promise<unknown> } };
    await clientApi.authority.unlock({ passphrase: 'x' });
    await clientApi.app.status();
    expect(posts).toEqual([['/api/authority.unlock', { arg: { passphrase: 'x' } }], ['/api/app.status', {}]]);
  });

  it('IPC registers and the bridge routes exactly the same method set', async () => {
    const channels: string[] = [];
    registerIpc({ handle: (c: string) => { channels.push(c); }, removeHandler: () => undefined } as never, {} as never, () => false);
    expect(channels.sort()).toEqual(METHOD_NAMES.map(methodChannel).sort());

    const post = async (name: string) => {
      const res = await fetch(`${bridge.url}/api/${name}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"arg": 42}' });
      return (await res.json()) as { ok: false; error: { code: string } };
    };
    for (const m of METHOD_NAMES) expect((await post(m)).error.code, m).toBe(ApiCodes.INVALID_ARGUMENT);
    for (const other of ['invoke', 'authority', 'authority.unlock.x', 'constructor', '__proto__', 'app.quit']) {
      expect((await post(other)).error.code, other).toBe(ApiCodes.UNKNOWN_METHOD);
    }
  });
});
