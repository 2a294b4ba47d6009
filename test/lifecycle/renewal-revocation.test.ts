/**
 * Renewal against the ledger's revocation records: a certificate revoked
 * with `revoke` is not renewed, and under a policy that revokes replaced
 * certificates the renewal writes a `superseded` revocation naming its
 * successor, once the successor is installed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStationLedger } from '../../electron/core/ledger/index';
import { ledgerRevocations, revocations, revoke } from '../../electron/core/lifecycle/index';
import { DEFAULT_ISSUANCE_POLICY, prepareIssuer, type IssuancePolicy, type PreparedIssuer } from '../../electron/core/station/index';
import { startBench, type Bench } from '../support/station-harness';
import { makeTestChain } from '../support/station-chain';

let issuer: PreparedIssuer;
beforeAll(async () => {
  issuer = prepareIssuer((await makeTestChain()).issuer);
});
const benches: Bench[] = [];
afterEach(async () => {
  await Promise.all(benches.splice(0).map((b) => b.stop()));
});

const REVOKING: IssuancePolicy = { ...DEFAULT_ISSUANCE_POLICY, validityDays: 30, renewal: { windowDays: 90, oldCertificate: 'revoke' } };

async function setup(deviceId: string) {
  const { ledger, recorder } = openStationLedger({ dir: mkdtempSync(join(tmpdir(), 'ledger-')), stationId: 'station-renew' });
  const b = await startBench({ issuer, recorder, deviceId, capabilities: ['csr', 'challenge', 'keygen'] });
  benches.push(b);
  const first = await b.run({ policy: REVOKING });
  if (first.result.result !== 'passed') throw new Error('first provisioning failed');
  return { ledger, b, first: first.result, revocations: ledgerRevocations(ledger) };
}

describe('renewal and the revocation record', () => {
  it('policy revoke: the replaced certificate gets a superseded revocation naming its successor, after the successor passed', async () => {
    const { ledger, b, first, revocations: reg } = await setup('dev-lr-1');
    const { result } = await b.run({ policy: REVOKING, revocations: reg, renewal: { mode: 're-key', reason: 'key rotation' } });
    expect(result.result).toBe('passed');
    if (result.result !== 'passed') return;
    expect(revocations(ledger)).toEqual([expect.objectContaining({
      serialHex: first.serialHex, issuerFingerprint: issuer.fingerprint, deviceId: 'dev-lr-1', reason: 'superseded', operator: 'test-operator', replacedBy: result.serialHex,
    })]);
    // Recorded after the successor's outcome: the old one was revoked only once the new one was in place.
    const types = Array.from({ length: ledger.size }, (_, i) => ledger.record(i).t);
    expect(types.lastIndexOf('revocation')).toBeGreaterThan(types.lastIndexOf('done'));
    // The successor itself is not revoked and can be renewed in turn.
    expect(await reg.revocationOf(result.serialHex, issuer.fingerprint)).toBeNull();
  });

  it('a certificate revoked with revoke() is refused renewal before anything is signed', async () => {
    const { ledger, b, first, revocations: reg } = await setup('dev-lr-2');
    await revoke(ledger, { target: first.serialHex, by: 'serial', reason: 'keyCompromise', operator: 'sec' });
    const { result } = await b.run({ policy: REVOKING, revocations: reg, renewal: { mode: 'renew', reason: 'scheduled renewal' } });
    expect(result.result === 'failed' && result.error.code).toBe('RENEWAL_CERTIFICATE_REVOKED');
    expect(b.signer.signed).toHaveLength(1);
  });
});
