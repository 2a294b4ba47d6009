/**
 * Audit paths beyond tampering: certificates recorded by reconciliation and as
 * verification certificates are accounted for; a certificate that differs from
 * its intent is flagged; an unreconciled intent is a warning (an error with --strict).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ledger, LedgerRecorder, openStationLedger } from '../../electron/core/ledger';
import { makeHierarchy, makeLeaf, tempDir, type TestCa } from './helpers';
import { audit, exportBundle, makeStation, writeRoot } from './station-fixture';

let ca: { root: TestCa; factory: TestCa; custodian: TestCa };
let rootPem: string;

beforeAll(async () => {
  ca = await makeHierarchy();
  rootPem = writeRoot(ca.root);
});

describe('audit', () => {
  it('accounts for reconciled and verification certificates, and reports counts', async () => {
    const s = await makeStation('r', ca.custodian, ca.factory, ['dev-1']);
    const lost = await makeLeaf(ca.custodian, 'dev-2');
    const pop = await makeLeaf(ca.custodian, 'verification-ABC');
    {
      const { ledger, recorder } = openStationLedger({ dir: s.ledgerDir, stationId: 'r' });
      await recorder.recordIntent(lost.intent); // crash: the certificate was signed but not recorded
      ledger.close();
      const l2 = Ledger.open({ dir: s.ledgerDir });
      const r2 = new LedgerRecorder(l2);
      const [u] = r2.unreconciled();
      await r2.reconcile(u!.index, { resolution: 'issued', operator: 'op-1', reason: 'found on the device after power loss', certificateDer: lost.der });
      await r2.recordVerificationCertificate(pop.der, { purpose: 'hub-proof-of-possession', issuerFingerprint: ca.custodian.fingerprint, operator: 'op-1' });
      l2.close();
    }
    const observed = tempDir('observed-');
    writeFileSync(join(observed, 'lost.der'), lost.der);
    writeFileSync(join(observed, 'pop.der'), pop.der);
    const r = await audit([await exportBundle(s)], rootPem, ['--observed', observed, '--strict']);
    expect(r.report.findings).toEqual([]);
    expect(r.status).toBe(0);
    expect(r.report.stations[0]).toMatchObject({ issued: 2, verificationCerts: 1, unreconciled: 0 });
    expect((r.report as unknown as { perIssuer: { issued: number }[] }).perIssuer[0]!.issued).toBe(3);
  });

  it('flags a certificate that differs from its intent', async () => {
    const s = await makeStation('m', ca.custodian, ca.factory, []);
    const { ledger, recorder } = openStationLedger({ dir: s.ledgerDir, stationId: 'm' });
    const a = await makeLeaf(ca.custodian, 'dev-3');
    const b = await makeLeaf(ca.custodian, 'dev-3');
    await expect(recorder.recordIssued(await recorder.recordIntent(a.intent), b.der)).rejects.toMatchObject({ code: 'LEDGER_CERT_MISMATCH' });
    ledger.close();
    const r = await audit([await exportBundle(s)], rootPem);
    expect(r.status).toBe(7);
    expect(r.report.findings).toEqual([expect.objectContaining({ kind: 'AUDIT_INTENT_MISMATCH', index: 3 })]);
    expect(r.report.findings[0]!.message).toMatch(/serial, public key/);
  });

  it('one public key under two device IDs is flagged, within a bundle and across bundles, naming both devices, serials and bundles', async () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    /** A station whose devices are issued for the given keys (undefined: a fresh key). */
    const station = async (name: string, devices: [string, KeyObject | undefined][]) => {
      const s = await makeStation(name, ca.custodian, ca.factory, []);
      const { ledger, recorder } = openStationLedger({ dir: s.ledgerDir, stationId: name });
      const serials: string[] = [];
      for (const [deviceId, k] of devices) {
        const l = await makeLeaf(ca.custodian, deviceId, undefined, k);
        const h = await recorder.recordIntent(l.intent);
        await recorder.recordIssued(h, l.der);
        await recorder.recordOutcome(h, { result: 'passed' });
        serials.push(l.intent.serialHex);
      }
      ledger.close();
      return { bundle: await exportBundle(s), serials };
    };
    const a = await station('ka', [['dev-k1', key], ['dev-k2', undefined]]);
    const b = await station('kb', [['dev-k3', key]]);
    const c = await station('kc', [['dev-k4', key], ['dev-k5', key]]);
    for (const one of [a, b]) expect((await audit([one.bundle], rootPem)).status).toBe(0);

    for (const extra of [[], ['--strict']]) {
      const r = await audit([a.bundle, b.bundle], rootPem, extra);
      expect(r.status).toBe(7);
      const dup = r.report.findings.filter((f) => f.kind === 'AUDIT_DUPLICATE_KEY');
      expect(dup).toHaveLength(1);
      expect(dup[0]).toMatchObject({ severity: 'error', origin: expect.stringContaining('kb') });
      for (const part of ['dev-k3', b.serials[0]!, b.bundle, 'dev-k1', a.serials[0]!, a.bundle, 'cloned secure element']) expect(dup[0]!.message).toContain(part);
    }
    // Within one bundle as well.
    const within = await audit([c.bundle], rootPem);
    expect(within.status).toBe(7);
    expect(within.report.findings).toEqual([expect.objectContaining({ kind: 'AUDIT_DUPLICATE_KEY', message: expect.stringMatching(/"dev-k5".*"dev-k4"/) })]);
    // The same device ID certified again for its own key is no clone.
    const same = await station('kd', [['dev-k6', key]]);
    const again = await station('ke', [['dev-k6', key]]);
    expect((await audit([same.bundle, again.bundle], rootPem)).report.findings.map((f) => f.kind)).not.toContain('AUDIT_DUPLICATE_KEY');
  });

  it('an unreconciled intent is a warning, and an error with --strict', async () => {
    const s = await makeStation('u', ca.custodian, ca.factory, ['dev-4']);
    const { ledger, recorder } = openStationLedger({ dir: s.ledgerDir, stationId: 'u' });
    await recorder.recordIntent((await makeLeaf(ca.custodian, 'dev-5')).intent);
    ledger.close();
    const bundle = await exportBundle(s);
    const lenient = await audit([bundle], rootPem);
    expect(lenient.status).toBe(0);
    expect(lenient.report.findings).toEqual([expect.objectContaining({ kind: 'AUDIT_UNRECONCILED_INTENT', severity: 'warning' })]);
    expect((await audit([bundle], rootPem, ['--strict'])).status).toBe(7);
  });
});
