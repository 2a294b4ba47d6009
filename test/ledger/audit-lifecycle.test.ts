/**
 * The audit over certificate lifecycles: a station with two issuing CAs over
 * its life (a rollover) is accepted, each CA's devices are reported, renewals
 * and re-keys and rollovers are counted; a retired CA the ledger never named
 * is not taken as the station's; a certificate revoked at one station and
 * renewed at another is flagged.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditBundles, exportBundle, openStationLedger, readBundle, type AuditReport, type LedgerRecorder } from '../../electron/core/ledger/index';
import { revoke } from '../../electron/core/lifecycle/index';
import { makeCa, makeLeaf, tempDir, type TestCa } from './helpers';

let root: TestCa;
let factory: TestCa;
let oldCa: TestCa;
let newCa: TestCa;
beforeAll(async () => {
  root = await makeCa('Company-X');
  factory = await makeCa('Factory-Y', root);
  oldCa = await makeCa('Technician-Z', factory);
  newCa = await makeCa('Technician-Z G2', factory);
});

const key = (): KeyObject => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;

async function issue(recorder: LedgerRecorder, ca: TestCa, deviceId: string, publicKey: KeyObject, renewal?: { mode: 'renew' | 're-key'; replaces: string }): Promise<string> {
  const leaf = await makeLeaf(ca, deviceId, undefined, publicKey);
  const again = (await recorder.issuedFor(deviceId)).length > 0;
  const h = await recorder.recordIntent({
    ...leaf.intent,
    profile: 'deviceLeaf',
    ...(again ? { reissueReason: renewal ? `${renewal.mode} before expiry` : 'replacement board' } : {}),
    ...(renewal ? { replaces: renewal.replaces, renewal: renewal.mode } : {}),
  });
  await recorder.recordIssued(h, leaf.der);
  await recorder.recordOutcome(h, { result: 'passed' });
  return leaf.intent.serialHex;
}

const pem = (...cas: TestCa[]): string => cas.map((c) => c.pem).join('');

/** Station A: two devices under the old CA, a rollover, a third device, a renewal and a re-key under the successor. */
async function rolledStation(opts: { rolloverRecord?: boolean; retired?: boolean } = {}) {
  const dir = join(tempDir('station-a-'), 'ledger');
  const { ledger, recorder } = openStationLedger({ dir, stationId: 'station-a' });
  const k1 = key();
  const s1 = await issue(recorder, oldCa, 'dev-1', k1);
  const s2 = await issue(recorder, oldCa, 'dev-2', key());
  if (opts.rolloverRecord ?? true) await recorder.recordAuthoritySuccessor({ subject: 'CN=Technician-Z G2', fingerprint: newCa.fingerprint, previous: oldCa.fingerprint, notAfter: '2035-01-01T00:00:00.000Z', operator: 'officer' });
  await issue(recorder, newCa, 'dev-3', key());
  const r1 = await issue(recorder, newCa, 'dev-1', k1, { mode: 'renew', replaces: s1 });
  await issue(recorder, newCa, 'dev-2', key(), { mode: 're-key', replaces: s2 });
  const out = join(tempDir('bundle-'), 'a');
  exportBundle(ledger, out, { chainPem: pem(newCa, factory), ...((opts.retired ?? true) ? { retiredChainsPem: [pem(oldCa, factory)] } : {}) });
  ledger.close();
  return { out, s1, s2, r1 };
}

const auditOf = (dirs: string[]): AuditReport => auditBundles(dirs.map(readBundle), { root: root.der });

describe('audit of a station with several issuing CAs', () => {
  it('accepts the rollover and reports the devices each CA signed, the renewals, re-keys and rollovers', async () => {
    const { out } = await rolledStation();
    const r = auditOf([out]);
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe(true);
    const l = r.stations[0]!.lifecycle;
    expect(l).toMatchObject({ renewals: 1, reKeys: 1, rollovers: 1 });
    expect(l.issuingCas.map((c) => [c.fingerprint, c.devices, c.issued])).toEqual([
      [oldCa.fingerprint, ['dev-1', 'dev-2'], 2],
      [newCa.fingerprint, ['dev-1', 'dev-2', 'dev-3'], 3],
    ]);
    expect(r.perIssuer.map((p) => p.fingerprint).sort()).toEqual([oldCa.fingerprint, newCa.fingerprint].sort());
  });

  it('without the retired CA\'s chain the old CA\'s certificates do not verify as the station\'s', async () => {
    const { out } = await rolledStation({ retired: false });
    const r = auditOf([out]);
    expect(r.ok).toBe(false);
    expect(r.findings.filter((f) => f.kind === 'AUDIT_CHAIN_INVALID')).toHaveLength(2);
  });

  it('a retired chain the ledger names in no rollover record is not taken as the station\'s', async () => {
    const { out } = await rolledStation({ rolloverRecord: false });
    const r = auditOf([out]);
    expect(r.ok).toBe(false);
    expect(r.findings.map((f) => f.message).join('\n')).toMatch(/retired CA chain 1 .* not named by any authority-successor record/);
    expect(r.stations[0]!.lifecycle.rollovers).toBe(0);
  });
});

describe('a certificate revoked at one station and renewed at another', () => {
  it('is flagged; the superseded revocation a renewal writes itself is not', async () => {
    // Station B issued dev-9 and revoked it as compromised.
    const otherCa = await makeCa('Technician-W', factory);
    const bDir = join(tempDir('station-b-'), 'ledger');
    const b = openStationLedger({ dir: bDir, stationId: 'station-b' });
    const k9 = key();
    const s9 = await issue(b.recorder, otherCa, 'dev-9', k9);
    await revoke(b.ledger, { target: s9, by: 'serial', reason: 'keyCompromise', operator: 'sec' });
    const bOut = join(tempDir('bundle-'), 'b');
    exportBundle(b.ledger, bOut, { chainPem: pem(otherCa, factory) });
    b.ledger.close();

    // Station A renews dev-9's revoked certificate; and renews dev-5, revoking the old one itself (policy revoke).
    const aDir = join(tempDir('station-a-'), 'ledger');
    const a = openStationLedger({ dir: aDir, stationId: 'station-a2' });
    await issue(a.recorder, newCa, 'dev-9', k9, { mode: 'renew', replaces: s9 });
    const k5 = key();
    const s5 = await issue(a.recorder, newCa, 'dev-5', k5);
    const r5 = await issue(a.recorder, newCa, 'dev-5', k5, { mode: 'renew', replaces: s5 });
    await revoke(a.ledger, { target: s5, by: 'serial', reason: 'superseded', operator: 'op-1', replacedBy: r5 });
    const aOut = join(tempDir('bundle-'), 'a2');
    exportBundle(a.ledger, aOut, { chainPem: pem(newCa, factory) });
    a.ledger.close();

    const r = auditOf([bOut, aOut]);
    const flagged = r.findings.filter((f) => f.kind === 'AUDIT_RENEWED_REVOKED');
    expect(flagged).toHaveLength(1);
    expect(flagged[0]!.origin).toBe(r.stations[1]!.origin);
    expect(flagged[0]!.message).toMatch(new RegExp(`certificate ${s9} revoked \\(keyCompromise\\) at .* renewed at another station`));
    expect(r.ok).toBe(false);
    // Each bundle alone has nothing to flag: the finding needs both stations.
    expect(auditOf([aOut]).findings.filter((f) => f.kind === 'AUDIT_RENEWED_REVOKED')).toEqual([]);
  });
});
