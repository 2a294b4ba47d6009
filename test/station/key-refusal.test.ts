/**
 * A device whose key the key policy refuses (RSA-1024, an unsupported curve,
 * a type the issuance policy does not list) is asked for a new key when it can
 * generate one and policy allows it, once per run; only a device that cannot
 * is refused. The refused key never reaches an intent: the ledger holds only
 * the key that was certified.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProtocolCapability } from '../../electron/core/device/protocol';
import { bytesEqual } from '../../electron/core/device/protocol';
import { openStationLedger, type Ledger, type LedgerRecord } from '../../electron/core/ledger/index';
import { readCertificate, sha256Hex } from '../../electron/core/pki/index';
import type { Fault } from '../../electron/core/simulator/index';
import { DEFAULT_ISSUANCE_POLICY, prepareIssuer, type IssuancePolicy, type PreparedIssuer, type StepSucceeded, type WorkflowEvent } from '../../electron/core/station/index';
import { remedyFor } from '../../electron/core/station/remedies';
import { stepLine } from '../../electron/cli/commands/provision-format';
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

const RAW_CAPS: ProtocolCapability[] = ['raw-public-key', 'challenge', 'keygen', 'lock'];
const NO_KEYGEN: ProtocolCapability[] = ['csr', 'raw-public-key', 'challenge', 'lock', 'batch'];

/** A device that already holds the key `weak` makes (the simulator's weak-key fault at a key generation before the run). */
async function deviceWith(weak: Fault & { kind: 'weak-key' }, o: { capabilities?: ProtocolCapability[]; faults?: Fault[] } = {}): Promise<{ b: Bench; ledger: Ledger; refusedSpki: Uint8Array }> {
  const { ledger, recorder } = openStationLedger({ dir: mkdtempSync(join(tmpdir(), 'key-refusal-')), stationId: 'key-refusal' });
  // The key is made before the run by a device with every capability; the station then meets it with `capabilities`.
  const stateDir = mkdtempSync(join(tmpdir(), 'custodian-sim-'));
  const deviceId = `dev-weak-${benches.length}`;
  const maker = await startBench({ issuer, recorder, deviceId, stateDir, faults: [weak] });
  const pre = await maker.connect();
  await pre.generateKey('P-256');
  await pre.close();
  await maker.stop();
  const b = await startBench({ issuer, recorder, deviceId, stateDir, ...(o.capabilities ? { capabilities: o.capabilities } : {}), ...(o.faults ? { faults: o.faults } : {}) });
  benches.push(b);
  return { b, ledger, refusedSpki: b.sim.state().spki! };
}

const succeeded = (events: readonly WorkflowEvent[]): StepSucceeded[] => events.filter((e): e is StepSucceeded => e.kind === 'step' && e.state === 'succeeded');
const intents = (l: Ledger): Array<Extract<LedgerRecord, { t: 'intent' }>> =>
  Array.from({ length: l.size }, (_, i) => l.record(i)).filter((r): r is Extract<LedgerRecord, { t: 'intent' }> => r.t === 'intent');

describe('a refused key is replaced where the device can make a new one', () => {
  it.each([
    ['RSA-1024, CSR path', { kind: 'weak-key', key: 'rsa-1024' } as const, undefined, 'KEY_RSA_TOO_SMALL'],
    ['secp256k1, CSR path', { kind: 'weak-key', key: 'secp256k1' } as const, undefined, 'KEY_UNSUPPORTED_CURVE'],
    ['RSA-1024, raw public key path', { kind: 'weak-key', key: 'rsa-1024' } as const, RAW_CAPS, 'KEY_RSA_TOO_SMALL'],
  ])('%s: csr refuses the key, keygen makes a new one, the new key is certified', async (_n, weak, capabilities, code) => {
    const { b, ledger, refusedSpki } = await deviceWith(weak, capabilities ? { capabilities } : {});
    const { result, events } = await b.run();
    expect(result.result, JSON.stringify(result.result === 'failed' ? result.error : null)).toBe('passed');
    const ok = succeeded(events);
    expect(ok.map((e) => e.step)).toEqual(['identify', 'csr', 'keygen', 'csr', 'check', 'intent', 'sign', 'record', 'write', 'verify', 'commit', 'done']);
    // It happened, and why, is in the step events.
    expect(ok[1]!.details).toMatchObject({ keyRefused: code, newKey: 'requested' });
    expect(ok[2]!.details).toMatchObject({ algorithm: 'P-256', reason: 'key-refused', replaces: code });
    expect(ok[3]!.details).toMatchObject({ keyAlgorithm: 'P-256' });
    expect(b.sim.stats().byCommand.GENERATE_KEY).toBe(1); // the station's, in the run
    // The leaf is for the new key; the only intent names it, not the refused one.
    const st = b.sim.state();
    expect(st.algorithm).toBe('P-256');
    expect(bytesEqual(readCertificate(st.leaf!).spki, st.spki!)).toBe(true);
    expect(intents(ledger).map((i) => i.spkiSha256)).toEqual([sha256Hex(st.spki!)]);
    expect(intents(ledger)[0]!.spkiSha256).not.toBe(sha256Hex(refusedSpki));
    expect(b.signer.signed).toHaveLength(1);
    // The operator's step list says so.
    const lines = events.map(stepLine).filter((l): l is string => l !== null);
    expect(lines[1]).toMatch(new RegExp(`keyRefused=${code} newKey=requested`));
    expect(lines[2]).toMatch(new RegExp(`algorithm=P-256 replaces=${code}`));
  });

  it('a key type the issuance policy does not list (P-256 device, P-384 policy): a P-384 key is generated and certified', async () => {
    const { ledger, recorder } = openStationLedger({ dir: mkdtempSync(join(tmpdir(), 'key-refusal-')), stationId: 'key-refusal' });
    const b = await startBench({ issuer, recorder, deviceId: 'dev-p256-to-p384' });
    benches.push(b);
    const pre = await b.connect();
    await pre.generateKey('P-256');
    await pre.close();
    const policy: IssuancePolicy = { ...DEFAULT_ISSUANCE_POLICY, allowedKeyTypes: ['P-384'], keygen: { onDeviceIfMissing: true, onDeviceIfRefused: true, algorithm: 'P-384' } };
    const { result, events } = await b.run({ policy });
    expect(result.result).toBe('passed');
    expect(succeeded(events)[1]!.details).toMatchObject({ keyRefused: 'POLICY_KEY_TYPE_NOT_ALLOWED', newKey: 'requested' });
    expect(b.sim.state().algorithm).toBe('P-384');
    expect(intents(ledger)).toHaveLength(1);
  });
});

describe('refused, with the reason no new key was asked for, when the device cannot make one', () => {
  const refusedRun = async (b: Bench, policy?: IssuancePolicy) => {
    const { result, events } = await b.run(policy ? { policy } : {});
    expect(result.result).toBe('failed');
    if (result.result !== 'failed') throw new Error('passed');
    expect(result.failedStep).toBe('csr');
    expect(result.signed).toBe(false);
    expect(b.signer.signed).toHaveLength(0);
    return { error: result.error, events };
  };

  it('no keygen capability: refused with the key code, no GENERATE_KEY sent', async () => {
    const { b, ledger } = await deviceWith({ kind: 'weak-key', key: 'rsa-1024' }, { capabilities: NO_KEYGEN });
    const before = b.sim.stats().byCommand.GENERATE_KEY ?? 0;
    const { error } = await refusedRun(b);
    expect(error.code).toBe('KEY_RSA_TOO_SMALL');
    expect(error.details).toMatchObject({ newKey: 'not-capable' });
    expect(error.message).toMatch(/no new key can be asked for: the device cannot generate keys/);
    expect(remedyFor(error.code)).toMatch(/could not replace it .* regenerated at rework, or reject the device/);
    expect((b.sim.stats().byCommand.GENERATE_KEY ?? 0) - before).toBe(0);
    expect(intents(ledger)).toHaveLength(0);
  });

  it('policy does not replace refused keys: refused, no GENERATE_KEY sent', async () => {
    const { b } = await deviceWith({ kind: 'weak-key', key: 'secp256k1' });
    const policy: IssuancePolicy = { ...DEFAULT_ISSUANCE_POLICY, keygen: { ...DEFAULT_ISSUANCE_POLICY.keygen, onDeviceIfRefused: false } };
    const before = b.sim.stats().byCommand.GENERATE_KEY ?? 0;
    const { error } = await refusedRun(b, policy);
    expect(error).toMatchObject({ code: 'KEY_UNSUPPORTED_CURVE', details: { newKey: 'not-allowed' } });
    expect((b.sim.stats().byCommand.GENERATE_KEY ?? 0) - before).toBe(0);
  });

  it('the new key is refused too: refused after one key generation (no loop)', async () => {
    const { b, ledger } = await deviceWith({ kind: 'weak-key', key: 'rsa-1024' }, { faults: [{ kind: 'weak-key', key: 'rsa-1024' }] });
    const before = b.sim.stats().byCommand.GENERATE_KEY ?? 0;
    const { error, events } = await refusedRun(b);
    expect(error.code).toBe('KEY_RSA_TOO_SMALL');
    expect(error.details).toMatchObject({ newKey: 'done', deviceId: expect.stringMatching(/^dev-weak-/) });
    expect(error.message).toMatch(/new key .* is refused too/);
    expect((b.sim.stats().byCommand.GENERATE_KEY ?? 0) - before).toBe(1);
    expect(events.filter((e) => e.kind === 'step' && e.state === 'started').map((e) => e.kind === 'step' && e.step)).toEqual(['identify', 'csr', 'keygen', 'csr']);
    expect(intents(ledger)).toHaveLength(0);
    // With the fault spent, the retry asks for a new key again and passes.
    const retry = await b.run();
    expect(retry.result.result).toBe('passed');
  });
});
