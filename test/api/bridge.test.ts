import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiCodes } from '../../electron/shared/api';
import { ScriptedFilePicker, startBridge, type Bridge } from '../../electron/core/service/bridge';
import { createStationService } from '../../electron/core/service/station-service';

let dir: string;
let bridge: Bridge;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'custodian-bridge-'));
  const renderer = join(dir, 'renderer');
  await mkdir(join(renderer, 'assets'), { recursive: true });
  await writeFile(join(renderer, 'index.html'), '<!doctype html><html><head><title>x</title></head><body><script type="module" src="/assets/app.js"></script></body></html>');
  await writeFile(join(renderer, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(join(dir, 'secret.txt'), 'outside');
  const service = createStationService({ home: join(dir, 'home'), platform: { files: new ScriptedFilePicker(), version: '1.2.3', platform: 'linux' } });
  await service.start();
  bridge = await startBridge({ service, rendererDir: renderer });
});
afterAll(async () => {
  await bridge.close();
  await rm(dir, { recursive: true, force: true });
});

const post = (path: string, body: string, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
  fetch(`${bridge.url}${path}`, { method: 'POST', headers, body });

/** Raw request with a chosen Host header (fetch does not allow overriding it). */
function rawGet(path: string, host: string): Promise<number> {
  const u = new URL(bridge.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: u.port, path, headers: { Host: host } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP test bridge', () => {
  it('listens on 127.0.0.1 only, on a random port', () => {
    expect(bridge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Number(new URL(bridge.url).port)).toBeGreaterThan(0);
  });

  it('runs methods through the dispatcher', async () => {
    const r = await (await post('/api/app.status', '{}')).json();
    expect(r).toMatchObject({ ok: true, value: { version: '1.2.3', firstRun: true } });
    const bad = await (await post('/api/ledger.page', JSON.stringify({ arg: { start: -1, count: 1 } }))).json();
    expect(bad).toMatchObject({ ok: false, error: { code: ApiCodes.INVALID_ARGUMENT } });
    const notJson = await (await post('/api/app.status', '{oops')).json();
    expect(notJson).toMatchObject({ ok: false, error: { code: ApiCodes.INVALID_ARGUMENT } });
  });

  it('refuses cross-site requests: foreign Host, foreign Origin, non-JSON posts, GET on the API', async () => {
    expect(await rawGet('/', 'evil.example')).toBe(421);
    expect((await post('/api/app.status', '{}', { 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await post('/api/app.status', '{}', { 'Content-Type': 'application/json', Origin: 'https://evil.example' })).status).toBe(403);
    expect((await fetch(`${bridge.url}/api/app.status`)).status).toBe(405);
  });

  it('serves the renderer with the client injected and the CSP header, and nothing outside it', async () => {
    const res = await fetch(`${bridge.url}/`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toMatch(/<head><script src="\/bridge-client\.js"><\/script>/);
    expect((await fetch(`${bridge.url}/assets/app.js`)).status).toBe(200);
    expect((await fetch(`${bridge.url}/bridge-client.js`)).headers.get('content-type')).toContain('javascript');
    expect(await rawGet('/../secret.txt', new URL(bridge.url).host)).toBe(404);
    expect(await rawGet('/%2e%2e/secret.txt', new URL(bridge.url).host)).toBe(404);
  });

  it('pushes subscriptions as server-sent events', async () => {
    const controller = new AbortController();
    const res = await fetch(`${bridge.url}/events`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    await reader.read(); // ": connected"
    await post('/api/station.resetCounters', '{}');
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    expect(text).toMatch(/^event: station\.counters\ndata: \{"shiftStartedAt":"[^"]+","issued":0,"reissued":0,"failed":0\}\n\n/);
  });
});
