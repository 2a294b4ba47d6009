/**
 * `custodian provision --driver nrf91` as a child process against the nRF91
 * modem simulator on a real socat pty, on a Technician-Z station built
 * through the authority ceremonies: the modem generates its key (AT%KEYGEN),
 * the station checks the CSR and the attestation against the brand owner's
 * identity key, signs, writes leaf + chain and the hub's trust anchors with
 * AT%CMNG and reads them back. OpenSSL then verifies what the modem stores
 * (-x509_strict), Mosquitto accepts the modem's key under its CN, and the
 * ledger record names the driver, the modem and every proof; the audit
 * accepts the exported ledger.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proveDeviceConnection } from '../../electron/core/hub/device-connection';
import { startMosquittoHub, type MosquittoHub } from '../../electron/core/hub/mosquitto-hub';
import { Ledger, type LedgerRecord } from '../../electron/core/ledger/index';
import { buildDemoChain } from '../../electron/core/line/demo';
import { startNrf91Simulator, type Nrf91Fault, type Nrf91SimulatorHandle, type Nrf91SimulatorOptions } from '../../electron/core/simulator/nrf91/index';
import { startSimulator } from '../../electron/core/simulator/index';
import { makeHubServer, makeOpensslCa, openssl } from '../support/openssl';
import { runBin } from './helpers';

const PASS = 'cli-nrf91-passphrase';
const W = mkdtempSync(join(tmpdir(), 'cli-nrf91-'));
const SEC_TAG = 10;
let files: Awaited<ReturnType<typeof buildDemoChain>>;
let hub: MosquittoHub;
/** The hub's own server root: the station installs it into each modem, and the modem verifies the hub with it. */
let hubRoot: { rootPem: string; rootKey: string };
const sims: Array<{ stop(): Promise<void> }> = [];
const env = { CUSTODIAN_PASSPHRASE: PASS };

async function modem(o: Partial<Nrf91SimulatorOptions> & { faults?: Nrf91Fault[] } = {}): Promise<Nrf91SimulatorHandle> {
  const s = await startNrf91Simulator({ stateDir: mkdtempSync(join(W, 'modem-')), transport: 'pty', keygenDelayMs: 0, ...o });
  sims.push(s);
  return s;
}

const provision = (port: string, ...extra: string[]) =>
  runBin(['--home', files.homes.technicianZ, 'provision', '--port', port, '--operator', 'ci', ...extra], { env });

function ledgerRecords(): LedgerRecord[] {
  const l = Ledger.open({ dir: files.ledger, readOnly: true });
  try {
    return Array.from({ length: l.size }, (_, i) => l.record(i));
  } finally {
    l.close();
  }
}

function identityKeys(...modems: Nrf91SimulatorHandle[]): string {
  const path = join(mkdtempSync(join(W, 'keys-')), 'identity-keys.json');
  writeFileSync(path, JSON.stringify(Object.assign({}, ...modems.map((m) => m.identityKeysFile()))));
  return path;
}

beforeAll(async () => {
  files = await buildDemoChain(join(W, 'pki'), PASS, () => undefined);
  hubRoot = makeOpensslCa(W, 'hub-root');
  hub = await startMosquittoHub({ rootCaPem: readFileSync(files.rootCertificate, 'utf8'), server: makeHubServer(W, 'nrf91-hub', hubRoot) });
});
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  await hub?.stop();
});

describe('custodian provision --driver nrf91 (child process, socat pty, nRF91 simulator)', () => {
  it('provisions a modem end to end: strict OpenSSL chain, Mosquitto under its CN, and a ledger record with driver, modem, proofs and attestation', async () => {
    const m = await modem();
    const { imei, firmware } = m.state();
    const deviceId = `nrf-${imei}`;
    const r = await provision(m.path!, '--driver', 'nrf91', '--identity-keys', identityKeys(m), '--trust-anchors', hubRoot.rootPem, '--work-order', 'WO-91', '--json');
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const doc = JSON.parse(r.stdout) as { result: string; deviceId: string; how: string; serialHex: string; driver: string; finalProof: string; proofs: string[] };
    expect(doc).toMatchObject({ result: 'passed', deviceId, how: 'signed', driver: 'nrf91', finalProof: 'csr-signature' });

    // What the modem stores, as the modem's TLS stack would read it.
    const creds = m.tlsCredentials(SEC_TAG);
    writeFileSync(join(W, 'leaf.pem'), creds.certPem);
    writeFileSync(join(W, 'chain.pem'), creds.chainPem.join(''));
    expect(creds.chainPem).toHaveLength(2); // Technician-Z, Factory-Y
    const v = openssl(['verify', '-x509_strict', '-purpose', 'sslclient', '-CAfile', files.rootCertificate, '-untrusted', join(W, 'chain.pem'), join(W, 'leaf.pem')]);
    expect(v.stdout + v.stderr).toContain(': OK');
    expect(v.code).toBe(0);
    expect(creds.caPem, 'the hub root is installed as the root CA credential (type 0)').toMatch(/BEGIN CERTIFICATE/);

    // TLS both ways: the hub accepts the modem's key under its CN, and the modem verifies the hub with the anchor it stores.
    const proof = await proveDeviceConnection(hub, deviceId, { keyPem: creds.keyPem, certificateChainPem: creds.fullChainPem, caPem: creds.caPem! });
    expect(proof.identitySeenByHub).toBe(deviceId);

    const all = ledgerRecords();
    const at = all.findIndex((x) => x.t === 'intent' && x.deviceId === deviceId);
    const recs = [all[at]!, ...all.filter((x) => (x.t === 'done' || x.t === 'outcome') && x.intent === at)];
    expect(recs.map((x) => x.t)).toEqual(['intent', 'done', 'outcome']);
    const intent = recs[0] as Extract<LedgerRecord, { t: 'intent' }>;
    expect(intent).toMatchObject({
      deviceId,
      workOrder: 'WO-91',
      driver: 'nrf91',
      device: { imei, modemFirmware: firmware, secTag: String(SEC_TAG) },
      attestation: { format: 'nrf91-keygen-cose', signature: 'verified' },
    });
    expect(intent.proofs).toEqual(expect.arrayContaining(['csr-signature', 'attestation']));
    expect(recs[2]).toMatchObject({ t: 'outcome', result: 'passed', finalProof: 'csr-signature' });
    expect((recs[2] as Extract<LedgerRecord, { t: 'outcome' }>).proofs).toEqual(expect.arrayContaining(['csr-signature', 'attestation', 'read-back']));

    // The brand owner's audit accepts the exported ledger.
    const bundle = join(W, 'bundle-nrf91');
    const exp = await runBin(['--home', files.homes.technicianZ, 'ledger', 'export', bundle], { env });
    expect(exp.status, exp.stderr).toBe(0);
    const audit = await runBin(['audit', bundle, '--root', files.rootCertificate, '--json'], { env });
    expect(audit.status, audit.stdout + audit.stderr).toBe(0);

    // A second visit cannot prove the stored key: it is a re-issue, refused without a reason, signed with one.
    const again = await provision(m.path!, '--driver', 'nrf91', '--json');
    expect(again.status).toBe(4);
    expect(JSON.parse(again.stdout).error.code).toBe('POLICY_REISSUE_REASON_REQUIRED');
    const reissued = await provision(m.path!, '--driver', 'nrf91', '--reissue-reason', 'modem replaced on rework', '--json');
    expect(reissued.status, reissued.stdout).toBe(0);
    expect(JSON.parse(reissued.stdout)).toMatchObject({ result: 'passed', reissued: true });
  });

  it('refuses a modem whose attestation does not verify under the brand owner\'s key for it, before anything is signed', async () => {
    const m = await modem();
    const other = await modem();
    // The file names this modem's UUID, with another modem's identity key.
    const [uuid] = Object.keys(m.identityKeysFile());
    const path = join(mkdtempSync(join(W, 'keys-')), 'identity-keys.json');
    writeFileSync(path, JSON.stringify({ [uuid!]: Object.values(other.identityKeysFile())[0] }));
    const before = ledgerRecords().length;
    const r = await provision(m.path!, '--driver', 'nrf91', '--identity-keys', path, '--json');
    expect(r.status).not.toBe(0);
    expect(JSON.parse(r.stdout).error.code).toBe('NRF91_KEYGEN_SIGNATURE_INVALID');
    expect(ledgerRecords().length).toBe(before);
    expect(m.state().credentials.filter((c) => c.type === 1)).toHaveLength(0);
  });

  it('--driver auto finds an nRF91 modem and a Custodian device by a probe, and each passes', async () => {
    const m = await modem();
    const r = await provision(m.path!, '--driver', 'auto');
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stderr).toContain('found: Nordic nRF91 modem');
    const again = await provision((await modem()).path!, '--driver', 'auto', '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ result: 'passed', driver: 'nrf91' });

    const c = await startSimulator({ stateDir: mkdtempSync(join(W, 'custodian-')), transport: 'pty', identity: { deviceId: 'probe-0001' } });
    sims.push(c);
    const rc = await provision(c.path!, '--driver', 'auto', '--json');
    expect(rc.status, rc.stderr + rc.stdout).toBe(0);
    expect(JSON.parse(rc.stdout)).toMatchObject({ result: 'passed', driver: 'custodian', finalProof: 'challenge' });
  });

  it('refuses an unknown driver and --watch with auto as usage errors', async () => {
    const bad = await provision('/dev/null', '--driver', 'zigbee');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--driver zigbee: use custodian, nrf91, auto/);
    const watch = await provision('/dev/null', '--driver', 'auto', '--watch');
    expect(watch.status).toBe(2);
    expect(watch.stderr).toMatch(/--watch serves one kind of device/);
  });
});
