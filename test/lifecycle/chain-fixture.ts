/**
 * A Company-X → Factory-Y → Technician-Z chain built through the CLI
 * ceremonies (vault keys, each custodian in its own home, every CA signing
 * in the signer's ledger) and three devices provisioned by Technician-Z on
 * socat ptys, for the revocation, CRL and hub hand-over tests.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Ledger, type LedgerRecord } from '../../electron/core/ledger/index';
import { toPem } from '../../electron/core/pki/index';
import { startSimulator, type SimulatorHandle } from '../../electron/core/simulator/index';
import { runBin, runInProcess, type CliRun } from '../cli/helpers';

export type Station = 'x' | 'y' | 'z';
export const DEVICES = ['crl-line-0001', 'crl-line-0002', 'crl-line-0003'] as const;
export const ENV = { CUSTODIAN_PASSPHRASE: 'lifecycle passphrase', CUSTODIAN_OPERATOR: 'alice' };

export interface Chain {
  dir: string;
  f(name: string): string;
  home(s: Station): string;
  cli(s: Station, args: string[]): Promise<CliRun>;
  records(s: Station): LedgerRecord[];
  sims: Map<string, SimulatorHandle>;
  /** Serial of Technician-Z's CA certificate (signed by Factory-Y). */
  zSerial: string;
  stop(): Promise<void>;
}

export function ok(r: CliRun): CliRun {
  expect(r.status, r.stderr + r.stdout).toBe(0);
  return r;
}

/** The error document of a failed --json run. */
export function failure(r: CliRun): { status: number; code: string; details: Record<string, unknown> } {
  const j = JSON.parse(r.stdout || r.stderr) as { error: { code: string; details: Record<string, unknown> } };
  return { status: r.status, code: j.error.code, details: j.error.details };
}

export async function buildChain(prefix: string): Promise<Chain> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const f = (name: string) => join(dir, name);
  const home = (s: Station) => f(`home-${s}`);
  const cli = (s: Station, args: string[]) => runInProcess(['--home', home(s), ...args], { cwd: dir, env: ENV });
  const records = (s: Station): LedgerRecord[] => {
    const l = Ledger.open({ dir: join(home(s), 'ledger'), readOnly: true });
    try { return Array.from({ length: l.size }, (_, i) => l.record(i)); } finally { l.close(); }
  };
  ok(await cli('x', ['authority', 'init-root', '--cn', 'Company-X', '--org', 'Company X', '--path-len', '2', '--days', '3650', '--work-factor', '17']));
  ok(await cli('x', ['authority', 'export-chain', '--out', 'root.pem']));
  ok(await cli('y', ['authority', 'request', '--cn', 'Factory-Y', '--root', 'root.pem', '--work-factor', '17', '--out', 'y.csr']));
  ok(await cli('x', ['authority', 'sign-subordinate', 'y.csr', '--path-len', '1', '--days', '1825', '--out', 'y.bundle.pem']));
  ok(await cli('y', ['authority', 'import', 'y.bundle.pem']));
  ok(await cli('z', ['authority', 'request', '--cn', 'Technician-Z', '--root', 'root.pem', '--work-factor', '17', '--out', 'z.csr']));
  const zSerial = (JSON.parse(ok(await cli('y', ['authority', 'sign-subordinate', 'z.csr', '--path-len', '0', '--days', '365', '--out', 'z.bundle.pem', '--json'])).stdout) as { serialHex: string }).serialHex;
  ok(await cli('z', ['authority', 'import', 'z.bundle.pem']));
  for (const s of ['x', 'y', 'z'] as const) ok(await cli(s, ['authority', 'export-chain', '--ca-only', '--out', `${s}.pem`]));
  writeFileSync(f('untrusted.pem'), readFileSync(f('z.pem'), 'utf8') + readFileSync(f('y.pem'), 'utf8'));
  const sims = new Map<string, SimulatorHandle>();
  for (const id of DEVICES) {
    const s = await startSimulator({ stateDir: mkdtempSync(join(dir, `${id}-`)), transport: 'pty', baud: 115200, identity: { deviceId: id } });
    sims.set(id, s);
    const r = await runBin(['--home', home('z'), 'provision', '--port', s.path!, '--operator', 'ci', '--json'], { cwd: dir, env: ENV });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    writeFileSync(f(`${id}.pem`), toPem(s.state().leaf!, 'CERTIFICATE'));
  }
  return { dir, f, home, cli, records, sims, zSerial, stop: async () => { await Promise.all([...sims.values()].map((s) => s.stop())); } };
}
