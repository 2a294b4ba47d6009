/**
 * CA rollover on a Technician-Z station built through the ceremonies: a
 * successor key and CSR while the current CA keeps signing, the signed
 * successor imported, new devices signed by it, old devices still valid
 * through the retired CA (both checked by `openssl verify -x509_strict` to the
 * Company-X root), the generations kept, expiry warnings at 90/30/7 days.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authority } from '../../electron/core/authority/index';
import { LedgerAuthorityJournal, openStationLedger, type Ledger, type LedgerRecorder } from '../../electron/core/ledger/index';
import { buildDemoChain } from '../../electron/core/line/demo';
import { readCertificate, toPem } from '../../electron/core/pki/index';
import { caExpiryWarning } from '../../electron/shared/ca-expiry';
import { prepareIssuer } from '../../electron/core/station/index';
import { startBench, type Bench } from '../support/station-harness';
import { openssl } from '../support/openssl';
import { codeOf } from './fixtures';

const PASS = 'rollover-passphrase';
const W = mkdtempSync(join(tmpdir(), 'rollover-'));
let files: Awaited<ReturnType<typeof buildDemoChain>>;
let ledger: Ledger;
let recorder: LedgerRecorder;
const benches: Bench[] = [];
const open = (home: string, now?: () => Date) => Authority.open({ home, workFactor: 17, ...(now ? { now } : {}) });

beforeAll(async () => {
  files = await buildDemoChain(join(W, 'pki'), PASS, () => undefined);
  ({ ledger, recorder } = openStationLedger({ dir: join(W, 'ledger'), stationId: 'technician-z' }));
});
afterAll(async () => {
  await Promise.all(benches.map((b) => b.stop()));
  ledger?.close();
});

/** Provision one simulated (unlocked-store) device with the authority's current issuer. */
async function provisionWith(a: Authority, deviceId: string, extra: Parameters<Bench['run']>[0] = {}): Promise<Bench> {
  const b = await startBench({ issuer: prepareIssuer(a.issuer()), recorder, deviceId, capabilities: ['csr', 'challenge', 'keygen'] });
  benches.push(b);
  const { result } = await b.run(extra);
  expect(result.result, JSON.stringify(result.result === 'failed' ? result.error : null)).toBe('passed');
  return b;
}

/** `openssl verify -x509_strict` of what the device holds (its leaf and the chain injected with it) to the Company-X root. */
function opensslVerifies(b: Bench, tag: string): { ok: boolean; out: string } {
  const st = b.sim.state();
  writeFileSync(join(W, `${tag}-leaf.pem`), toPem(st.leaf!, 'CERTIFICATE'));
  writeFileSync(join(W, `${tag}-chain.pem`), b.sim.tlsCredentials().chainPem.join(''));
  const v = openssl(['verify', '-x509_strict', '-purpose', 'sslclient', '-CAfile', files.rootCertificate, '-untrusted', join(W, `${tag}-chain.pem`), join(W, `${tag}-leaf.pem`)]);
  return { ok: v.code === 0 && v.stdout.includes(': OK'), out: v.stdout + v.stderr };
}

describe('CA rollover', () => {
  it('successor requested while the current CA signs; imported, it signs new devices; old devices still verify through the retired CA', async () => {
    const tz = Authority.open({ home: files.homes.technicianZ, workFactor: 17, journal: new LedgerAuthorityJournal(recorder, { operator: () => 'officer', sessions: false }) });
    await tz.unlock(PASS);
    const oldFp = tz.issuer().fingerprint;
    const before = await provisionWith(tz, 'roll-old-1');

    const req = await tz.createSuccessorRequest({ passphrase: PASS });
    expect(req.current.fingerprint).toBe(oldFp);
    expect(req.subject).toContain('CN=Technician-Z');
    expect(tz.show().successor).toMatchObject({ spkiSha256: req.spkiSha256, csrSha256: req.csrSha256 });
    // The current CA keeps signing while the successor waits for its bundle.
    expect(tz.issuer().fingerprint).toBe(oldFp);
    const during = await provisionWith(tz, 'roll-old-2');
    expect(await codeOf(tz.createSuccessorRequest({ passphrase: PASS }))).toBe('AUTHORITY_SUCCESSOR_PENDING');

    // Factory-Y signs the successor's CSR as any subordinate request.
    const fy = open(files.homes.factoryY);
    await fy.unlock(PASS);
    const signed = await fy.signSubordinate(req.csrPem, { pathLen: 0, days: 1825 });
    await fy.lock();
    // A bundle for another key is refused and changes nothing.
    const stray = await fy.unlock(PASS).then(async () => {
      const other = open(mkdtempSync(join(W, 'other-')));
      const r = await other.createRequest({ commonName: 'Other-Z', organization: 'Company-X', passphrase: PASS, root: { certificate: readFileSync(files.rootCertificate) } });
      return (await fy.signSubordinate(r.csrPem, { pathLen: 0, days: 100 })).bundlePem;
    });
    await fy.lock();
    expect(await codeOf(tz.importBundle(stray))).toBe('AUTHORITY_KEY_MISMATCH');
    expect(tz.issuer().fingerprint).toBe(oldFp);

    const imported = await tz.importBundle(signed.bundlePem);
    expect(imported.previous).toBe(oldFp);
    expect(imported.fingerprint).toBe(signed.fingerprint);
    // The old key was dropped at the switch: the successor's key is unlocked before it signs.
    expect(tz.unlocked).toBe(false);
    const report = tz.show();
    expect(report.successor).toBeNull();
    expect(report.chain[0]!.fingerprintSha256).toBe(signed.fingerprint);
    expect(report.retired).toEqual([expect.objectContaining({ fingerprintSha256: oldFp, subject: readCertificate(before.sim.state().leaf!).issuer })]);

    // Reopened from disk (as the next command does) and unlocked: the successor signs new devices.
    const again = open(files.homes.technicianZ);
    await again.unlock(PASS);
    expect(again.issuer().fingerprint).toBe(signed.fingerprint);
    const after = await provisionWith(again, 'roll-new-1');
    const leafAfter = readCertificate(after.sim.state().leaf!);
    expect(readCertificate(after.sim.state().leaf!).issuer).toBe(readCertificate(before.sim.state().leaf!).issuer);
    expect(Buffer.from(leafAfter.der).equals(Buffer.from(before.sim.state().leaf!))).toBe(false);

    const vNew = opensslVerifies(after, 'new');
    expect(vNew.ok, vNew.out).toBe(true);
    for (const [b, tag] of [[before, 'old1'], [during, 'old2']] as const) {
      const v = opensslVerifies(b, tag);
      expect(v.ok, v.out).toBe(true);
    }
    // The two generations are distinct keys: an old device's leaf does not verify through the successor.
    writeFileSync(join(W, 'succ-chain.pem'), after.sim.tlsCredentials().chainPem.join(''));
    const cross = openssl(['verify', '-x509_strict', '-CAfile', files.rootCertificate, '-untrusted', join(W, 'succ-chain.pem'), join(W, 'old1-leaf.pem')]);
    expect(cross.code).not.toBe(0);

    // Both generations are kept: the retired chain for CRLs and its devices' chains.
    const gens = again.generations();
    expect(gens.map((g) => [g.role, g.fingerprint])).toEqual([['current', signed.fingerprint], ['retired', oldFp]]);
    expect(Buffer.from(gens[1]!.chain[0]!).equals(Buffer.from(readOldCa(before)))).toBe(true);

    // The ledger records the rollover: the successor, the CA it retired.
    const successorRecords = Array.from({ length: ledger.size }, (_, i) => ledger.record(i)).filter((r) => r.t === 'authority-successor');
    expect(successorRecords).toEqual([expect.objectContaining({ fingerprint: signed.fingerprint, previous: oldFp, operator: 'officer' })]);
    await again.lock();
  });

  it('an old device is renewed onto the successor, linked to the certificate the retired CA signed', async () => {
    const tz = open(files.homes.technicianZ);
    await tz.unlock(PASS);
    const old = benches.find(() => true)!;
    const oldLeaf = readCertificate(old.sim.state().leaf!);
    const b = await startBench({ issuer: prepareIssuer(tz.issuer()), recorder, stateDir: old.sim.stateDir, capabilities: ['csr', 'challenge', 'keygen'] });
    await old.stop();
    benches.push(b);
    // Without the renewal mode the re-issue guard stands: the old CA's certificate is not silently replaced.
    const plain = await b.run();
    expect(plain.result.result === 'failed' && plain.result.error.code).toBe('POLICY_REISSUE_REASON_REQUIRED');
    const { result } = await b.run({ renewal: { mode: 're-key', reason: 'CA rollover' } });
    expect(result.result).toBe('passed');
    if (result.result !== 'passed') return;
    expect(result.renewal?.replaces).toBe(oldLeaf.serialHex);
    const v = opensslVerifies(b, 'renewed');
    expect(v.ok, v.out).toBe(true);
    await tz.lock();
  });

  it('a crash between authority.json and chain.pem at the switch is healed from the committed chain', async () => {
    const tz = open(files.homes.technicianZ);
    const current = tz.show().chain[0]!.fingerprintSha256;
    const retired = tz.generations()[1]!;
    // chain.pem as a crash right after authority.json was written would leave it: still the retired CA's.
    const chainFile = join(files.homes.technicianZ, 'authority', 'chain.pem');
    writeFileSync(chainFile, retired.chain.map((d) => toPem(d, 'CERTIFICATE')).join(''));
    const reopened = open(files.homes.technicianZ);
    expect(reopened.show().chain[0]!.fingerprintSha256).toBe(current);
    expect(readCertificate(Buffer.from(readFileSync(chainFile, 'utf8').split('-----END CERTIFICATE-----')[0]!.replace(/-----BEGIN CERTIFICATE-----|\s+/g, ''), 'base64')).fingerprintSha256).toBe(current);
    await reopened.unlock(PASS);
    expect(reopened.issuer().fingerprint).toBe(current);
    await reopened.lock();
  });

  it('a root is not rolled over under itself', async () => {
    const cx = open(files.homes.companyX);
    expect(await codeOf(cx.createSuccessorRequest({ passphrase: PASS }))).toBe('AUTHORITY_SUCCESSOR_OF_ROOT');
  });
});

/** The issuing CA certificate the device was given with its leaf (first of its injected chain). */
function readOldCa(b: Bench): Uint8Array {
  const pem = b.sim.tlsCredentials().chainPem[0]!;
  return new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s+/g, ''), 'base64'));
}

describe('CA expiry warnings (90, 30, 7 days ahead)', () => {
  it('names the nearest threshold reached, and none beyond 90 days', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const at = (days: number) => new Date(now.getTime() + days * 86_400_000 + 3600_000);
    expect(caExpiryWarning(at(120), now)).toBeNull();
    expect(caExpiryWarning(at(90), now)).toBeNull();
    expect(caExpiryWarning(at(89), now)).toEqual({ daysLeft: 89, thresholdDays: 90 });
    expect(caExpiryWarning(at(29), now)).toEqual({ daysLeft: 29, thresholdDays: 30 });
    expect(caExpiryWarning(at(6), now)).toEqual({ daysLeft: 6, thresholdDays: 7 });
    expect(caExpiryWarning(new Date(now.getTime() - 86_400_000), now)).toEqual({ daysLeft: -1, thresholdDays: 0 });
  });

  it('authority show carries the warning of the signing CA', () => {
    const notAfter = Date.parse(open(files.homes.technicianZ).show().chain[0]!.notAfter);
    const in20 = open(files.homes.technicianZ, () => new Date(notAfter - 20 * 86_400_000 - 3600_000));
    expect(in20.show().expiryWarning).toEqual({ daysLeft: 20, thresholdDays: 30 });
    expect(open(files.homes.technicianZ).show().expiryWarning).toBeNull();
  });
});
