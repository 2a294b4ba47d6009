/**
 * CA rollover through the real CLI, child processes only: Technician-Z
 * requests a successor while it keeps provisioning, Factory-Y signs it,
 * Technician-Z imports it and provisions the next device with it; `authority
 * show` lists both generations; the exported bundle carries the retired
 * chain and `custodian audit` accepts the station, reporting the devices of
 * each CA. Both devices verify with `openssl verify -x509_strict`; the retired
 * CA's kept key signs its CRL, which OpenSSL applies to the devices it signed.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoChain } from '../../electron/core/line/demo';
import { readCertificate, toPem } from '../../electron/core/pki/index';
import { startSimulator, type SimulatorHandle } from '../../electron/core/simulator/index';
import { openssl } from '../support/openssl';
import { runBin, type CliRun } from './helpers';

const PASS = 'cli-rollover-passphrase';
const W = mkdtempSync(join(tmpdir(), 'cli-rollover-'));
let files: Awaited<ReturnType<typeof buildDemoChain>>;
const sims: SimulatorHandle[] = [];
const env = { CUSTODIAN_PASSPHRASE: PASS };

const tz = (...args: string[]) => runBin(['--home', files.homes.technicianZ, ...args], { env, cwd: W });
const fy = (...args: string[]) => runBin(['--home', files.homes.factoryY, ...args], { env, cwd: W });
function json<T>(r: CliRun): T {
  expect(r.status, r.stderr + r.stdout).toBe(0);
  return JSON.parse(r.stdout) as T;
}

async function provisioned(deviceId: string): Promise<SimulatorHandle> {
  const s = await startSimulator({ stateDir: mkdtempSync(join(W, `${deviceId}-`)), transport: 'pty', baud: 115200, identity: { deviceId } });
  sims.push(s);
  json(await tz('provision', '--port', s.path!, '--operator', 'ci', '--json'));
  return s;
}

function verifies(s: SimulatorHandle, tag: string): string {
  writeFileSync(join(W, `${tag}-leaf.pem`), toPem(s.state().leaf!, 'CERTIFICATE'));
  writeFileSync(join(W, `${tag}-chain.pem`), s.tlsCredentials().chainPem.join(''));
  const v = openssl(['verify', '-x509_strict', '-purpose', 'sslclient', '-CAfile', files.rootCertificate, '-untrusted', join(W, `${tag}-chain.pem`), join(W, `${tag}-leaf.pem`)]);
  return v.stdout + v.stderr;
}

beforeAll(async () => {
  files = await buildDemoChain(join(W, 'pki'), PASS, () => undefined);
});
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
});

interface Show { chain: { fingerprintSha256: string }[]; successor: { csrSha256: string } | null; retired: { fingerprintSha256: string }[]; expiryWarning: unknown }

describe('custodian authority request --successor / import', () => {
  it('rolls the station over without a gap; old and new devices verify; the audit reports both CAs', async () => {
    const oldDevice = await provisioned('roll-cli-1');
    const before = json<Show>(await tz('authority', 'show', '--json'));
    const oldFp = before.chain[0]!.fingerprintSha256;
    expect(before).toMatchObject({ successor: null, retired: [], expiryWarning: null });

    // The successor is sealed under the current CA key's passphrase (the checkpoint key is sealed under it too): a wrong one makes nothing.
    const wrong = await runBin(['--home', files.homes.technicianZ, 'authority', 'request', '--successor', '--work-factor', '17', '--json'], { env: { CUSTODIAN_PASSPHRASE: 'not the station passphrase' }, cwd: W });
    expect(wrong.status).toBe(5);
    expect(wrong.stderr + wrong.stdout).toContain('VAULT_WRONG_PASSPHRASE');
    expect(json<Show>(await tz('authority', 'show', '--json')).successor).toBeNull();
    const req = json<{ csrSha256: string; current: { fingerprint: string } }>(await tz('authority', 'request', '--successor', '--out', 'successor.csr', '--operator', 'officer', '--work-factor', '17', '--json'));
    expect(req.current.fingerprint).toBe(oldFp);
    expect(json<Show>(await tz('authority', 'show', '--json')).successor?.csrSha256).toBe(req.csrSha256);
    // A second successor request is refused while one waits.
    const twice = await tz('authority', 'request', '--successor', '--work-factor', '17', '--json');
    expect(twice.status).toBe(4);
    expect(twice.stderr + twice.stdout).toContain('AUTHORITY_SUCCESSOR_PENDING');
    // The current CA keeps signing meanwhile.
    const during = await provisioned('roll-cli-2');
    expect(readCertificate(during.state().leaf!).issuer).toBe(readCertificate(oldDevice.state().leaf!).issuer);

    json(await fy('authority', 'sign-subordinate', join(W, 'successor.csr'), '--path-len', '0', '--days', '1825', '--out', join(W, 'successor.bundle.pem'), '--json'));
    const imported = json<{ fingerprint: string; previous: string }>(await tz('authority', 'import', join(W, 'successor.bundle.pem'), '--operator', 'officer', '--json'));
    expect(imported.previous).toBe(oldFp);
    const after = json<Show>(await tz('authority', 'show', '--json'));
    expect(after.chain[0]!.fingerprintSha256).toBe(imported.fingerprint);
    expect(after.retired.map((r) => r.fingerprintSha256)).toEqual([oldFp]);
    const human = await tz('authority', 'show');
    expect(human.stdout).toMatch(/retired CAs \(no new signatures; kept for CRLs/);

    const newDevice = await provisioned('roll-cli-3');
    for (const [s, tag] of [[oldDevice, 'old'], [during, 'during'], [newDevice, 'new']] as const) expect(verifies(s, tag)).toMatch(/: OK/);
    writeFileSync(join(W, 'succ-chain.pem'), newDevice.tlsCredentials().chainPem.join(''));
    expect(openssl(['verify', '-x509_strict', '-CAfile', files.rootCertificate, '-untrusted', join(W, 'succ-chain.pem'), join(W, 'old-leaf.pem')]).code).not.toBe(0);

    const bundle = join(W, 'bundle');
    json(await tz('ledger', 'export', bundle, '--json'));
    expect(existsSync(join(bundle, 'retired', '01.pem'))).toBe(true);
    const report = json<{ ok: boolean; findings: unknown[]; stations: { lifecycle: { rollovers: number; issuingCas: { fingerprint: string; devices: string[] }[] } }[] }>(
      await runBin(['audit', bundle, '--root', files.rootCertificate, '--json'], { cwd: W }),
    );
    expect(report.findings).toEqual([]);
    expect(report.stations[0]!.lifecycle.rollovers).toBe(1);
    expect(report.stations[0]!.lifecycle.issuingCas.map((c) => [c.fingerprint, c.devices])).toEqual([
      [oldFp, ['roll-cli-1', 'roll-cli-2']],
      [imported.fingerprint, ['roll-cli-3']],
    ]);

    // The retired CA stays available for CRLs: a device it signed is revoked, and its CRL is signed with its kept key.
    json(await tz('revoke', 'roll-cli-1', '--reason', 'keyCompromise', '--operator', 'sec', '--json'));
    const unknown = await tz('crl', '--issuer', 'ffffffff', '--out', join(W, 'x.crl'), '--json');
    expect(unknown.stderr + unknown.stdout).toContain('AUTHORITY_RETIRED_UNKNOWN');
    const oldCrl = json<{ revoked: { serialHex: string }[] }>(await tz('crl', '--issuer', oldFp.slice(0, 16), '--out', join(W, 'old.crl'), '--json'));
    expect(oldCrl.revoked.map((e) => e.serialHex)).toEqual([readCertificate(oldDevice.state().leaf!).serialHex]);
    const current = json<{ revoked: unknown[] }>(await tz('crl', '--out', join(W, 'new.crl'), '--json'));
    expect(current.revoked).toEqual([]);
    writeFileSync(join(W, 'old-ca-chain.pem'), oldDevice.tlsCredentials().chainPem.join(''));
    const crlCheck = (leaf: string, crl: string) => openssl(['verify', '-crl_check', '-CRLfile', join(W, crl), '-CAfile', files.rootCertificate, '-untrusted', join(W, 'old-ca-chain.pem'), join(W, leaf)]);
    expect(crlCheck('old-leaf.pem', 'old.crl').stdout + crlCheck('old-leaf.pem', 'old.crl').stderr).toMatch(/certificate revoked/);
    expect(crlCheck('during-leaf.pem', 'old.crl').code).toBe(0);
  });
});
