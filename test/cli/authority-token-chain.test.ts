/**
 * Company-X → Factory-Y → Technician-Z through the real CLI with every CA key
 * generated in a PKCS#11 token (SoftHSM2, one token per custodian), then
 * devices provisioned by Technician-Z in a separate process that finds its
 * key again by URI. Checked with pkcs11-tool (keys sensitive, never
 * extractable), `openssl verify -x509_strict` and Mosquitto.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proveDeviceConnection } from '../../electron/core/hub/device-connection';
import { startMosquittoHub, type MosquittoHub } from '../../electron/core/hub/mosquitto-hub';
import { toPem } from '../../electron/core/pki/index';
import { startSimulator, type SimulatorHandle } from '../../electron/core/simulator/index';
import { openssl } from '../support/openssl';
import { HAVE_PKCS11_TOOL, HAVE_SOFTHSM, startSoftHsm, type SoftHsm } from '../token/softhsm';
import { runBin, type CliRun } from './helpers';

const W = mkdtempSync(join(tmpdir(), 'token-ceremony-'));
const f = (name: string) => join(W, name);
const PIN = { x: '110011', y: '220022', z: '330033' };
const LABEL = { x: 'company-x', y: 'factory-y', z: 'technician-z' };
for (const [k, v] of Object.entries(PIN)) writeFileSync(f(`pin-${k}`), `${v}\n`, { mode: 0o600 });
writeFileSync(f('pin-wrong'), '999999\n', { mode: 0o600 });

type Station = 'x' | 'y' | 'z';
let hsm: SoftHsm;
let hub: MosquittoHub | undefined;
const sims: SimulatorHandle[] = [];
const serial: Partial<Record<Station, string>> = {};

const cli = (s: Station, args: string[]): Promise<CliRun> => runBin(['--home', f(`home-${s}`), ...args], { cwd: W, env: { SOFTHSM2_CONF: hsm.conf } });
function ok(r: CliRun): CliRun {
  expect(r.status, r.stderr + r.stdout).toBe(0);
  return r;
}
const token = (s: Station) => ['--token', hsm.uri(LABEL[s], `${LABEL[s]}-ca`), '--pin-file', `pin-${s}`];

describe.skipIf(!HAVE_SOFTHSM)('three custodians with token-held CA keys (SoftHSM2)', () => {
  beforeAll(async () => {
    hsm = startSoftHsm();
    for (const s of ['x', 'y', 'z'] as const) serial[s] = hsm.initToken(LABEL[s], PIN[s]);
    ok(await cli('x', ['authority', 'init-root', '--cn', 'Company-X', '--org', 'Company X', '--path-len', '2', '--days', '3650', ...token('x')]));
    ok(await cli('x', ['authority', 'export-chain', '--out', 'root.pem']));
    ok(await cli('y', ['authority', 'request', '--cn', 'Factory-Y', '--root', 'root.pem', '--out', 'y.csr', ...token('y')]));
    ok(await cli('x', ['authority', 'sign-subordinate', 'y.csr', '--path-len', '1', '--days', '1825', '--out', 'y.bundle.pem', '--pin-file', 'pin-x']));
    ok(await cli('y', ['authority', 'import', 'y.bundle.pem']));
    ok(await cli('z', ['authority', 'request', '--cn', 'Technician-Z', '--root', 'root.pem', '--out', 'z.csr', ...token('z')]));
    ok(await cli('y', ['authority', 'sign-subordinate', 'z.csr', '--path-len', '0', '--days', '365', '--out', 'z.bundle.pem', '--pin-file', 'pin-y']));
    ok(await cli('z', ['authority', 'import', 'z.bundle.pem']));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.stop()));
    await hub?.stop();
  });

  it('authority show says the key is in the token, with its label, serial and key id', async () => {
    const show = JSON.parse(ok(await cli('z', ['authority', 'show', '--json'])).stdout);
    expect(show).toMatchObject({ state: 'active', kind: 'subordinate', keyFile: null, keyLocation: { kind: 'token', tokenLabel: 'technician-z', tokenSerial: serial.z, keyLabel: 'technician-z-ca' } });
    expect(show.keyLocation.keyIdHex).toMatch(/^[0-9a-f]{32}$/);
    expect(show.keyLocation.uri).toContain(`serial=${serial.z}`);
    expect(show.keyLocation.uri).toContain(`id=%${show.keyLocation.keyIdHex.slice(0, 2)}`);
    const human = ok(await cli('z', ['authority', 'show'])).stdout;
    expect(human).toContain(`token     "technician-z", serial ${serial.z}`);
    expect(human).toContain(`key id    ${show.keyLocation.keyIdHex}`);
  });

  it.skipIf(!HAVE_PKCS11_TOOL)('pkcs11-tool lists each CA key on its token as sensitive and never extractable', async () => {
    for (const s of ['x', 'y', 'z'] as const) {
      const id = JSON.parse(ok(await cli(s, ['authority', 'show', '--json'])).stdout).keyLocation.keyIdHex as string;
      // The token also holds the ledger's Ed25519 checkpoint key: pick the CA key by its id.
      const priv = hsm.listObjects(LABEL[s], PIN[s]).split(/\n(?=\S)/).find((b) => b.startsWith('Private Key Object') && b.includes(id))!;
      expect(priv).toContain(id);
      expect(/Access:\s+(.*)/.exec(priv)![1]!.split(/,\s*/)).toEqual(expect.arrayContaining(['sensitive', 'always sensitive', 'never extractable']));
      expect(/Access:\s+(.*)/.exec(priv)![1]!.split(/,\s*/)).not.toContain('extractable');
    }
  });

  it('openssl -x509_strict verifies the token-signed chain to the root', () => {
    writeFileSync(f('z.pem'), readFileSync(f('z.bundle.pem'), 'utf8').split(/(?<=-----END CERTIFICATE-----\n)/)[0]!);
    const v = openssl(['verify', '-x509_strict', '-CAfile', f('root.pem'), '-untrusted', f('z.bundle.pem'), f('z.pem')]);
    expect(v.stdout + v.stderr).toContain(': OK');
  });

  it('a verification certificate is signed on the token', async () => {
    ok(await cli('y', ['authority', 'verification-cert', 'ABC123', '--out', 'verify', '--pin-file', 'pin-y']));
    writeFileSync(f('y-chain.pem'), readFileSync(f('y.bundle.pem'), 'utf8'));
    const v = openssl(['verify', '-x509_strict', '-partial_chain', '-CAfile', f('y-chain.pem'), f('verify.pem')]);
    expect(v.stdout + v.stderr).toContain(': OK');
  });

  it('a wrong PIN is refused with TOKEN_PIN_INCORRECT and nothing is signed', async () => {
    const r = await cli('y', ['authority', 'sign-subordinate', 'z.csr', '--path-len', '0', '--days', '30', '--out', 'never.pem', '--pin-file', 'pin-wrong', '--json']);
    expect(r.status).toBe(5);
    expect(JSON.parse(r.stdout || r.stderr).error.code).toBe('TOKEN_PIN_INCORRECT');
    expect(() => readFileSync(f('never.pem'))).toThrow();
  });

  it('takes the PIN from CUSTODIAN_PIN; with no PIN source at all it stops with CLI_PIN_REQUIRED', async () => {
    ok(await runBin(['--home', f('home-y'), 'authority', 'verification-cert', 'ENV42', '--out', 'verify-env'], { cwd: W, env: { SOFTHSM2_CONF: hsm.conf, CUSTODIAN_PIN: PIN.y } }));
    const saved = process.env.CUSTODIAN_PIN;
    delete process.env.CUSTODIAN_PIN;
    try {
      const r = await cli('y', ['authority', 'verification-cert', 'NOPIN', '--out', 'verify-none', '--json']);
      expect(r.status).toBe(2);
      expect(JSON.parse(r.stdout || r.stderr).error.code).toBe('CLI_PIN_REQUIRED');
    } finally {
      if (saved !== undefined) process.env.CUSTODIAN_PIN = saved;
    }
  });

  it('refuses a bad URI before asking for a PIN', async () => {
    const r = await cli('x', ['authority', 'request', '--cn', 'Other', '--home', f('home-other'), '--token', 'pkcs11:token=x;object=y', '--json']);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('TOKEN_URI_INVALID');
  });

  it('devices provisioned by a station whose key is in the token verify strictly and connect to Mosquitto', async () => {
    const s = await startSimulator({ stateDir: mkdtempSync(join(W, 'dev-')), transport: 'pty', baud: 115200, identity: { deviceId: 'token-line-0001' } });
    sims.push(s);
    // `custodian provision` asks a token-held station key for its PIN, from --pin-file as the authority commands do.
    const r = await runBin(['--home', f('home-z'), 'provision', '--port', s.path!, '--operator', 'ci', '--json', '--pin-file', f('pin-z')], { cwd: W, env: { SOFTHSM2_CONF: hsm.conf } });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ result: 'passed', deviceId: 'token-line-0001', how: 'signed' });
    const st = s.state();
    writeFileSync(f('leaf.pem'), toPem(st.leaf!, 'CERTIFICATE'));
    const creds = s.tlsCredentials();
    writeFileSync(f('dev-chain.pem'), creds.chainPem.join(''));
    const v = openssl(['verify', '-x509_strict', '-purpose', 'sslclient', '-CAfile', f('root.pem'), '-untrusted', f('dev-chain.pem'), f('leaf.pem')]);
    expect(v.stdout + v.stderr).toContain(': OK');
    hub = await startMosquittoHub({ rootCaPem: readFileSync(f('root.pem'), 'utf8') });
    const proof = await proveDeviceConnection(hub, 'token-line-0001', { keyPem: creds.keyPem, certificateChainPem: creds.fullChainPem });
    expect(proof.identitySeenByHub).toBe('token-line-0001');
  }, 60_000);
});
