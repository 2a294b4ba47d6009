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
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintSha256, fromPem } from '../../electron/core/pki/index';
import { shellWord } from '../../electron/core/lifecycle/az-script';
import { openssl } from '../support/openssl';
import { buildChain, DEVICES, failure, ok, type Chain } from './chain-fixture';
import { checkCall, emptyAzState, fakeAz, runAzScript, SCHEMA } from './fake-az';

let c: Chain;
let azBin: string;

beforeAll(async () => {
  c = await buildChain('hub-export-');
  ok(await c.cli('z', ['revoke', DEVICES[1], '--reason', 'keyCompromise']));
  ok(await c.cli('y', ['revoke', c.zSerial, '--reason', 'cACompromise']));
  azBin = fakeAz(c.dir);
}, 180_000);
afterAll(async () => { await c?.stop(); });

const runScript = (dir: string, script: string, args: string[] = [], env: Record<string, string> = {}, state?: string) => runAzScript(azBin, c.dir, dir, script, args, env, state);

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
    // Run from another folder, with the verification certificate named relative to it.
    const v = runScript(z, 'hub-ca.sh', ['verify', 'verification.pem']);
    expect(v.status, v.stderr).toBe(0);
    const verifyCall = checkCall(v.calls.at(-1)!);
    expect(verifyCall.name).toBe('hubCertificateVerify');
    expect(verifyCall.files).toEqual([c.f('verification.pem')]);
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

  it('an enrollment group on the verified root goes by its name; registering the station CA names that CA\'s station for the proof', async () => {
    const rootGroup = c.f('handover-z-root-group');
    ok(await c.cli('z', ['hub', 'export', rootGroup, '--group-ca', 'root', '--dps', 'my-dps']));
    const g = checkCall(runScript(rootGroup, 'dps-ca.sh', ['group']).calls[0]!);
    expect(g.name).toBe('dpsEnrollmentGroupCreate');
    expect([g.opt('--root-ca-name'), g.opt('--certificate-path')]).toEqual(['Company-X', undefined]);
    const stationCa = c.f('handover-z-station-ca');
    ok(await c.cli('z', ['hub', 'export', stationCa, '--register-ca', 'station', '--hub', 'hub-9']));
    const up = runScript(stationCa, 'hub-ca.sh', ['upload'], { HUB: '' });
    const create = checkCall(up.calls[0]!);
    expect([create.opt('--hub-name'), create.opt('--name')]).toEqual(['hub-9', 'Technician-Z']);
    expect(certFp(create.files[0]!)).toBe(certFp(c.f('z.pem')));
    expect(readFileSync(join(stationCa, 'hub-ca.sh'), 'utf8')).toContain('at the station that holds "Technician-Z"');
    const bad = failure(await c.cli('z', ['hub', 'export', c.f('handover-bad'), '--group-ca', 'factory', '--json']));
    expect(bad).toMatchObject({ status: 2, code: 'CLI_USAGE' });
  });

  it('for revocations: the device IDs to disable and their az commands, and disabled DPS enrollments with the revoked certificates', () => {
    expect(readFileSync(join(z, 'revoked/device-ids.txt'), 'utf8')).toBe(`${DEVICES[1]}\n`);
    const state = emptyAzState(c.f('az-state-z.json'));
    const hub = runScript(z, 'revoked/hub-disable.sh', [], {}, state);
    expect(hub.status, hub.stderr).toBe(0);
    // Not on the hub yet: created disabled, for CA authentication.
    expect(hub.calls.map((x) => [checkCall(x).name, checkCall(x).opt('--device-id')])).toEqual([['hubDeviceShow', DEVICES[1]], ['hubDeviceCreateDisabled', DEVICES[1]]]);
    expect(hub.state!.hub[DEVICES[1]]).toMatchObject({ status: 'disabled', auth: 'x509_ca' });
    const dps = runScript(z, 'revoked/dps-disable.sh', [], {}, state);
    expect(dps.status, dps.stderr).toBe(0);
    expect(dps.calls.map((x) => checkCall(x).name)).toEqual(['dpsEnrollmentShow', 'dpsEnrollmentCreate']);
    const e = checkCall(dps.calls[1]!);
    expect(e.opt('--enrollment-id')).toBe(DEVICES[1]);
    expect(certFp(e.files[0]!)).toBe(certFp(c.f(`${DEVICES[1]}.pem`)));
    // Factory-Y revoked the Technician-Z CA: a disabled enrollment group with that CA's certificate.
    const ydps = runScript(y, 'revoked/dps-disable.sh', [], {}, emptyAzState(c.f('az-state-y.json')));
    expect(ydps.status, ydps.stderr).toBe(0);
    const g = checkCall(ydps.calls[1]!);
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
    // A name Azure would refuse (a } would also end the script's ${HUB:-…} default early).
    expect(failure(await c.cli('z', ['hub', 'export', c.f('handover-bad-name'), '--hub', 'hub}x', '--json']))).toMatchObject({ code: 'HUB_EXPORT_INVALID_NAME', status: 2, details: { option: 'hub' } });
  });
});
