// Lint guards the process boundaries and a few security-relevant habits.
// Type errors are the compiler's job (npm run typecheck), not eslint's.
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import globals from 'globals';

const NODE_BUILTINS = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises',
  'http', 'http2', 'https', 'module', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream',
  'timers', 'tls', 'tty', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'docs/**', 'coverage/**', '.tmp/**', 'test-results/**'] },
  {
    files: ['**/*.ts', '**/*.vue'],
    languageOptions: {
      parser: vue.configs['flat/base'][1]?.languageOptions?.parser,
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
    },
  },
  ...vue.configs['flat/essential'],
  {
    files: ['**/*.ts', '**/*.vue', '**/*.js'],
    plugins: { '@typescript-eslint': tseslint.plugin },
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'no-debugger': 'error',
      'vue/multi-word-component-names': 'off',
    },
  },
  {
    files: ['electron/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'electron/core runs under plain Node: move Electron code to electron/main.' }],
        patterns: [{ group: ['electron/*'], message: 'electron/core runs under plain Node.' }],
      }],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.vue', 'electron/shared/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['electron', 'serialport', ...NODE_BUILTINS].map((name) => ({
          name, message: 'The renderer reaches the core only through the station API (window.custodian).',
        })),
        patterns: [
          { group: ['node:*'], message: 'No Node built-ins in the renderer.' },
          { group: ['**/electron/core/**', '**/electron/main/**', '**/electron/cli/**', '@serialport/*'], message: 'Use the station API.' },
        ],
      }],
    },
  },
);
