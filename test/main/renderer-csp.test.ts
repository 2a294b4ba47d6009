/**
 * The renderer's Content-Security-Policy meta tag: the built index.html keeps
 * the strict policy of renderer/index.html exactly, and only the dev server
 * (devStyleNonce, `apply: 'serve'`) adds a nonce to style-src for the <style>
 * elements Vite injects — never 'unsafe-inline'.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, createServer, type InlineConfig } from 'vite';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CSP_META = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/;
const cspOf = (html: string): string => {
  const m = CSP_META.exec(html);
  if (!m) throw new Error('no CSP meta tag');
  return m[1]!;
};
const directive = (csp: string, name: string) => csp.split(';').map((d) => d.trim()).find((d) => d.startsWith(`${name} `));

let source: string;
let renderer: InlineConfig;
let outDir: string;
beforeAll(async () => {
  source = await readFile(join(ROOT, 'renderer', 'index.html'), 'utf8');
  renderer = ((await import('../../electron.vite.config')).default as unknown as { renderer: InlineConfig }).renderer;
  outDir = await mkdtemp(join(tmpdir(), 'custodian-csp-'));
});
afterAll(async () => { await rm(outDir, { recursive: true, force: true }); });

describe('renderer CSP', () => {
  it('the source policy is the strict one (self only, no inline anything)', () => {
    const csp = cspOf(source);
    expect(directive(csp, 'script-src')).toBe("script-src 'self'");
    expect(directive(csp, 'style-src')).toBe("style-src 'self'");
    expect(csp).not.toMatch(/unsafe-|nonce-/);
  });

  it('the built index.html carries the source policy byte for byte, and no nonce', async () => {
    await build({ ...renderer, configFile: false, logLevel: 'silent', build: { ...renderer.build, outDir, emptyOutDir: true } });
    const built = await readFile(join(outDir, 'index.html'), 'utf8');
    expect(cspOf(built)).toBe(cspOf(source));
    expect(built).not.toMatch(/nonce|csp-nonce|unsafe-inline/);
  }, 120_000);

  it('the dev server adds one nonce to style-src (and Vite announces it to its client), nothing else', async () => {
    const server = await createServer({ ...renderer, configFile: false, logLevel: 'silent', server: { middlewareMode: true, hmr: false } });
    try {
      const html = await server.transformIndexHtml('/index.html', source);
      const nonce = /<meta property="csp-nonce" nonce="([^"]+)"/.exec(html)?.[1];
      expect(nonce).toMatch(/^[A-Za-z0-9+/=]{20,}$/);
      const csp = cspOf(html);
      expect(directive(csp, 'style-src')).toBe(`style-src 'self' 'nonce-${nonce}'`);
      // Everything else as in the source.
      expect(csp.replace(` 'nonce-${nonce}'`, '')).toBe(cspOf(source));
      expect(csp).not.toContain('unsafe-');
    } finally {
      await server.close();
    }
  }, 60_000);
});
