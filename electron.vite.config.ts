import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';

const root = fileURLToPath(new URL('.', import.meta.url));
/** Output root; tests build into a temp folder with CUSTODIAN_OUT_DIR so they never touch out/. */
const out = process.env.CUSTODIAN_OUT_DIR ?? resolve(root, 'out');

/**
 * Dev server only (`electron-vite dev`): Vite injects the CSS as <style>
 * elements, which the strict `style-src 'self'` of renderer/index.html blocks.
 * Allow exactly those with a nonce that Vite puts on every element it injects
 * (html.cspNonce, read by its client from <meta property="csp-nonce">), rather
 * than 'unsafe-inline'. `apply: 'serve'`, so a build never runs this plugin and
 * the built index.html keeps its CSP byte for byte (test/main/renderer-csp.test.ts).
 */
export function devStyleNonce(nonce = randomBytes(18).toString('base64')): Plugin {
  return {
    name: 'custodian:dev-style-nonce',
    apply: 'serve',
    config: () => ({ html: { cspNonce: nonce } }),
    transformIndexHtml: {
      order: 'pre',
      handler(html) {
        const relaxed = html.replace(/(<meta\s+http-equiv="Content-Security-Policy"\s+content="[^"]*?style-src 'self')/, `$1 'nonce-${nonce}'`);
        if (relaxed === html) throw new Error('devStyleNonce: index.html has no CSP meta with style-src \'self\'');
        return relaxed;
      },
    },
  };
}

/**
 * Our folders are electron/ and renderer/ (not src/*), so every input is explicit.
 * The preload runs sandboxed: it is emitted as one self-contained CommonJS file.
 */
export default defineConfig({
  main: {
    build: {
      outDir: resolve(out, 'main'),
      externalizeDeps: true,
      rollupOptions: {
        input: { index: resolve(root, 'electron/main/index.ts') },
        // Native modules stay outside the bundle and load from node_modules (unpacked from the asar).
        external: ['serialport', /^@serialport\//, 'pkcs11js'],
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(out, 'preload'),
      externalizeDeps: false,
      isolatedEntries: true,
      rollupOptions: {
        input: { index: resolve(root, 'electron/preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    plugins: [vue(), devStyleNonce()],
    resolve: {
      alias: { '@shared': resolve(root, 'electron/shared') },
    },
    build: {
      outDir: resolve(out, 'renderer'),
      rollupOptions: {
        input: { index: resolve(root, 'renderer/index.html') },
      },
    },
  },
});
