/**
 * A station ledger with issued devices, its CA chain and the CLI driven
 * in-process, shared by the tamper and audit tests.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../electron/cli/run';
import { openStationLedger } from '../../electron/core/ledger';
import { makeLeaf, tempDir, type TestCa } from './helpers';

export interface CliRun { status: number; stdout: string; stderr: string; json: unknown }

export async function cli(argv: string[], cwd = process.cwd()): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => { stdout += s; return true; } },
    stderr: { write: (s: string) => { stderr += s; return true; } },
    stdin: process.stdin,
    env: { ...process.env, CUSTODIAN_HOME: '' },
    cwd,
  };
  const status = await runCli(argv, io);
  let json: unknown = null;
  try { json = JSON.parse(stdout); } catch { /* human output */ }
  return { status, stdout, stderr, json };
}

export interface Station {
  home: string;
  ledgerDir: string;
  chainPem: string;
  devices: { deviceId: string; serialHex: string; der: Uint8Array }[];
}

/** A station home with `count` devices issued (intent, done, outcome each). */
export async function makeStation(name: string, custodian: TestCa, factory: TestCa, devices: string[], serials?: string[]): Promise<Station> {
  const home = tempDir(`station-${name}-`);
  const ledgerDir = join(home, 'ledger');
  const { ledger, recorder } = openStationLedger({ dir: ledgerDir, stationId: name });
  await recorder.recordSession({ operator: 'op-1', action: 'login' });
  const out: Station['devices'] = [];
  for (const [i, deviceId] of devices.entries()) {
    const leaf = await makeLeaf(custodian, deviceId, serials?.[i]);
    const h = await recorder.recordIntent(leaf.intent);
    await recorder.recordIssued(h, leaf.der);
    await recorder.recordOutcome(h, { result: 'passed' });
    out.push({ deviceId, serialHex: leaf.intent.serialHex, der: leaf.der });
  }
  ledger.close();
  const chainPem = join(home, 'chain.pem');
  writeFileSync(chainPem, custodian.pem + factory.pem);
  return { home, ledgerDir, chainPem, devices: out };
}

/** An independent copy of a station home, to tamper with. */
export function cloneStation(s: Station): Station {
  const home = tempDir('station-copy-');
  cpSync(s.home, home, { recursive: true });
  return { ...s, home, ledgerDir: join(home, 'ledger'), chainPem: join(home, 'chain.pem') };
}

export async function exportBundle(s: Station): Promise<string> {
  const dir = join(tempDir('bundle-'), 'bundle');
  const r = await cli(['--home', s.home, 'ledger', 'export', dir, '--chain', s.chainPem, '--json']);
  if (r.status !== 0) throw new Error(`export failed: ${r.stdout}${r.stderr}`);
  return dir;
}

export function writeRoot(root: TestCa): string {
  const d = tempDir('root-');
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'root.pem'), root.pem);
  return join(d, 'root.pem');
}

export function lines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').slice(0, -1);
}

export function writeLines(path: string, ls: string[]): void {
  writeFileSync(path, ls.map((l) => `${l}\n`).join(''));
}

export interface AuditJson {
  ok: boolean;
  findings: { kind: string; severity: string; origin: string; index?: number; message: string }[];
  stations: { origin: string; issued: number; entries: number }[];
}

/** Run `custodian audit … --json`; returns the exit status and the report (from success or error output). */
export async function audit(bundles: string[], rootPem: string, extra: string[] = []): Promise<{ status: number; report: AuditJson; raw: CliRun }> {
  const r = await cli(['audit', ...bundles, '--root', rootPem, ...extra, '--json']);
  const j = r.json as { error?: { code: string; details: { report?: AuditJson } } } & AuditJson;
  const report = j?.error ? j.error.details.report! : j;
  if (!report) throw new Error(`audit produced no report: ${r.stdout} ${r.stderr}`);
  return { status: r.status, report, raw: r };
}
