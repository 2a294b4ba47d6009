/**
 * HTTP test bridge: serves the built renderer (out/renderer) and the station
 * API over HTTP so the UI can be driven in plain Chromium (Playwright) without
 * Electron. Same method table, same dispatcher, same results as IPC:
 *
 *   POST /api/<method>   body {"arg": …} (or {}) → ApiResult JSON
 *   GET  /events         server-sent events, one `event:` per subscription name
 *   GET  /bridge-client.js  defines window.custodian (also injected into index.html)
 *
 * Test-only. Binds to 127.0.0.1 on a random port, checks Host/Origin (no DNS
 * rebinding, no cross-site posts), sends the app's CSP on every page.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, join, normalize, relative } from 'node:path';
import { ApiCodes, EVENT_NAMES, describeError } from '../../shared/api';
import { dispatch } from './dispatch';
import { bridgeClientScript } from './bridge-client';
import type { StationService } from './station-service';
import type { FilePicker } from './file-handles';
import type { FilePurpose } from '../../shared/api/common';

export interface BridgeOptions {
  service: StationService;
  /** Built renderer folder (index.html …); omit to serve the API only. */
  rendererDir?: string;
  /** Inject <script src="/bridge-client.js"> into index.html (default true). */
  injectClient?: boolean;
  port?: number;
}

export interface Bridge {
  url: string;
  close(): Promise<void>;
}

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2', '.json': 'application/json', '.ico': 'image/x-icon',
  '.wav': 'audio/wav', '.mp3': 'audio/mpeg',
};
const MAX_BODY = 1024 * 1024;

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  const client = bridgeClientScript();
  const sse = new Set<ServerResponse>();
  const offs = EVENT_NAMES.map((event) => opts.service.on(event, (payload) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const res of sse) res.write(frame);
  }));
  let origin = '';

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'application/json', JSON.stringify({ ok: false, error: { code: ApiCodes.INTERNAL, message: describeError(ApiCodes.INTERNAL), details: {} } }));
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Only our own host name: refuses DNS-rebinding and requests meant for other hosts.
    if (req.headers.host !== new URL(origin).host) return send(res, 421, 'text/plain', 'Misdirected request');
    const url = new URL(req.url ?? '/', origin);

    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return send(res, 405, 'text/plain', 'Method not allowed');
      // Cross-site pages cannot send application/json without a preflight we never answer.
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return send(res, 415, 'text/plain', 'Use application/json');
      if (req.headers.origin !== undefined && req.headers.origin !== origin) return send(res, 403, 'text/plain', 'Forbidden origin');
      const text = await readBody(req);
      let arg: unknown;
      try {
        const body: unknown = text ? JSON.parse(text) : {};
        arg = body && typeof body === 'object' && !Array.isArray(body) ? (body as { arg?: unknown }).arg : Symbol('invalid');
      } catch {
        arg = Symbol('invalid'); // fails every schema → API_INVALID_ARGUMENT
      }
      const result = await dispatch(opts.service.api, decodeURIComponent(url.pathname.slice('/api/'.length)), arg);
      return send(res, 200, 'application/json', JSON.stringify(result));
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'Method not allowed');
    if (url.pathname === '/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write(': connected\n\n');
      sse.add(res);
      req.on('close', () => sse.delete(res));
      return;
    }
    if (url.pathname === '/bridge-client.js') return send(res, 200, TYPES['.js']!, client);
    if (!opts.rendererDir) return send(res, 404, 'text/plain', 'Not found');

    const root = opts.rendererDir;
    const wanted = url.pathname === '/' ? '/index.html' : decodeURIComponent(url.pathname);
    const file = normalize(join(root, wanted));
    const rel = relative(root, file);
    if (rel.startsWith('..') || isAbsolute(rel)) return send(res, 404, 'text/plain', 'Not found');
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return send(res, 404, 'text/plain', 'Not found');
    }
    if (extname(file) === '.html' && opts.injectClient !== false) {
      body = Buffer.from(body.toString('utf8').replace(/<head>/i, '<head><script src="/bridge-client.js"></script>'));
    }
    return send(res, 200, TYPES[extname(file)] ?? 'application/octet-stream', body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('bridge did not bind');
  origin = `http://127.0.0.1:${address.port}`;

  return {
    url: origin,
    async close() {
      offs.forEach((off) => off());
      for (const res of sse) res.end();
      sse.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A file picker driven by the test: queue the path each dialog should return
 * (null = the user canceled). A dialog with nothing queued cancels.
 */
export class ScriptedFilePicker implements FilePicker {
  private readonly queues = { open: [] as (string | null)[], save: [] as (string | null)[], directory: [] as (string | null)[] };
  readonly shown: { mode: 'open' | 'save' | 'directory'; purpose: FilePurpose; suggestedName?: string }[] = [];

  queueOpen(path: string | null): this { this.queues.open.push(path); return this; }
  queueSave(path: string | null): this { this.queues.save.push(path); return this; }
  queueDirectory(path: string | null): this { this.queues.directory.push(path); return this; }

  async open(o: { purpose: FilePurpose }) { this.shown.push({ mode: 'open', ...o }); return this.queues.open.shift() ?? null; }
  async save(o: { purpose: FilePurpose; suggestedName: string }) { this.shown.push({ mode: 'save', ...o }); return this.queues.save.shift() ?? null; }
  async directory(o: { purpose: FilePurpose }) { this.shown.push({ mode: 'directory', ...o }); return this.queues.directory.shift() ?? null; }
}
