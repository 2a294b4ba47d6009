/**
 * `custodian demo` as a newcomer runs it: a child process, a fresh folder,
 * nothing attached. It must end with a summary of devices passed and
 * connected, with the ledger and the exchanged files where it says.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import { Ledger } from '../../electron/core/ledger/index';
import { runBin } from './helpers';

it('custodian demo builds the chain, provisions simulated devices on ptys and connects them to Mosquitto', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'cli-demo-')), 'fresh');
  const t0 = Date.now();
  const r = await runBin(['demo', '--dir', dir, '--devices', '3']);
  const took = Date.now() - t0;
  expect(r.status, r.stderr).toBe(0);
  expect(took).toBeLessThan(60_000);
  expect(r.stdout).toMatch(/devices passed:\s+3 of 3 \(on real socat ptys\)/);
  expect(r.stdout).toMatch(/devices connected:\s+3 of 3 accepted by Mosquitto/);
  expect(r.stderr).toMatch(/CONNECTED demo-device-003\s+hub saw identity "demo-device-003"/);
  // The files are where the summary says: three homes, the handover folder with CSRs and bundles, a ledger.
  expect(readdirSync(join(dir, 'handover')).sort()).toEqual([
    'company-x-root.pem', 'factory-y.bundle.pem', 'factory-y.csr.pem', 'technician-z.bundle.pem', 'technician-z.csr.pem',
  ]);
  const ledger = Ledger.open({ dir: join(dir, 'technician-z', 'ledger'), readOnly: true });
  try {
    const types = Array.from({ length: ledger.size }, (_, i) => ledger.record(i).t);
    expect(types.filter((t) => t === 'done')).toHaveLength(3);
    expect(r.stdout).toContain(`ledger entries:     ${ledger.size} in`);
  } finally {
    ledger.close();
  }
  // The Company-X home holds only the root; its key never went anywhere else.
  expect(existsSync(join(dir, 'company-x', 'authority', 'ca-key.age'))).toBe(true);
}, 90_000);

it('without socat and mosquitto on PATH it says exactly what to install and still provisions in-process', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'cli-demo-bare-')), 'fresh');
  const r = await runBin(['demo', '--dir', dir, '--devices', '2'], { env: { PATH: dirname(process.execPath) } });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/devices passed:\s+2 of 2 \(in-process links\)/);
  expect(r.stdout).toContain('install: socat (apt-get install socat)');
  expect(r.stdout).toContain('install: mosquitto and mosquitto-clients (apt-get install mosquitto mosquitto-clients)');
  expect(r.stdout).toMatch(/devices connected:\s+not checked \(mosquitto missing\)/);
}, 60_000);

it('refuses a demo folder that already holds files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-demo-used-'));
  writeFileSync(join(dir, 'somebody-elses-file'), 'keep me');
  const again = await runBin(['demo', '--dir', dir, '--devices', '1', '--json']);
  expect(again.status).toBe(4);
  expect(JSON.parse(again.stdout).error.code).toBe('WORKFLOW_DEMO_DIR_NOT_EMPTY');
  expect(readdirSync(dir)).toEqual(['somebody-elses-file']);
  expect(readFileSync(join(dir, 'somebody-elses-file'), 'utf8')).toBe('keep me');
}, 30_000);
