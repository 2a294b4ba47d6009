/**
 * `custodian provision --renew | --re-key --reason` as a child process
 * against a simulated device on a real socat pty, on a Technician-Z station
 * built through the ceremonies: the renewal window and the old certificate's
 * disposition come from the station's settings; OpenSSL verifies the renewed
 * leaf strictly to the Company-X root; misuse of the options is a usage error.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, type LedgerRecord } from '../../electron/core/ledger/index';
import { readCertificate, toPem } from '../../electron/core/pki/index';
import { startSimulator, type SimulatorHandle } from '../../electron/core/simulator/index';
import { buildDemoChain } from '../../electron/core/line/demo';
import { openssl } from '../support/openssl';
import { runBin } from './helpers';

const PASS = 'cli-renew-passphrase';
const W = mkdtempSync(join(tmpdir(), 'cli-renew-'));
let files: Awaited<ReturnType<typeof buildDemoChain>>;
let sim: SimulatorHandle;
const env = { CUSTODIAN_PASSPHRASE: PASS };

const provision = (...extra: string[]) => runBin(['--home', files.homes.technicianZ, 'provision', '--port', sim.path!, '--operator', 'ci', '--json', ...extra], { env });
const records = (): LedgerRecord[] => {
  const l = Ledger.open({ dir: files.ledger, readOnly: true });
  try {
    return Array.from({ length: l.size }, (_, i) => l.record(i));
  } finally {
    l.close();
  }
};
const settings = (renewal: unknown): void => {
  const file = join(files.homes.technicianZ, 'settings.json');
  let current: Record<string, unknown> = {};
  try {
    current = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    /* no settings yet: the defaults */
  }
  writeFileSync(file, JSON.stringify({ ...current, renewal }));
};

beforeAll(async () => {
  files = await buildDemoChain(join(W, 'pki'), PASS, () => undefined);
  // A device whose credential store stays writable (no lock), as a renewable one is.
  sim = await startSimulator({ stateDir: mkdtempSync(join(W, 'dev-')), transport: 'pty', baud: 115200, identity: { deviceId: 'renew-0001' }, capabilities: ['csr', 'challenge', 'keygen'] });
});
afterAll(async () => {
  await sim?.stop();
});

describe('custodian provision --renew / --re-key', () => {
  it('renews within the window, re-keys, each linked to the serial it replaces; the old one revoked as the settings say', async () => {
    const first = await provision();
    expect(first.status, first.stderr + first.stdout).toBe(0);
    const old = JSON.parse(first.stdout) as { serialHex: string };

    // The default window (90 days) refuses a fresh certificate, before anything is signed.
    const early = await provision('--renew', '--reason', 'scheduled renewal');
    expect(early.status).toBe(4);
    expect(JSON.parse(early.stderr || early.stdout)).toMatchObject({ error: { code: 'RENEWAL_OUTSIDE_WINDOW' } });
    expect(records().filter((r) => r.t === 'intent')).toHaveLength(1);

    settings({ windowDays: 3000, oldCertificate: 'revoke' });
    const renewed = await provision('--renew', '--reason', 'scheduled renewal');
    expect(renewed.status, renewed.stderr + renewed.stdout).toBe(0);
    const doc = JSON.parse(renewed.stdout) as { serialHex: string; renewal: unknown };
    expect(doc.renewal).toEqual({ mode: 'renew', replaces: old.serialHex, oldCertificate: 'revoked' });
    const leaf = sim.state().leaf!;
    expect(readCertificate(leaf).serialHex).toBe(doc.serialHex);
    writeFileSync(join(W, 'leaf.pem'), toPem(leaf, 'CERTIFICATE'));
    writeFileSync(join(W, 'chain.pem'), sim.tlsCredentials().chainPem.join(''));
    const v = openssl(['verify', '-x509_strict', '-purpose', 'sslclient', '-CAfile', files.rootCertificate, '-untrusted', join(W, 'chain.pem'), join(W, 'leaf.pem')]);
    expect(v.code, v.stdout + v.stderr).toBe(0);

    settings({ windowDays: 90, oldCertificate: 'expire' });
    const rekeyed = await provision('--re-key', '--reason', 'key rotation');
    expect(rekeyed.status, rekeyed.stderr + rekeyed.stdout).toBe(0);
    const rk = JSON.parse(rekeyed.stdout) as { serialHex: string; renewal: unknown };
    expect(rk.renewal).toEqual({ mode: 're-key', replaces: doc.serialHex, oldCertificate: 'expires' });

    const all = records();
    const intents = all.filter((r): r is Extract<LedgerRecord, { t: 'intent' }> => r.t === 'intent');
    expect(intents.map((i) => [i.renewal ?? null, i.replaces ?? null, i.reissueReason ?? null])).toEqual([
      [null, null, null], ['renew', old.serialHex, 'scheduled renewal'], ['re-key', doc.serialHex, 'key rotation'],
    ]);
    expect(intents[2]!.spkiSha256).not.toBe(intents[1]!.spkiSha256);
    const revoked = all.filter((r) => r.t === 'revocation');
    expect(revoked).toEqual([expect.objectContaining({ serialHex: old.serialHex, reason: 'superseded', replacedBy: doc.serialHex, operator: 'ci' })]);
  });

  it('misused options are usage errors naming the option, before the station is opened', async () => {
    for (const [args, option] of [
      [['--renew'], 'reason'],
      [['--renew', '--re-key', '--reason', 'x'], 're-key'],
      [['--reason', 'why'], 'reason'],
      [['--renew', '--reason', 'why', '--reissue-reason', 'why'], 'reissue-reason'],
    ] as const) {
      const r = await provision(...args);
      expect(r.status, r.stderr).toBe(2);
      expect(JSON.parse(r.stderr || r.stdout)).toMatchObject({ error: { code: 'CLI_USAGE', details: { option } } });
    }
  });
});
