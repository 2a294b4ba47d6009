/**
 * `custodian provision` as a child process against simulated devices on real
 * socat ptys, on a Technician-Z station built through the authority
 * ceremonies. The installed credentials are then checked by OpenSSL
 * (-x509_strict, chain to the Company-X root) and by Mosquitto (mutual TLS,
 * identity = CN = device ID). Foreign-CA and missing-intermediate refusals by
 * the hub are covered in test/hub.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proveDeviceConnection } from '../../electron/core/hub/device-connection';
import { startMosquittoHub, type MosquittoHub } from '../../electron/core/hub/mosquitto-hub';
import { Ledger, type LedgerRecord } from '../../electron/core/ledger/index';
import { splitDer } from '../../electron/core/device/protocol';
import { fingerprintSha256, toPem } from '../../electron/core/pki/index';
import { startSimulator, type Fault, type SimulatorHandle } from '../../electron/core/simulator/index';
import { buildDemoChain } from '../../electron/core/line/demo';
import { openssl } from '../support/openssl';
import { runBin, startBin } from './helpers';

const PASS = 'cli-provision-passphrase';
const W = mkdtempSync(join(tmpdir(), 'cli-provision-'));
let files: Awaited<ReturnType<typeof buildDemoChain>>;
let hub: MosquittoHub;
const sims: SimulatorHandle[] = [];
const env = { CUSTODIAN_PASSPHRASE: PASS };

async function sim(deviceId: string, o: { faults?: Fault[]; ptyDir?: string; state?: string } = {}): Promise<SimulatorHandle> {
  const s = await startSimulator({
    stateDir: o.state ?? mkdtempSync(join(W, `${deviceId}-`)),
    transport: 'pty',
    baud: 115200,
    identity: { deviceId },
    ...(o.faults ? { faults: o.faults } : {}),
    ...(o.ptyDir ? { ptyDir: o.ptyDir } : {}),
  });
  sims.push(s);
  return s;
}

const provision = (port: string, ...extra: string[]) => runBin(['--home', files.homes.technicianZ, 'provision', '--port', port, '--operator', 'ci', ...extra], { env });

function ledgerRecords(): LedgerRecord[] {
  const l = Ledger.open({ dir: files.ledger, readOnly: true });
  try {
    return Array.from({ length: l.size }, (_, i) => l.record(i));
  } finally {
    l.close();
  }
}

beforeAll(async () => {
  files = await buildDemoChain(join(W, 'pki'), PASS, () => undefined);
  hub = await startMosquittoHub({ rootCaPem: (await import('node:fs')).readFileSync(files.rootCertificate, 'utf8') });
});
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  await hub?.stop();
});

describe('custodian provision (child process, socat pty)', () => {
  it('provisions a device end to end; OpenSSL verifies the installed chain strictly and Mosquitto accepts the device under its ID', async () => {
    const s = await sim('line-a-0001');
    const r = await provision(s.path!, '--work-order', 'WO-42', '--json');
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const doc = JSON.parse(r.stdout) as { result: string; deviceId: string; how: string; serialHex: string };
    expect(doc).toMatchObject({ result: 'passed', deviceId: 'line-a-0001', how: 'signed' });

    const st = s.state();
    expect(st.locked).toBe(true);
    writeFileSync(join(W, 'leaf.pem'), toPem(st.leaf!, 'CERTIFICATE'));
    const creds = s.tlsCredentials();
    writeFileSync(join(W, 'chain.pem'), creds.chainPem.join(''));
    expect(creds.chainPem).toHaveLength(2); // Technician-Z, Factory-Y (the root stays with the hub)
    const v = openssl(['verify', '-x509_strict', '-purpose', 'sslclient', '-CAfile', files.rootCertificate, '-untrusted', join(W, 'chain.pem'), join(W, 'leaf.pem')]);
    expect(v.stdout + v.stderr).toContain(': OK');
    expect(v.code).toBe(0);
    // Without the injected intermediates the leaf does not verify: the chain on the device is what makes it valid.
    expect(openssl(['verify', '-x509_strict', '-CAfile', files.rootCertificate, join(W, 'leaf.pem')]).code).not.toBe(0);

    const proof = await proveDeviceConnection(hub, 'line-a-0001', { keyPem: creds.keyPem, certificateChainPem: creds.fullChainPem });
    expect(proof.identitySeenByHub).toBe('line-a-0001');

    const recs = ledgerRecords().filter((x) => x.t === 'intent' || x.t === 'done' || x.t === 'outcome');
    expect(recs.map((x) => x.t)).toEqual(['intent', 'done', 'outcome']);
    expect(recs[0]).toMatchObject({ deviceId: 'line-a-0001', operator: 'ci', workOrder: 'WO-42', serialHex: doc.serialHex });

    // Repeat visit: recognised, nothing signed, human output with a PASS block.
    const again = await provision(s.path!);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/PASS\s+line-a-0001/);
    expect(again.stderr).toContain('already provisioned, nothing signed');
    expect(ledgerRecords().filter((x) => x.t === 'intent')).toHaveLength(1);
  });

  it('installs the shipped Azure roots by default, or the hub root given with --trust-anchors; a non-CA there stops the run before any device is touched', async () => {
    const azure = await sim('line-a-anchors-1');
    const r1 = await provision(azure.path!);
    expect(r1.status, r1.stderr).toBe(0);
    expect(r1.stderr).toMatch(/hub trust anchors \(azure\): DigiCert Global Root G2 CB3CCBB76031E5E0…, Microsoft RSA Root Certificate Authority 2017 C741F70F4B2A8D88…/);
    expect(splitDer(azure.state().trustAnchors).map((d) => fingerprintSha256(d).toUpperCase())).toEqual([
      'CB3CCBB76031E5E0138F8DD39A23F9DE47FFC35E43C1144CEA27D46A5AB1CB5F', 'C741F70F4B2A8D88BF2E71C14122EF53EF10EBA0CFA5E64CFA20F418853073E0',
    ]);

    const own = await sim('line-a-anchors-2');
    const r2 = await provision(own.path!, '--trust-anchors', files.rootCertificate);
    expect(r2.status, r2.stderr).toBe(0);
    // Any CA file will do as the hub's root here: the demo's own root is at hand.
    expect(r2.stderr).toMatch(/hub trust anchors \(custom\): O=Company-X, CN=Company-X [0-9A-F]{16}…/);
    expect(own.tlsCredentials().caPem).toBe(readFileSync(files.rootCertificate, 'utf8').replace(/\r\n/g, '\n'));

    const leafPem = join(W, 'not-a-ca.pem');
    writeFileSync(leafPem, toPem(own.state().leaf!, 'CERTIFICATE'));
    const untouched = await sim('line-a-anchors-3');
    const r3 = await provision(untouched.path!, '--trust-anchors', leafPem);
    expect(r3.status).toBe(4);
    expect(r3.stderr).toContain('TRUST_BUNDLE_NOT_CA');
    expect(untouched.state().leaf).toBeNull();
    expect(untouched.stats().requests).toBe(0);
  });

  it('a device whose CSR names someone else fails with a FAIL block (reason and fix), a policy exit status, and nothing signed', async () => {
    const s = await sim('line-a-0002', { faults: [{ kind: 'wrong-cn', cn: 'someone-else' }] });
    const before = ledgerRecords().length;
    const r = await provision(s.path!);
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/FAIL\s+line-a-0002\s+at step "csr"\s+WORKFLOW_CSR_CN_MISMATCH/);
    expect(r.stderr).toMatch(/fix:\s+\S/);
    expect(r.stderr).toContain('(nothing was signed)');
    expect(ledgerRecords().length).toBe(before);
    // The fault was one-shot: the retry passes.
    expect((await provision(s.path!)).status).toBe(0);
  });

  it('re-issue for an existing device ID: refused without a reason (exit 4), signed with one', async () => {
    const s = await sim('line-a-0001'); // same ID as the first test, a different key
    const refused = await provision(s.path!, '--json');
    expect(refused.status).toBe(4);
    expect(JSON.parse(refused.stdout).error.code).toBe('POLICY_REISSUE_REASON_REQUIRED');
    const ok = await provision(s.path!, '--reissue-reason', 'housing replaced, RMA 77', '--json');
    expect(ok.status, ok.stdout).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ result: 'passed', reissued: true });
    const intents = ledgerRecords().filter((x): x is Extract<LedgerRecord, { t: 'intent' }> => x.t === 'intent' && x.deviceId === 'line-a-0001');
    expect(intents.map((i) => i.reissueReason ?? null)).toEqual([null, 'housing replaced, RMA 77']);
  });

  it('--watch serves device after device on the same port and stops after --count', async () => {
    const ptyDir = mkdtempSync(join(W, 'bench-port-'));
    const first = await sim('line-b-0001', { ptyDir });
    const run = startBin(['--home', files.homes.technicianZ, 'provision', '--port', first.path!, '--operator', 'ci', '--watch', '--count', '2'], { env });
    // The station says when the first device is done and may be removed.
    const deadline = Date.now() + 40_000;
    while (!/remove the device to continue/.test(run.stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(run.stderr).toMatch(/PASS\s+line-b-0001/);
    expect(first.state().locked).toBe(true);
    // Swap the device on the bench: the first goes away, the next appears on the same port.
    await first.stop();
    const next = await sim('line-b-0002', { ptyDir });
    expect(next.path).toBe(first.path);
    const status = await run.exited;
    expect(status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/PASS\s+line-b-0002/);
    expect(run.stdout).toContain('2 device(s) served: 2 passed, 0 failed');
    expect(next.state().locked).toBe(true);
  }, 60_000);

  it('--watch stops cleanly on Ctrl-C while waiting for a device', async () => {
    const port = join(mkdtempSync(join(W, 'empty-port-')), 'tty-station');
    const run = startBin(['--home', files.homes.technicianZ, 'provision', '--port', port, '--operator', 'ci', '--watch'], { env });
    const deadline = Date.now() + 30_000;
    while (!run.stderr.includes('waiting for a device') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    run.child.kill('SIGINT');
    expect(await run.exited, run.stderr).toBe(0);
    expect(run.stdout).toContain('0 device(s) served: 0 passed, 0 failed (stopped by operator)');
  });
});
