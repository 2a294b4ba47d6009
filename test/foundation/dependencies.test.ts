import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findUndeclaredImports, packageOf } from '../../scripts/check-dependencies';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'deps-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const MANIFEST = JSON.stringify({
  name: 'fixture',
  dependencies: { 'runtime-pkg': '^1.0.0', '@scope/lib': '^1.0.0' },
  devDependencies: { 'dev-pkg': '^1.0.0', electron: '^1.0.0', '@types/typed-only': '^1.0.0' },
});

describe('declared dependencies', () => {
  it('the repository imports only packages it declares', () => {
    expect(findUndeclaredImports()).toEqual([]);
  });

  it('the asn1 packages the PKI code imports are runtime dependencies', () => {
    const deps = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> }).dependencies;
    expect(Object.keys(deps)).toEqual(expect.arrayContaining(['@peculiar/asn1-schema', '@peculiar/asn1-x509', '@peculiar/asn1-csr']));
  });

  it('maps specifiers to package names and skips what is not a package', () => {
    expect(['@scope/lib/sub/path', 'pkg/sub', 'pkg', 'node:fs', 'fs/promises', './a', '/abs', '#internal', 'virtual:x', '@shared/x']
      .map((s) => packageOf(s, ['@shared']))).toEqual(['@scope/lib', 'pkg', 'pkg', null, null, null, null, null, null, null]);
  });

  it('flags undeclared imports and devDependencies used at run time, nothing else', () => {
    const root = tree({
      'package.json': MANIFEST,
      'tsconfig.json': JSON.stringify({ compilerOptions: { paths: { '~lib/*': ['./lib/*'] } } }),
      'electron.vite.config.ts': "export default { renderer: { resolve: { alias: { '@shared': 'electron/shared' } } } };\n",
      'electron/core/a.ts': [
        "import { x } from 'runtime-pkg';",
        "import { y } from '@scope/lib/sub';",
        "import { readFileSync } from 'node:fs';",
        "import { join } from 'path';",
        "import type { T } from 'dev-pkg';",
        "import { type U } from 'dev-pkg/types';",
        "export type { V } from 'typed-only';",
        "import { z } from './z';",
        "import { s } from '@shared/s';",
        "import { l } from '~lib/l';",
        "// import 'in-a-comment';",
        "const text = \"require('in-a-string')\";",
        "import { missing } from 'left-pad';",
        "import { dev } from 'dev-pkg';",
        "export * from '@undeclared/scope/deep';",
      ].join('\n'),
      'electron/main/m.ts': "import { app } from 'electron';\n",
      'electron/preload/p.ts': "import { dev } from 'dev-pkg';\n",
      'renderer/src/C.vue': "<template><div /></template>\n<script setup lang=\"ts\">\nimport { dev } from 'dev-pkg';\nimport { w } from 'renderer-missing';\n</script>\n",
      'test/t.test.ts': "import { dev } from 'dev-pkg';\nvi.mock('mocked-missing');\nconst m = await import('dynamic-missing');\nconst r = require('required-missing');\ntype E = typeof import('type-missing');\n",
      'vitest.config.ts': "import { defineConfig } from 'config-missing';\n",
    });
    const v = findUndeclaredImports(root).map((x) => `${x.file}:${x.specifier}:${x.pkg}:${x.rule.startsWith('not declared') ? 'undeclared' : 'dev-at-runtime'}`).sort();
    expect(v).toEqual([
      'electron/core/a.ts:@undeclared/scope/deep:@undeclared/scope:undeclared',
      'electron/core/a.ts:dev-pkg:dev-pkg:dev-at-runtime',
      'electron/core/a.ts:left-pad:left-pad:undeclared',
      'renderer/src/C.vue:renderer-missing:renderer-missing:undeclared',
      'test/t.test.ts:dynamic-missing:dynamic-missing:undeclared',
      'test/t.test.ts:mocked-missing:mocked-missing:undeclared',
      'test/t.test.ts:required-missing:required-missing:undeclared',
      'test/t.test.ts:type-missing:type-missing:undeclared',
      'vitest.config.ts:config-missing:config-missing:undeclared',
    ]);
  });
});
