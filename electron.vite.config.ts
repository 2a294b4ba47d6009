import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

/**
 * Our folders are electron/ and renderer/ (not src/*), so every input is explicit.
 * The preload runs sandboxed: it is emitted as one self-contained CommonJS file.
 */
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      externalizeDeps: true,
      rollupOptions: {
        input: { index: resolve(root, 'electron/main/index.ts') },
        external: ['serialport', /^@serialport\//],
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
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
      outDir: resolve(root, 'out/renderer'),
      rollupOptions: {
        input: { index: resolve(root, 'renderer/index.html') },
      },
    },
  },
});
