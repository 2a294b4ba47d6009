/**
 * `custodian audit` over the bundles of Company-X, Factory-Y and
 * Technician-Z reports each station's revocations and lists every device
 * whose chain includes a CA revoked at another station; a revocation record
 * that names no certificate of its own ledger is an error finding.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, type LedgerRecord } from '../../electron/core/ledger/index';
import { runInProcess } from '../cli/helpers';
import { unlockLedgerKey } from '../../electron/core/line/ledger-key';
import { buildChain, DEVICES, ENV, ok, type Chain, type Station } from './chain-fixture';

interface Report {
  ok: boolean;
  findings: { kind: string; origin: string; index?: number }[];
  revocations: {
    perStation: { origin: string; devices: number; cas: number; revocations: { serialHex: string; subject: string; deviceId?: string; reason: string; operator: string }[] }[];
    devicesUnderRevokedCa: { origin: string; bundle: string; deviceId: string; serialHex: string; revokedCa: { serialHex: string; revokedIn: string; reason: string; subject: string } }[];
  };
}

let c: Chain;
const CHAINS: Record<Station, string> = { x: 'x.pem', y: 'y.pem', z: 'untrusted.pem' };

async function bundle(s: Station, home = c.home(s), name = `bundle-${s}`): Promise<string> {
  const dir = c.f(name);
  ok(await runInProcess(['--home', home, 'ledger', 'export', dir, '--chain', c.f(CHAINS[s])], { cwd: c.dir }));
  return dir;
}

async function audit(bundles: string[]): Promise<{ status: number; report: Report; human: string }> {
  const r = await runInProcess(['audit', ...bundles, '--root', c.f('root.pem'), '--json'], { cwd: c.dir });
  const j = JSON.parse(r.stdout || r.stderr) as Report & { error?: { details: { report: Report } } };
  const human = await runInProcess(['audit', ...bundles, '--root', c.f('root.pem')], { cwd: c.dir });
  return { status: r.status, report: j.error ? j.error.details.report : j, human: human.stdout + human.stderr };
}

beforeAll(async () => {
  c = await buildChain('audit-revocations-');
  ok(await c.cli('z', ['revoke', DEVICES[1], '--reason', 'keyCompromise', '--operator', 'bob']));
  ok(await c.cli('y', ['revoke', c.zSerial, '--reason', 'cACompromise', '--operator', 'carol']));
  ok(await c.cli('z', ['crl', '--out', 'z.crl.pem']));
  ok(await c.cli('y', ['crl', '--out', 'y.crl.pem']));
}, 180_000);
afterAll(async () => { await c?.stop(); });

describe('custodian audit: revocations', () => {
  it('reports revocations per station and lists every device whose chain includes the revoked CA', async () => {
    const { status, report, human } = await audit([await bundle('x'), await bundle('y'), await bundle('z')]);
    expect(status, JSON.stringify(report.findings)).toBe(0);
    const [, y, z] = report.revocations.perStation;
    expect(report.revocations.perStation.map((s) => [s.devices, s.cas])).toEqual([[0, 0], [0, 1], [1, 0]]);
    expect(z!.revocations).toEqual([expect.objectContaining({ subject: 'device', deviceId: DEVICES[1], reason: 'keyCompromise', operator: 'bob' })]);
    expect(y!.revocations).toEqual([expect.objectContaining({ subject: 'ca', serialHex: c.zSerial, reason: 'cACompromise', operator: 'carol' })]);
    expect(report.revocations.devicesUnderRevokedCa.map((d) => d.deviceId).sort()).toEqual([...DEVICES]);
    for (const d of report.revocations.devicesUnderRevokedCa) {
      expect(d).toMatchObject({ bundle: c.f('bundle-z'), revokedCa: { serialHex: c.zSerial, revokedIn: c.f('bundle-y'), reason: 'cACompromise' } });
      expect(d.revokedCa.subject).toContain('Technician-Z');
    }
    expect(human).toContain('Revocations per station:');
    expect(human).toContain('Devices whose chain includes a revoked CA (disable them at the hub):');
    for (const id of DEVICES) expect(human).toContain(`  ${id}  serial`);
    // The CRLs the stations issued pass every CRL check.
    expect(report.findings.filter((f) => f.kind.startsWith('AUDIT_CRL_'))).toEqual([]);
  });

  it('without the revoking station\'s bundle no device is listed under a revoked CA', async () => {
    const { report } = await audit([await bundle('z', c.home('z'), 'bundle-z-alone')]);
    expect(report.revocations.devicesUnderRevokedCa).toEqual([]);
    expect(report.revocations.perStation[0]!.devices).toBe(1);
  });

  it('a revocation that names no certificate of its own ledger is an error finding', async () => {
    const copy = c.f('home-z-copy');
    cpSync(c.home('z'), copy, { recursive: true });
    const l = Ledger.open({ dir: join(copy, 'ledger') });
    // Signed by the station's own checkpoint key: the forgery is in a ledger that verifies.
    const key = await unlockLedgerKey(l, 'passphrase', ENV.CUSTODIAN_PASSPHRASE);
    const rec = l.record([...Array(l.size).keys()].find((i) => l.index.typeOf(i) === 'revocation')!) as Extract<LedgerRecord, { t: 'revocation' }>;
    const { t: _t, n: _n, at: _at, ...body } = rec;
    const index = l.append('revocation', { ...body, serialHex: 'abcdef', deviceId: 'not-issued-here' }).index;
    l.close();
    await key?.close();
    const { status, report } = await audit([await bundle('z', copy, 'bundle-z-forged')]);
    expect(status).toBe(7);
    expect(report.findings).toContainEqual(expect.objectContaining({ kind: 'AUDIT_REVOCATION_UNKNOWN', index }));
  });

  it('checks each crl record: numbers grow per issuer, the digest and number match the CRL, it verifies under its issuer, it lists every earlier revocation', async () => {
    const copy = c.f('home-z-crl-copy');
    cpSync(c.home('z'), copy, { recursive: true });
    const l = Ledger.open({ dir: join(copy, 'ledger') });
    const key = await unlockLedgerKey(l, 'passphrase', ENV.CUSTODIAN_PASSPHRASE);
    type CrlRec = Extract<LedgerRecord, { t: 'crl' }>;
    const all = Array.from({ length: l.size }, (_, i) => l.record(i));
    const { t: _t, n: _n, at: _at, ...first } = all.find((r): r is CrlRec => r.t === 'crl')!;
    const yCrl = c.records('y').find((r): r is CrlRec => r.t === 'crl')!;
    const rev = all.find((r): r is Extract<LedgerRecord, { t: 'revocation' }> => r.t === 'revocation')!;
    const d0 = all.find((r): r is Extract<LedgerRecord, { t: 'intent' }> => r.t === 'intent' && r.deviceId === DEVICES[0])!;
    const again = l.append('crl', { ...first }).index; // number 1 again
    const digest = l.append('crl', { ...first, crlNumber: '2', crlSha256: '0'.repeat(64) }).index;
    const foreign = l.append('crl', { ...first, crlNumber: '3', crl: yCrl.crl, crlSha256: yCrl.crlSha256 }).index;
    const { t: _rt, n: _rn, at: _rat, ...revBody } = rev;
    l.append('revocation', { ...revBody, serialHex: d0.serialHex, deviceId: DEVICES[0] });
    const stale = l.append('crl', { ...first, crlNumber: '4' }).index;
    l.close();
    await key?.close();
    const { status, report } = await audit([await bundle('z', copy, 'bundle-z-crl-forged')]);
    expect(status).toBe(7);
    const crlFindings = report.findings.filter((f) => f.kind.startsWith('AUDIT_CRL_')).map((f) => [f.kind, f.index]);
    expect(crlFindings).toContainEqual(['AUDIT_CRL_NUMBER', again]);
    expect(crlFindings).toContainEqual(['AUDIT_CRL_DIGEST', digest]);
    expect(crlFindings).toContainEqual(['AUDIT_CRL_SIGNATURE', foreign]);
    expect(crlFindings).toContainEqual(['AUDIT_CRL_INCOMPLETE', stale]);
    // The original CRL (before the forged ones) raises nothing.
    expect(crlFindings.filter(([, i]) => (i as number) < again)).toEqual([]);
  });
});
