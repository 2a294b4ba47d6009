import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

const root = fileURLToPath(new URL('.', import.meta.url));
/** Output root; tests build into a temp folder with CUSTODIAN_OUT_DIR so they never touch out/. */
const out = process.env.CUSTODIAN_OUT_DIR ?? resolve(root, 'out');

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
        external: ['serialport', /^@serialport\//],
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
    plugins: [vue()],
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
