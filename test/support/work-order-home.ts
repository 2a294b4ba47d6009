/**
 * A station home whose CA requires work orders, made with the CLI as the
 * custodians make it (Company-X root in its own home; Factory-Y requested in
 * `home`, signed with `sign-subordinate --require-work-orders`, imported),
 * and work orders for it signed by Company-X's work-order signer.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInProcess, type CliRun } from '../cli/helpers';

export interface WorkOrderHome {
  /** Factory-Y's passphrase (the station's unlock). */
  passphrase: string;
  /** Sign a work order for the station (`work-order create` options after `--id`): the `.cms` file's path. */
  signOrder(id: string, create: string[]): Promise<string>;
  dir: string;
}

function ok(r: CliRun, what: string): CliRun {
  if (r.status !== 0) throw new Error(`${what}: ${r.stdout}${r.stderr}`);
  return r;
}

export async function prepareWorkOrderHome(home: string): Promise<WorkOrderHome> {
  const dir = mkdtempSync(join(tmpdir(), 'wo-home-'));
  const passphrase = 'factory-y passphrase';
  writeFileSync(join(dir, 'pass-x'), 'company-x passphrase\n', { mode: 0o600 });
  writeFileSync(join(dir, 'pass-y'), `${passphrase}\n`, { mode: 0o600 });
  const x = (args: string[], pass = true) => runInProcess(['--home', join(dir, 'home-x'), ...args, ...(pass ? ['--passphrase-file', 'pass-x'] : [])], { cwd: dir });
  const y = (args: string[], pass = true) => runInProcess(['--home', home, ...args, ...(pass ? ['--passphrase-file', 'pass-y'] : [])], { cwd: dir });
  const WF = ['--work-factor', '17'];
  ok(await x(['authority', 'init-root', '--cn', 'Company-X', '--days', '3650', ...WF]), 'init-root');
  ok(await x(['authority', 'export-chain', '--out', 'x-root.pem'], false), 'export-chain');
  ok(await y(['authority', 'request', '--cn', 'Factory-Y', '--root', 'x-root.pem', ...WF, '--out', 'y.csr']), 'request');
  ok(await x(['authority', 'sign-subordinate', 'y.csr', '--path-len', '0', '--days', '1825', '--require-work-orders', '--out', 'y.bundle.pem']), 'sign-subordinate');
  ok(await y(['authority', 'import', 'y.bundle.pem'], false), 'import');
  const fingerprint = (JSON.parse(ok(await y(['authority', 'show', '--json'], false), 'show').stdout) as { chain: { fingerprintSha256: string }[] }).chain[0]!.fingerprintSha256;
  ok(await x(['authority', 'work-order-signer', '--cn', 'Company-X work orders', '--days', '200', ...WF, '--out', 'signer']), 'work-order-signer');
  return {
    passphrase,
    dir,
    async signOrder(id, create) {
      ok(await x(['work-order', 'create', '--id', id, '--issuer', 'Company-X', '--for-ca', fingerprint, ...create, '--out', `${id}.json`], false), 'work-order create');
      ok(await x(['work-order', 'sign', `${id}.json`, '--signer', 'signer', '--out', `${id}.cms`]), 'work-order sign');
      return join(dir, `${id}.cms`);
    },
  };
}
