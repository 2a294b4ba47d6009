/**
 * issueCrl against a real ledger: a CRL is never dated before the last CRL
 * of its issuer or before the newest revocation it lists (CRL_CLOCK_BEHIND),
 * and a refusal signs and records nothing.
 */
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { isCustodianError } from '../../electron/core/errors';
import { openStationLedger, type Ledger } from '../../electron/core/ledger/index';
import { CrlCodes, crlsDue, issueCrl, type CrlIssuer } from '../../electron/core/lifecycle/index';
import { fingerprintSha256, generateKeyPair, issueCertificate, stationCrl } from '../../electron/core/pki/index';
import { tempDir } from '../ledger/helpers';

let ledger: Ledger;
let issuer: CrlIssuer;
const T = new Date('2026-06-01T12:00:00Z');

beforeEach(async () => {
  const keys = await generateKeyPair('P-256', { extractable: false });
  const cert = await issueCertificate({ profile: 'rootCa', commonName: 'Clock CA', subjectPublicKey: keys.publicKey, issuer: 'self', selfKeys: keys, notBefore: new Date('2026-01-01T00:00:00Z'), days: 3650 });
  issuer = { certificate: cert.der, privateKey: keys.privateKey };
  ({ ledger } = openStationLedger({ dir: join(tempDir('crl-issue-'), 'ledger'), stationId: 'station-c' }));
  return () => { if (!ledger.closed) ledger.close(); };
});

async function behind(now: Date): Promise<Record<string, unknown>> {
  const size = ledger.size;
  const e = await issueCrl(ledger, { issuer, operator: 'op', now }).then(() => null, (x: unknown) => x);
  expect(isCustodianError(e, CrlCodes.CLOCK_BEHIND), String(e)).toBe(true);
  expect(ledger.size).toBe(size);
  return (e as { details: Record<string, unknown> }).details;
}

describe('issueCrl and the clock', () => {
  it('refuses a CRL dated before the last CRL of the same issuer', async () => {
    expect((await issueCrl(ledger, { issuer, operator: 'op', now: T })).crlNumber).toBe(1n);
    expect(await behind(new Date(T.getTime() - 3_600_000))).toMatchObject({ after: T.toISOString() });
    // The same second or later is fine.
    expect((await issueCrl(ledger, { issuer, operator: 'op', now: new Date(T.getTime() + 400) })).crlNumber).toBe(2n);
  });

  it('refuses a CRL dated before the newest revocation it would list', async () => {
    const later = new Date(T.getTime() + 86_400_000);
    ledger.append('revocation', { serialHex: '0a', issuerFingerprint: fingerprintSha256(issuer.certificate), subject: 'device', deviceId: 'dev-1', reason: 'keyCompromise', revokedAt: later.toISOString(), operator: 'op' });
    expect(await behind(T)).toMatchObject({ after: later.toISOString() });
    expect((await issueCrl(ledger, { issuer, operator: 'op', now: later })).entries).toHaveLength(1);
  });

  it('the last CRL of an issuer is due within the profile\'s warning window of its nextUpdate, expired past it', async () => {
    const h = 3_600_000;
    expect(stationCrl.nextUpdate.warnWithinHours).toBe(24);
    await issueCrl(ledger, { issuer, operator: 'op', now: T, nextUpdateDays: 7 });
    expect(crlsDue(ledger, T)).toEqual([]);
    expect(crlsDue(ledger, new Date(T.getTime() + (7 * 24 - 25) * h))).toEqual([]);
    expect(crlsDue(ledger, new Date(T.getTime() + (7 * 24 - 23) * h))).toEqual([expect.objectContaining({ crlNumber: '1', expired: false })]);
    expect(crlsDue(ledger, new Date(T.getTime() + 8 * 24 * h))).toEqual([expect.objectContaining({ crlNumber: '1', expired: true })]);
    // Only the last CRL of the issuer counts.
    await issueCrl(ledger, { issuer, operator: 'op', now: new Date(T.getTime() + 7 * 24 * h - 1000), nextUpdateDays: 7 });
    expect(crlsDue(ledger, new Date(T.getTime() + 8 * 24 * h))).toEqual([]);
  });
});
