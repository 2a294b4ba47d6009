/**
 * Renewal and re-key of an already provisioned device, through the real
 * workflow against the simulator, recording into the real ledger: the new
 * certificate is linked to the one it replaces, with its reason; every
 * refusal has its own code and comes before anything is signed; the old
 * certificate is left to expire or revoked as the policy says.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStationLedger, type Ledger, type LedgerRecord, type LedgerRecorder } from '../../electron/core/ledger/index';
import { readCertificate, validateChain } from '../../electron/core/pki/index';
import type { ProtocolCapability } from '../../electron/core/device/protocol';
import { checkPolicy, DEFAULT_ISSUANCE_POLICY, prepareIssuer, remedyFor, StationCodes, type IssuancePolicy, type PreparedIssuer, type RevocationRegistry, type StepSucceeded } from '../../electron/core/station/index';
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

/** A device whose store stays writable (no lock), as a renewable device is. */
const UNLOCKED: ProtocolCapability[] = ['csr', 'challenge', 'keygen'];
/** Certificates short enough to be inside the default 90-day renewal window from the start. */
const SHORT: IssuancePolicy = { ...DEFAULT_ISSUANCE_POLICY, validityDays: 30 };
const DAY_MS = 86_400_000;

function freshLedger(): { ledger: Ledger; recorder: LedgerRecorder } {
  return openStationLedger({ dir: mkdtempSync(join(tmpdir(), 'ledger-')), stationId: 'test-station' });
}
const intents = (l: Ledger) =>
  Array.from({ length: l.size }, (_, i) => l.record(i)).filter((r): r is Extract<LedgerRecord, { t: 'intent' }> => r.t === 'intent');

async function provisioned(recorder: LedgerRecorder, o: { deviceId: string; capabilities?: ProtocolCapability[]; policy?: IssuancePolicy }) {
  const b = await startBench({ issuer, recorder, deviceId: o.deviceId, capabilities: o.capabilities ?? UNLOCKED });
  benches.push(b);
  const first = await b.run({ policy: o.policy ?? SHORT });
  expect(first.result.result).toBe('passed');
  if (first.result.result !== 'passed') throw new Error('first provisioning failed');
  return { b, first: first.result };
}

function failure(r: Awaited<ReturnType<Bench['run']>>['result']): { code: string; step: string; signed: boolean } {
  expect(r.result).toBe('failed');
  if (r.result !== 'failed') throw new Error('passed');
  return { code: r.error.code, step: r.failedStep, signed: r.signed };
}

/** An in-memory registry standing for the ledger's revocation records. */
function registry(revoked: Map<string, { reason: string; revokedAt: string }> = new Map()) {
  const calls: Parameters<RevocationRegistry['revokeSuperseded']>[0][] = [];
  const r: RevocationRegistry = {
    revocationOf: async (serialHex) => revoked.get(serialHex) ?? null,
    revokeSuperseded: async (x) => {
      calls.push(x);
      revoked.set(x.serialHex, { reason: 'superseded', revokedAt: new Date().toISOString() });
    },
  };
  return { r, calls };
}

describe('renew', () => {
  it('certifies the same key again, recorded as a renewal of the old serial with its reason; the old certificate is left to expire', async () => {
    const { ledger, recorder } = freshLedger();
    const { b, first } = await provisioned(recorder, { deviceId: 'dev-renew-1' });
    const spki = b.sim.state().spki!;
    const { result, events } = await b.run({ policy: SHORT, renewal: { mode: 'renew', reason: 'scheduled renewal' } });
    expect(result.result).toBe('passed');
    if (result.result !== 'passed') return;
    expect(result.how).toBe('signed');
    expect(result.serialHex).not.toBe(first.serialHex);
    expect(result.renewal).toEqual({ mode: 'renew', replaces: first.serialHex, oldCertificate: 'expires' });
    expect(b.signer.signed).toHaveLength(2);
    // The device holds the new leaf, for the same key, chaining to our root.
    const leaf = readCertificate(b.sim.state().leaf!);
    expect(leaf.serialHex).toBe(result.serialHex);
    expect(Buffer.from(leaf.spki).equals(Buffer.from(spki))).toBe(true);
    validateChain({ leaf: b.sim.state().leaf!, intermediates: issuer.deviceChain, roots: [issuer.root], at: new Date() });
    // No key generation in a renewal.
    const steps = events.filter((e): e is StepSucceeded => e.kind === 'step' && e.state === 'succeeded').map((e) => e.step);
    expect(steps).toEqual(['identify', 'csr', 'check', 'intent', 'sign', 'record', 'write', 'verify', 'done']);
    const [, renewed] = intents(ledger);
    expect(renewed).toMatchObject({ deviceId: 'dev-renew-1', serialHex: result.serialHex, replaces: first.serialHex, renewal: 'renew', reissueReason: 'scheduled renewal' });
    expect(renewed!.spkiSha256).toBe(intents(ledger)[0]!.spkiSha256);
  });

  it('the re-issue guard stays: without the renew mode the renewed device is recognised and nothing more is signed', async () => {
    const { recorder } = freshLedger();
    const { b } = await provisioned(recorder, { deviceId: 'dev-renew-guard' });
    expect((await b.run({ policy: SHORT, renewal: { mode: 'renew', reason: 'scheduled renewal' } })).result.result).toBe('passed');
    const again = await b.run({ policy: SHORT });
    expect(again.result.result === 'passed' && again.result.how).toBe('recognised');
    expect(b.signer.signed).toHaveLength(2);
  });

  it('is refused outside the renewal window, before anything is signed', async () => {
    const { recorder } = freshLedger();
    // A certificate of the default validity (a year or more) is far from its window.
    const { b, first } = await provisioned(recorder, { deviceId: 'dev-renew-early', policy: DEFAULT_ISSUANCE_POLICY });
    const { result } = await b.run({ renewal: { mode: 'renew', reason: 'scheduled renewal' } });
    expect(failure(result)).toEqual({ code: 'RENEWAL_OUTSIDE_WINDOW', step: 'csr', signed: false });
    if (result.result === 'failed') expect(result.error.details).toMatchObject({ serialHex: first.serialHex, windowDays: 90 });
    expect(b.signer.signed).toHaveLength(1);
    expect(readCertificate(b.sim.state().leaf!).serialHex).toBe(first.serialHex);
    // A wider window (policy data) accepts the same certificate.
    const wide = await b.run({ policy: { ...DEFAULT_ISSUANCE_POLICY, renewal: { windowDays: 3000, oldCertificate: 'expire' } }, renewal: { mode: 'renew', reason: 'scheduled renewal' } });
    expect(wide.result.result).toBe('passed');
  });

  it('is refused for an expired certificate, before anything is signed', async () => {
    const { recorder } = freshLedger();
    const { b, first } = await provisioned(recorder, { deviceId: 'dev-renew-expired' });
    const later = new Date(readCertificate(first.leafDer).notAfter.getTime() + DAY_MS);
    const { result } = await b.run({ policy: SHORT, clock: () => later, renewal: { mode: 'renew', reason: 'scheduled renewal' } });
    expect(failure(result)).toEqual({ code: 'RENEWAL_CERTIFICATE_EXPIRED', step: 'csr', signed: false });
    expect(b.signer.signed).toHaveLength(1);
  });

  it('is refused for a certificate this station has no record of', async () => {
    const { recorder } = freshLedger();
    const { b } = await provisioned(recorder, { deviceId: 'dev-renew-unknown' });
    const other = freshLedger();
    const { result } = await b.run({ recorder: other.recorder, policy: SHORT, renewal: { mode: 'renew', reason: 'scheduled renewal' } });
    expect(failure(result)).toEqual({ code: 'RENEWAL_UNKNOWN_CERTIFICATE', step: 'csr', signed: false });
    expect(intents(other.ledger)).toHaveLength(0);
  });

  it('is refused for a revoked certificate', async () => {
    const { recorder } = freshLedger();
    const { b, first } = await provisioned(recorder, { deviceId: 'dev-renew-revoked' });
    const { r } = registry(new Map([[first.serialHex, { reason: 'keyCompromise', revokedAt: '2026-01-01T00:00:00.000Z' }]]));
    const { result } = await b.run({ policy: SHORT, revocations: r, renewal: { mode: 'renew', reason: 'scheduled renewal' } });
    expect(failure(result)).toEqual({ code: 'RENEWAL_CERTIFICATE_REVOKED', step: 'csr', signed: false });
    if (result.result === 'failed') expect(result.error.details).toMatchObject({ serialHex: first.serialHex, reason: 'keyCompromise' });
    expect(b.signer.signed).toHaveLength(1);
  });

  it('is refused when the device now holds another key than its certificate', async () => {
    const { recorder } = freshLedger();
    const { b } = await provisioned(recorder, { deviceId: 'dev-renew-key' });
    // The secure element's key changed under the installed leaf.
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await b.sim.stop();
    writeFileSync(join(b.sim.stateDir, 'key.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const again = await startBench({ issuer, recorder, stateDir: b.sim.stateDir, capabilities: UNLOCKED });
    benches.push(again);
    const { result } = await again.run({ policy: SHORT, renewal: { mode: 'renew', reason: 'scheduled renewal' } });
    expect(failure(result)).toEqual({ code: 'RENEWAL_KEY_MISMATCH', step: 'check', signed: false });
    expect(again.signer.signed).toHaveLength(0);
    expect(remedyFor('RENEWAL_KEY_MISMATCH')).toMatch(/--re-key/);
  });

  it('is refused without a reason, and for a locked device, before anything is signed', async () => {
    const { recorder } = freshLedger();
    const { b } = await provisioned(recorder, { deviceId: 'dev-renew-reason' });
    const { result } = await b.run({ policy: SHORT, renewal: { mode: 'renew', reason: ' ' } });
    expect(failure(result)).toEqual({ code: 'POLICY_REISSUE_REASON_REQUIRED', step: 'csr', signed: false });
    const locked = await provisioned(recorder, { deviceId: 'dev-renew-locked', capabilities: ['csr', 'challenge', 'keygen', 'lock'] });
    expect(locked.b.sim.state().locked).toBe(true);
    const r2 = await locked.b.run({ policy: SHORT, renewal: { mode: 'renew', reason: 'scheduled renewal' } });
    expect(failure(r2.result)).toEqual({ code: 'RENEWAL_DEVICE_LOCKED', step: 'csr', signed: false });
    expect(b.signer.signed).toHaveLength(1);
    expect(locked.b.signer.signed).toHaveLength(1);
  });
});

describe('re-key', () => {
  it('has the device generate a new key and certifies it, linked to the certificate it replaces, at any time before expiry', async () => {
    const { ledger, recorder } = freshLedger();
    const { b, first } = await provisioned(recorder, { deviceId: 'dev-rekey-1', policy: DEFAULT_ISSUANCE_POLICY });
    const oldSpki = b.sim.state().spki!;
    const { result, events } = await b.run({ renewal: { mode: 're-key', reason: 'key rotation 2026' } });
    expect(result.result).toBe('passed');
    if (result.result !== 'passed') return;
    expect(result.renewal).toEqual({ mode: 're-key', replaces: first.serialHex, oldCertificate: 'expires' });
    const newSpki = b.sim.state().spki!;
    expect(Buffer.from(newSpki).equals(Buffer.from(oldSpki))).toBe(false);
    expect(Buffer.from(readCertificate(b.sim.state().leaf!).spki).equals(Buffer.from(newSpki))).toBe(true);
    const keygen = events.find((e): e is StepSucceeded => e.kind === 'step' && e.state === 'succeeded' && e.step === 'keygen');
    expect(keygen?.details.reason).toBe('re-key');
    const [old, rekeyed] = intents(ledger);
    expect(rekeyed).toMatchObject({ replaces: first.serialHex, renewal: 're-key', reissueReason: 'key rotation 2026' });
    expect(rekeyed!.spkiSha256).not.toBe(old!.spkiSha256);
  });

  it('is refused for a device that cannot generate a key, before its key is touched or anything signed', async () => {
    const { recorder } = freshLedger();
    const { b } = await provisioned(recorder, { deviceId: 'dev-rekey-nokeygen' });
    const spki = b.sim.state().spki!;
    // The same device, its firmware without key generation.
    await b.sim.stop();
    const fixed = await startBench({ issuer, recorder, stateDir: b.sim.stateDir, capabilities: ['csr', 'challenge'] });
    benches.push(fixed);
    const { result } = await fixed.run({ renewal: { mode: 're-key', reason: 'key rotation 2026' } });
    expect(failure(result)).toEqual({ code: 'RENEWAL_KEYGEN_UNAVAILABLE', step: 'csr', signed: false });
    expect(Buffer.from(fixed.sim.state().spki!).equals(Buffer.from(spki))).toBe(true);
    expect(fixed.signer.signed).toHaveLength(0);
  });

  it('is refused for an expired certificate before the device is asked for a new key', async () => {
    const { recorder } = freshLedger();
    const { b, first } = await provisioned(recorder, { deviceId: 'dev-rekey-expired' });
    const before = b.sim.stats().byCommand.GENERATE_KEY ?? 0;
    const later = new Date(readCertificate(first.leafDer).notAfter.getTime() + DAY_MS);
    const { result } = await b.run({ clock: () => later, renewal: { mode: 're-key', reason: 'key rotation 2026' } });
    expect(failure(result)).toEqual({ code: 'RENEWAL_CERTIFICATE_EXPIRED', step: 'csr', signed: false });
    expect(b.sim.stats().byCommand.GENERATE_KEY ?? 0).toBe(before);
  });
});

describe('the old certificate, as policy says', () => {
  const REVOKING: IssuancePolicy = { ...SHORT, renewal: { windowDays: 90, oldCertificate: 'revoke' } };

  it('revoke: the replaced certificate is revoked as superseded, naming its successor, once the successor is installed', async () => {
    const { recorder } = freshLedger();
    const { b, first } = await provisioned(recorder, { deviceId: 'dev-dispose-1' });
    const { r, calls } = registry();
    const { result } = await b.run({ policy: REVOKING, revocations: r, renewal: { mode: 'renew', reason: 'scheduled renewal' } });
    expect(result.result).toBe('passed');
    if (result.result !== 'passed') return;
    expect(result.renewal?.oldCertificate).toBe('revoked');
    expect(calls).toEqual([{ serialHex: first.serialHex, issuerFingerprint: issuer.fingerprint, deviceId: 'dev-dispose-1', operator: 'test-operator', replacedBy: result.serialHex }]);
  });

  it('revoke without a revocation record to write to is refused before anything is signed', async () => {
    const { recorder } = freshLedger();
    const { b } = await provisioned(recorder, { deviceId: 'dev-dispose-2' });
    const { result } = await b.run({ policy: REVOKING, renewal: { mode: 'renew', reason: 'scheduled renewal' } });
    expect(failure(result)).toEqual({ code: 'RENEWAL_REVOCATION_UNAVAILABLE', step: 'csr', signed: false });
    expect(b.signer.signed).toHaveLength(1);
  });

  it('the renewal window and disposition are checked policy data', () => {
    expect(() => checkPolicy({ ...DEFAULT_ISSUANCE_POLICY, renewal: { windowDays: 0, oldCertificate: 'expire' } })).toThrow(/renewal.windowDays/);
    expect(() => checkPolicy({ ...DEFAULT_ISSUANCE_POLICY, renewal: { windowDays: 30, oldCertificate: 'keep' as never } })).toThrow(/renewal.oldCertificate/);
  });
});

describe('the renewal refusals as documented', () => {
  it('docs/lifecycle.md names every RENEWAL_* code the workflow can raise', () => {
    const doc = readFileSync(new URL('../../docs/lifecycle.md', import.meta.url), 'utf8');
    const codes = Object.values(StationCodes).filter((c) => c.startsWith('RENEWAL_'));
    expect(codes.length).toBeGreaterThan(5);
    expect(codes.filter((c) => !doc.includes(`\`${c}\``))).toEqual([]);
    // Each has its own fix, not the area's general message.
    for (const c of codes) expect(remedyFor(c)).not.toBe(remedyFor('RENEWAL_NOT_A_CODE'));
  });
});
