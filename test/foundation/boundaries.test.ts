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

  it("flags an import across core's layers", () => {
    const root = mkdtempSync(join(tmpdir(), 'bound-'));
    for (const d of ['pki', 'vault', 'station', 'line', 'ledger', 'device']) mkdirSync(join(root, 'electron/core', d), { recursive: true });
    const put = (f: string, text: string) => writeFileSync(join(root, 'electron/core', f), text);
    put('errors.ts', 'export {};\n');
    put('pki/a.ts', "import { CustodianError } from '../errors';\nimport { x } from '../station/policy';\nimport { y } from './b';\n");
    put('vault/a.ts', "import { k } from '../pki/keys';\n");
    put('station/a.ts', [
      "import type { DeviceClient } from '../device/client';",
      "import { readCsr } from '../pki/index';",
      "import { ProtocolDeviceClient } from '../device/protocol-client';",
      "import { openStationLedger } from '../ledger/index';",
      "import { startSimulator } from '../simulator/index';",
      "import { startMosquittoHub } from '../hub/mosquitto-hub';",
      '',
    ].join('\n'));
    put('ledger/a.ts', "import type { IssuanceRecorder } from '../station/recorder';\nimport { provisionDevice } from '../station/workflow';\n");
    put('line/a.ts', "import { provisionDevice } from '../station/workflow';\nimport { createStationService } from '../service/station-service';\nimport { run } from '../../cli/run';\n");
    const v = findBoundaryViolations(root).map((x) => `${x.file}:${x.specifier}`).sort();
    expect(v).toEqual([
      'electron/core/ledger/a.ts:../station/workflow',
      'electron/core/line/a.ts:../../cli/run',
      'electron/core/line/a.ts:../service/station-service',
      'electron/core/pki/a.ts:../station/policy',
      'electron/core/station/a.ts:../device/protocol-client',
      'electron/core/station/a.ts:../hub/mosquitto-hub',
      'electron/core/station/a.ts:../ledger/index',
      'electron/core/station/a.ts:../simulator/index',
      'electron/core/vault/a.ts:../pki/keys',
    ]);
  });
});
