/**
 * `custodian hub export <dir>`: the hand-over files are checked against the
 * Azure schema facts in test/fixtures/azure/hub-handover-schema.json (with
 * their sources), and every script is run against a stand-in `az` that
 * records its command lines: each must be a documented command with its
 * required options, and each file it names must be in the export and hold
 * the right certificate. The proof-of-possession round trip uses the
 * verification certificate the station makes.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintSha256, fromPem } from '../../electron/core/pki/index';
import { shellWord } from '../../electron/core/lifecycle/az-script';
import { openssl } from '../support/openssl';
import { buildChain, DEVICES, failure, ok, type Chain } from './chain-fixture';

const SCHEMA = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/azure/hub-handover-schema.json', import.meta.url)), 'utf8')) as {
  importDevices: { defaultBlobName: string; required: string[]; properties: Record<string, { enum?: string[]; type?: string; maxLength?: number; properties?: Record<string, { enum?: string[] }> }> };
  azCommands: { commands: Record<string, { words: string[]; required: string[]; oneOf?: string[][]; values?: Record<string, string>; fileOptions?: string[] }> };
};

let c: Chain;
let azBin: string;
interface AzCall { cwd: string; argv: string[] }

beforeAll(async () => {
  c = await buildChain('hub-export-');
  ok(await c.cli('z', ['revoke', DEVICES[1], '--reason', 'keyCompromise']));
  ok(await c.cli('y', ['revoke', c.zSerial, '--reason', 'cACompromise']));
  // A stand-in for the Azure CLI: records each command line, answers show (etag) and generate-verification-code.
  const bin = c.f('fake-bin');
  mkdirSync(bin);
  azBin = join(bin, 'az');
  writeFileSync(azBin, `#!${process.execPath}
const fs = require('fs');
fs.appendFileSync(process.env.AZ_LOG, JSON.stringify({ cwd: process.cwd(), argv: process.argv.slice(2) }) + '\\n');
const a = process.argv.slice(2);
if (a.includes('show')) console.log('AAAAAAFPazE=');
if (a.includes('generate-verification-code')) console.log('A1B2C3D4E5F6');
`);
  chmodSync(azBin, 0o755);
}, 180_000);
afterAll(async () => { await c?.stop(); });

function runScript(dir: string, script: string, args: string[] = [], env: Record<string, string> = {}): { calls: AzCall[]; status: number; stdout: string; stderr: string } {
  const log = join(c.dir, `az-${Math.random().toString(16).slice(2)}.log`);
  writeFileSync(log, '');
  const r = spawnSync('sh', [join(dir, script), ...args], {
    cwd: c.dir, encoding: 'utf8',
    env: { PATH: `${dirname(azBin)}:/usr/bin:/bin`, AZ_LOG: log, HUB: 'hub-1', DPS: 'dps-1', RG: 'rg-1', ...env },
  });
  const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AzCall);
  return { calls, status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The schema command a call is, checked for its required options and fixed values; the files it names, resolved. */
function checkCall(call: AzCall): { name: string; files: string[]; opt: (o: string) => string | undefined } {
  const entry = Object.entries(SCHEMA.azCommands.commands).find(([, s]) => s.words.slice(1).every((w, i) => call.argv[i] === w));
  expect(entry, `not a documented command: az ${call.argv.join(' ')}`).toBeDefined();
  const [name, spec] = entry!;
  const opt = (o: string) => { const i = call.argv.indexOf(o); return i >= 0 ? call.argv[i + 1] : undefined; };
  for (const o of spec.required) expect(opt(o), `${name} lacks ${o}`).toBeTruthy();
  if (spec.oneOf) expect(spec.oneOf.filter((set) => set.every((o) => opt(o) !== undefined))).toHaveLength(1);
  for (const [o, v] of Object.entries(spec.values ?? {})) expect(opt(o)).toBe(v);
  const files = (spec.fileOptions ?? []).map(opt).filter((x): x is string => x !== undefined).map((p) => resolve(call.cwd, p));
  for (const p of files) expect(existsSync(p), `${name} names ${p}, which is not there`).toBe(true);
  return { name, files, opt };
}

const certFp = (path: string): string => fingerprintSha256(fromPem(readFileSync(path, 'utf8'), 'CERTIFICATE')[0]!.der);

describe('custodian hub export', () => {
  let z: string;
  let y: string;
  beforeAll(async () => {
    z = c.f('handover-z');
    y = c.f('handover-y');
    ok(await c.cli('z', ['hub', 'export', z, '--dps', 'my-dps']));
    ok(await c.cli('y', ['hub', 'export', y]));
  });

  it('writes the CA chain: station CA first, root last', () => {
    const chain = fromPem(readFileSync(join(z, 'ca/chain.pem'), 'utf8'), 'CERTIFICATE').map((b) => fingerprintSha256(b.der));
    expect(chain).toEqual([certFp(c.f('z.pem')), certFp(c.f('y.pem')), certFp(c.f('root.pem'))]);
    expect(certFp(join(z, 'ca/station.pem'))).toBe(certFp(c.f('z.pem')));
    expect(certFp(join(z, 'ca/root.pem'))).toBe(certFp(c.f('root.pem')));
    const v = openssl(['verify', '-CAfile', join(z, 'ca/root.pem'), '-untrusted', join(z, 'ca/chain.pem'), join(z, 'ca/station.pem')]);
    expect(v.code, v.stderr).toBe(0);
  });

  it('devices.txt is the ImportDevices format: one JSON line per provisioned device ID, CA authentication, the revoked one disabled', () => {
    expect(SCHEMA.importDevices.defaultBlobName).toBe('devices.txt');
    const text = readFileSync(join(z, 'devices.txt'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const p = SCHEMA.importDevices.properties;
    for (const l of lines) {
      for (const k of SCHEMA.importDevices.required) expect(l[k], k).toBeDefined();
      for (const [k, v] of Object.entries(l)) {
        expect(p[k], `property ${k} is not in the ImportDevices schema`).toBeDefined();
        if (p[k]!.enum) expect(p[k]!.enum).toContain(v);
        if (p[k]!.maxLength) expect((v as string).length).toBeLessThanOrEqual(p[k]!.maxLength!);
      }
      expect(p.authentication!.properties!.type!.enum).toContain((l.authentication as { type: string }).type);
      expect(l.authentication).toEqual({ type: 'certificateAuthority' });
    }
    expect(lines.map((l) => l.id)).toEqual([...DEVICES]);
    expect(lines.map((l) => l.status)).toEqual(['enabled', 'disabled', 'enabled']);
    // The subordinate-CA signing at Factory-Y is not a device: Y's file has no line for it.
    expect(readFileSync(join(y, 'devices.txt'), 'utf8')).toBe('');
  });

  it('hub-ca.sh registers the root with IoT Hub and completes the proof of possession with the station\'s verification certificate', async () => {
    const up = runScript(z, 'hub-ca.sh', ['upload']);
    expect(up.status, up.stderr).toBe(0);
    expect(up.calls.map((x) => checkCall(x).name)).toEqual(['hubCertificateCreate', 'hubCertificateShow', 'hubGenerateVerificationCode']);
    const create = checkCall(up.calls[0]!);
    expect(create.opt('--hub-name')).toBe('hub-1');
    expect(certFp(create.files[0]!)).toBe(certFp(c.f('root.pem')));
    expect(checkCall(up.calls[2]!).opt('--etag')).toBe('AAAAAAFPazE=');
    const code = up.stdout.trim().split('\n').at(-1)!;
    expect(code).toBe('A1B2C3D4E5F6');
    // At the root's station (Company-X): the verification certificate for that code.
    ok(await c.cli('x', ['authority', 'verification-cert', code, '--out', 'verification']));
    const v = runScript(z, 'hub-ca.sh', ['verify', c.f('verification.pem')]);
    expect(v.status, v.stderr).toBe(0);
    const verifyCall = checkCall(v.calls.at(-1)!);
    expect(verifyCall.name).toBe('hubCertificateVerify');
    expect(verifyCall.opt('--path')).toBe(c.f('verification.pem'));
    const pop = openssl(['verify', '-CAfile', join(z, 'ca/root.pem'), c.f('verification.pem')]);
    expect(pop.code, pop.stderr).toBe(0);
    expect(openssl(['x509', '-in', c.f('verification.pem'), '-noout', '-subject']).stdout).toContain(`CN = ${code}`);
    // Without a hub name the script stops before calling az.
    const none = runScript(z, 'hub-ca.sh', ['upload'], { HUB: '' });
    expect(none.status).not.toBe(0);
    expect(none.calls).toEqual([]);
  });

  it('dps-ca.sh registers the CA with DPS and makes the enrollment group on the station CA, whose chain ends in the registered root', () => {
    const up = runScript(z, 'dps-ca.sh', ['upload'], { DPS: '' });
    expect(up.status, up.stderr).toBe(0);
    expect(up.calls.map((x) => checkCall(x).name)).toEqual(['dpsCertificateCreate', 'dpsCertificateShow', 'dpsGenerateVerificationCode']);
    expect(checkCall(up.calls[0]!).opt('--dps-name')).toBe('my-dps'); // the default given to hub export
    const g = runScript(z, 'dps-ca.sh', ['group']);
    expect(g.status, g.stderr).toBe(0);
    expect(g.calls).toHaveLength(1);
    const group = checkCall(g.calls[0]!);
    expect(group.name).toBe('dpsEnrollmentGroupCreate');
    expect(group.opt('--enrollment-id')).toBe('technician-z');
    expect(certFp(group.files[0]!)).toBe(certFp(c.f('z.pem')));
    // The devices' chain (station CA … root) verifies under the root dps-ca.sh registers.
    const leaf = openssl(['verify', '-CAfile', join(z, 'ca/root.pem'), '-untrusted', join(z, 'ca/chain.pem'), c.f(`${DEVICES[0]}.pem`)]);
    expect(leaf.code, leaf.stderr).toBe(0);
  });

  it('for revocations: the device IDs to disable and their az commands, and disabled DPS enrollments with the revoked certificates', () => {
    expect(readFileSync(join(z, 'revoked/device-ids.txt'), 'utf8')).toBe(`${DEVICES[1]}\n`);
    const hub = runScript(z, 'revoked/hub-disable.sh');
    expect(hub.status, hub.stderr).toBe(0);
    expect(hub.calls.map((x) => [checkCall(x).name, checkCall(x).opt('--device-id')])).toEqual([['hubDeviceDisable', DEVICES[1]]]);
    const dps = runScript(z, 'revoked/dps-disable.sh');
    expect(dps.status, dps.stderr).toBe(0);
    expect(dps.calls).toHaveLength(1);
    const e = checkCall(dps.calls[0]!);
    expect(e.name).toBe('dpsEnrollmentCreate');
    expect(e.opt('--enrollment-id')).toBe(DEVICES[1]);
    expect(certFp(e.files[0]!)).toBe(certFp(c.f(`${DEVICES[1]}.pem`)));
    // Factory-Y revoked the Technician-Z CA: a disabled enrollment group with that CA's certificate.
    const ydps = runScript(y, 'revoked/dps-disable.sh');
    expect(ydps.status, ydps.stderr).toBe(0);
    const g = checkCall(ydps.calls[0]!);
    expect(g.name).toBe('dpsEnrollmentGroupCreate');
    expect(g.opt('--provisioning-status')).toBe('disabled');
    expect(certFp(g.files[0]!)).toBe(certFp(c.f('z.pem')));
    expect(runScript(y, 'revoked/hub-disable.sh').calls).toEqual([]);
  });

  it('every script parses as POSIX sh, and device IDs are quoted for it', () => {
    for (const s of ['hub-ca.sh', 'dps-ca.sh', 'revoked/hub-disable.sh', 'revoked/dps-disable.sh']) {
      expect(spawnSync('sh', ['-n', join(z, s)]).status, s).toBe(0);
    }
    // IoT Hub device IDs may hold ' $ ( ) * ? ! and more: each reaches az as the one word it is.
    for (const id of ["dev'1", 'dev$(id)', 'a*b?c!', "x=y@z%'(),:", 'plain-id.1']) {
      expect(spawnSync('sh', ['-c', `printf %s ${shellWord(id)}`], { encoding: 'utf8' }).stdout).toBe(id);
    }
  });

  it('refuses a folder that already holds files', async () => {
    expect(failure(await c.cli('z', ['hub', 'export', z, '--json']))).toMatchObject({ code: 'HUB_EXPORT_OUTPUT_EXISTS', status: 3 });
  });
});
