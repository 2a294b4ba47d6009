/**
 * The revocation scripts of the hub hand-over, each item on its own: run
 * against the stand-in az with a modelled registry (fake-az.ts), a device
 * that fails does not stop the others and is reported (exit 1); a second run
 * is harmless; a device ID starting with `-` reaches az as a value; IDs DPS
 * cannot enroll are listed, not dropped; a revoked certificate of a device
 * renewed since is pinned out; names Azure would refuse are refused; --force
 * leaves no stale file of an earlier export.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { isCustodianError } from '../../electron/core/errors';
import { openStationLedger, type Ledger, type LedgerRecorder } from '../../electron/core/ledger/index';
import { buildHubExport, HubExportCodes, revoke, writeHubExport, type HubExport } from '../../electron/core/lifecycle/index';
import { fingerprintSha256, fromPem, toPem } from '../../electron/core/pki/index';
import { makeHierarchy, makeLeaf, tempDir, type TestCa } from '../ledger/helpers';
import { openssl } from '../support/openssl';
import { checkCall, emptyAzState, fakeAz, runAzScript, SCHEMA } from './fake-az';

let ca: { root: TestCa; factory: TestCa; custodian: TestCa };
let ledger: Ledger;
let recorder: LedgerRecorder;
let dir: string;
let bin: string;

async function issue(deviceId: string): Promise<{ serial: string; der: Uint8Array }> {
  const leaf = await makeLeaf(ca.custodian, deviceId);
  const again = (await recorder.issuedFor(deviceId)).length > 0;
  const h = await recorder.recordIntent({ ...leaf.intent, profile: 'deviceLeaf', ...(again ? { reissueReason: 'replacement' } : {}) });
  await recorder.recordIssued(h, leaf.der);
  return { serial: leaf.intent.serialHex, der: leaf.der };
}

const revokeSerial = (serial: string) => revoke(ledger, { target: serial, by: 'serial', reason: 'keyCompromise', operator: 'op' });

function exportTo(name: string): { out: string; e: HubExport } {
  const e = buildHubExport(ledger, { chain: [ca.custodian.der, ca.factory.der, ca.root.der] });
  const out = join(dir, name);
  writeHubExport(out, e);
  return { out, e };
}

beforeEach(async () => {
  ca = await makeHierarchy();
  dir = tempDir('hub-items-');
  ({ ledger, recorder } = openStationLedger({ dir: join(dir, 'ledger'), stationId: 'station-h' }));
  bin = fakeAz(dir);
  return () => { if (!ledger.closed) ledger.close(); };
});

const run = (out: string, script: string, state: string, env: Record<string, string> = {}) => runAzScript(bin, dir, out, script, [], env, state);

describe('revocation scripts, item by item', () => {
  it('a device that fails does not stop the others; the failures are reported and the script exits 1; a second run finishes the job', async () => {
    for (const id of ['dev-a', 'dev-b', 'dev-c']) await revokeSerial((await issue(id)).serial);
    const { out } = exportTo('x');
    const state = emptyAzState(join(dir, 'state.json'));
    // dev-a is on the hub already (enabled); the others are not.
    writeFileSync(state, JSON.stringify({ hub: { 'dev-a': { status: 'enabled', auth: 'x509_ca' } }, enrollments: {}, groups: {} }));
    const first = run(out, 'revoked/hub-disable.sh', state, { AZ_FAIL: 'dev-b' });
    expect(first.status).toBe(1);
    expect(first.stderr).toMatch(/FAILED create disabled dev-b/);
    expect(first.stderr).toMatch(/1 of 3 device ID\(s\) failed/);
    expect(first.state!.hub).toMatchObject({ 'dev-a': { status: 'disabled' }, 'dev-c': { status: 'disabled', auth: 'x509_ca' } });
    expect(first.state!.hub['dev-b']).toBeUndefined();
    expect(first.calls.map((c) => checkCall(c).name)).toEqual(['hubDeviceShow', 'hubDeviceDisable', 'hubDeviceShow', 'hubDeviceCreateDisabled', 'hubDeviceShow', 'hubDeviceCreateDisabled']);
    const second = run(out, 'revoked/hub-disable.sh', state);
    expect(second.status, second.stderr).toBe(0);
    expect(second.calls.map((c) => checkCall(c).name)).toEqual(['hubDeviceShow', 'hubDeviceDisable', 'hubDeviceShow', 'hubDeviceCreateDisabled', 'hubDeviceShow', 'hubDeviceDisable']);
    expect(Object.values(second.state!.hub).map((d) => d.status)).toEqual(['disabled', 'disabled', 'disabled']);

    const dps1 = run(out, 'revoked/dps-disable.sh', state, { AZ_FAIL: 'dev-a' });
    expect(dps1.status).toBe(1);
    expect(dps1.stderr).toMatch(/FAILED create disabled enrollment dev-a/);
    expect(Object.keys(dps1.state!.enrollments).sort()).toEqual(['dev-b', 'dev-c']);
    const dps2 = run(out, 'revoked/dps-disable.sh', state);
    expect(dps2.status, dps2.stderr).toBe(0);
    expect(dps2.calls.map((c) => checkCall(c).name)).toEqual(['dpsEnrollmentShow', 'dpsEnrollmentCreate', 'dpsEnrollmentShow', 'dpsEnrollmentDisable', 'dpsEnrollmentShow', 'dpsEnrollmentDisable']);
    expect(Object.values(dps2.state!.enrollments).every((x) => x.status === 'disabled')).toBe(true);
  });

  it('a device ID starting with - reaches az as the value of --device-id (the stand-in refuses `--device-id -x`, as argparse does)', async () => {
    await revokeSerial((await issue('-dash')).serial);
    const { out, e } = exportTo('x');
    const state = emptyAzState(join(dir, 'state.json'));
    const r = run(out, 'revoked/hub-disable.sh', state);
    expect(r.status, r.stderr).toBe(0);
    expect(r.state!.hub['-dash']).toMatchObject({ status: 'disabled' });
    expect(checkCall(r.calls[1]!).opt('--device-id')).toBe('-dash');
    const refused = spawnSync(join(bin, 'az'), ['iot', 'hub', 'device-identity', 'show', '--hub-name', 'h', '--device-id', '-dash'], { encoding: 'utf8', env: { AZ_LOG: join(dir, 'direct.log') } });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('expected one argument');
    // Not a DPS enrollment ID: listed with its code, and the DPS script makes no call for it.
    expect(e.notEnrollable).toEqual([{ deviceId: '-dash', code: HubExportCodes.NOT_ENROLLMENT_ID }]);
    expect(readFileSync(join(out, 'revoked/not-enrollable.txt'), 'utf8')).toBe(`-dash\t${HubExportCodes.NOT_ENROLLMENT_ID}\n`);
    expect(readFileSync(join(out, 'README.txt'), 'utf8')).toContain('not-enrollable.txt');
    const d = run(out, 'revoked/dps-disable.sh', state);
    expect(d.status, d.stderr).toBe(0);
    expect(d.calls).toEqual([]);
  });

  it('a revoked certificate of a device renewed since is listed as still accepted by CA authentication, and pinned out at the hub and DPS', async () => {
    const old = await issue('dev-r');
    const live = await issue('dev-r');
    await issue('dev-ok');
    await revokeSerial(old.serial);
    const { out, e } = exportTo('x');
    writeFileSync(join(dir, 'live.pem'), toPem(live.der, 'CERTIFICATE'));
    const sha1 = openssl(['x509', '-in', join(dir, 'live.pem'), '-noout', '-fingerprint', '-sha1']).stdout.trim().split('=')[1]!.replace(/:/g, '');
    expect(e.stillAccepted).toEqual([{ deviceId: 'dev-r', revokedSerials: [old.serial], liveSerial: live.serial, liveThumbprint: sha1 }]);
    expect(e.revokedDevices).toEqual([]);
    expect(readFileSync(join(out, 'README.txt'), 'utf8')).toContain('Revoked certificate still accepted by CA authentication');
    expect(readFileSync(join(out, 'revoked/still-accepted.txt'), 'utf8')).toBe(`dev-r\trevoked ${old.serial}\tlive ${live.serial}\tsha1 ${sha1}\n`);
    // devices.txt pins it too, so an import does not undo the pin; the other device stays on CA authentication.
    const lines = readFileSync(join(out, 'devices.txt'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string; authentication: unknown });
    expect(lines).toEqual([
      expect.objectContaining({ id: 'dev-r', status: 'enabled', authentication: { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: sha1 } } }),
      expect.objectContaining({ id: 'dev-ok', authentication: { type: 'certificateAuthority' } }),
    ]);
    expect(SCHEMA.importDevices.properties.authentication!.properties!.type!.enum).toContain('selfSigned');
    const state = emptyAzState(join(dir, 'state.json'));
    writeFileSync(state, JSON.stringify({ hub: { 'dev-r': { status: 'enabled', auth: 'x509_ca' } }, enrollments: {}, groups: {} }));
    const hub = run(out, 'revoked/hub-disable.sh', state);
    expect(hub.status, hub.stderr).toBe(0);
    expect(hub.calls.map((c) => checkCall(c).name)).toEqual(['hubDeviceShow', 'hubDevicePin']);
    expect(hub.state!.hub['dev-r']).toEqual({ status: 'enabled', auth: 'x509_thumbprint', thumbprint: sha1 });
    const dps = run(out, 'revoked/dps-disable.sh', state);
    expect(dps.status, dps.stderr).toBe(0);
    expect(dps.calls.map((c) => checkCall(c).name)).toEqual(['dpsEnrollmentShow', 'dpsEnrollmentCreateLive']);
    const enr = dps.state!.enrollments['dev-r']!;
    expect(enr.status).toBe('enabled');
    expect(fingerprintSha256(fromPem(readFileSync(enr.certificate!, 'utf8'), 'CERTIFICATE')[0]!.der)).toBe(fingerprintSha256(live.der));
    // Run again: updated in place, same result.
    const again = run(out, 'revoked/dps-disable.sh', state);
    expect(again.calls.map((c) => checkCall(c).name)).toEqual(['dpsEnrollmentShow', 'dpsEnrollmentUpdateLive']);
    expect(again.state).toEqual(dps.state);
  });
});

describe('hub export names and folders', () => {
  it('refuses hub, DPS, resource group and enrollment group names Azure would refuse', () => {
    const chain = [ca.custodian.der, ca.root.der];
    const key = { hub: 'hub', dps: 'dps', resourceGroup: 'resourceGroup', enrollmentGroup: 'enrollmentGroup' } as const;
    for (const [kind, values] of Object.entries((SCHEMA as unknown as { names: { invalid: Record<string, string[]> } }).names.invalid)) {
      for (const v of values) {
        const err = (() => { try { buildHubExport(ledger, { chain, [key[kind as keyof typeof key]]: v }); return null; } catch (x) { return x; } })();
        expect(isCustodianError(err, HubExportCodes.INVALID_NAME), `${kind} ${JSON.stringify(v)}: ${String(err)}`).toBe(true);
      }
    }
    for (const [kind, values] of Object.entries((SCHEMA as unknown as { names: { valid: Record<string, string[]> } }).names.valid)) {
      for (const v of values) expect(() => buildHubExport(ledger, { chain, [key[kind as keyof typeof key]]: v })).not.toThrow();
    }
  });

  it('a path through a file is HUB_EXPORT_OUTPUT_EXISTS; --force leaves no file of an earlier export', async () => {
    await revokeSerial((await issue('dev-a')).serial);
    const e = buildHubExport(ledger, { chain: [ca.custodian.der, ca.root.der] });
    writeFileSync(join(dir, 'a-file'), 'x');
    for (const target of [join(dir, 'a-file'), join(dir, 'a-file', 'sub')]) {
      const err = (() => { try { writeHubExport(target, e); return null; } catch (x) { return x; } })();
      expect(isCustodianError(err, HubExportCodes.OUTPUT_EXISTS), String(err)).toBe(true);
    }
    const out = join(dir, 'again');
    writeHubExport(out, e);
    mkdirSync(join(out, 'revoked/certs'), { recursive: true });
    writeFileSync(join(out, 'revoked/certs/dead01.pem'), 'stale');
    writeHubExport(out, e, true);
    expect(existsSync(join(out, 'revoked/certs/dead01.pem'))).toBe(false);
    expect(existsSync(join(out, 'revoked/hub-disable.sh'))).toBe(true);
  });
});
