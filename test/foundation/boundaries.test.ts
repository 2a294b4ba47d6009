import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBoundaryViolations } from '../../scripts/check-boundaries';

describe('process boundaries', () => {
  it('the repository has no boundary violations', () => {
    expect(findBoundaryViolations()).toEqual([]);
  });

  it('flags electron in core and node in the renderer', () => {
    const root = mkdtempSync(join(tmpdir(), 'bound-'));
    mkdirSync(join(root, 'electron/core/x'), { recursive: true });
    mkdirSync(join(root, 'renderer/src'), { recursive: true });
    writeFileSync(join(root, 'electron/core/x/a.ts'), "import { app } from 'electron';\n");
    writeFileSync(join(root, 'renderer/src/b.ts'), "import { readFileSync } from 'node:fs';\nimport 'serialport';\n");
    writeFileSync(join(root, 'renderer/src/c.vue'), "<script setup lang=\"ts\">\nimport { x } from '../../electron/core/pki/crypto';\n</script>\n");
    const v = findBoundaryViolations(root).map((x) => `${x.file}:${x.specifier}`).sort();
    expect(v).toEqual([
      'electron/core/x/a.ts:electron',
      'renderer/src/b.ts:node:fs',
      'renderer/src/b.ts:serialport',
      'renderer/src/c.vue:../../electron/core/pki/crypto',
    ]);
  });
});
