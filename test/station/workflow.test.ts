/**
 * The provisioning workflow against simulated devices (in-process), recording
 * into the real signing ledger: both key paths, refusals before signing,
 * repeat visits, re-issue policy, fail-closed recording.
 */
import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceClient } from '../../electron/core/device/client';
import type { ProtocolCapability } from '../../electron/core/device/protocol';
import { connectInProcess } from '../../electron/core/device/index';
import { bytesEqual } from '../../electron/core/device/protocol';
import { openStationLedger, type Ledger, type LedgerRecord, type LedgerRecorder } from '../../electron/core/ledger/index';
import { readCertificate, validateChain } from '../../electron/core/pki/index';
import type { Fault } from '../../electron/core/simulator/index';
import { DEFAULT_ISSUANCE_POLICY, prepareIssuer, provisionDevice, remedyFor, type PreparedIssuer, type StepEvent, type StepSucceeded } from '../../electron/core/station/index';
import type { IssuanceRecorder } from '../../electron/core/station/recorder';
import { MemoryRecorder } from '../support/memory-recorder';
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

function freshLedger(): { ledger: Ledger; recorder: LedgerRecorder } {
  return openStationLedger({ dir: mkdtempSync(join(tmpdir(), 'ledger-')), stationId: 'test-station' });
}
const records = (l: Ledger): LedgerRecord[] => Array.from({ length: l.size }, (_, i) => l.record(i));
const ofType = <T extends LedgerRecord['t']>(l: Ledger, t: T) => records(l).filter((r): r is Extract<LedgerRecord, { t: T }> => r.t === t);

async function bench(recorder: IssuanceRecorder, o: { deviceId?: string; capabilities?: ProtocolCapability[]; faults?: Fault[] } = {}): Promise<Bench> {
  const b = await startBench({ issuer, recorder, ...o });
  benches.push(b);
  return b;
}

function assertInstalled(b: Bench, deviceId: string): void {
  const st = b.sim.state();
  expect(st.locked).toBe(true);
  const leaf = readCertificate(st.leaf!);
  expect(leaf.subject).toBe(`CN=${deviceId}`);
  expect(bytesEqual(leaf.spki, st.spki!)).toBe(true);
  validateChain({ leaf: st.leaf!, intermediates: issuer.deviceChain, roots: [issuer.root], at: new Date() });
}

describe('key paths', () => {
  it('CSR path: keygen on the device, CSR, sign, install, read back, challenge, lock; recorded intent → done → passed', async () => {
    const { ledger, recorder } = freshLedger();
    const b = await bench(recorder, { deviceId: 'dev-csr-1' });
    const { result, events } = await b.run();
    expect(result.result).toBe('passed');
    if (result.result !== 'passed') return;
    expect(result.how).toBe('signed');
    assertInstalled(b, 'dev-csr-1');
    const steps = events.filter((e): e is StepSucceeded => e.kind === 'step' && e.state === 'succeeded');
    expect(steps.map((e) => e.step)).toEqual(['identify', 'csr', 'keygen', 'csr', 'check', 'intent', 'sign', 'record', 'write', 'verify', 'commit', 'done']);
    expect(steps.find((e) => e.step === 'csr' && e.details.keyPath)?.details.keyPath).toBe('csr');
    expect(b.sim.stats().byCommand.GET_PUBLIC_KEY ?? 0).toBe(0);
    expect(ofType(ledger, 'intent')).toHaveLength(1);
    expect(ofType(ledger, 'done')[0]!.serialHex).toBe(result.serialHex);
    expect(ofType(ledger, 'outcome')[0]!.result).toBe('passed');
    // Intent recorded before signing, certificate recorded before writing: ledger order.
    expect(records(ledger).map((r) => r.t).filter((t) => t !== 'genesis' && t !== 'checkpoint' as string)).toEqual(['intent', 'done', 'outcome']);
  });

  it('raw public key + challenge path for a device without CSR support', async () => {
    const { ledger, recorder } = freshLedger();
    const b = await bench(recorder, { deviceId: 'dev-raw-1', capabilities: ['raw-public-key', 'challenge', 'keygen', 'lock'] });
    const { result, events } = await b.run();
    expect(result.result).toBe('passed');
    assertInstalled(b, 'dev-raw-1');
    const csrStep = events.filter((e): e is StepEvent => e.kind === 'step' && e.step === 'csr' && e.state === 'succeeded').at(-1);
    expect(csrStep?.state === 'succeeded' && csrStep.details.keyPath).toBe('raw-public-key');
    expect(b.sim.stats().byCommand.GET_CSR ?? 0).toBe(0);
    // One challenge before signing, one against the installed leaf.
    expect(b.sim.stats().byCommand.SIGN_CHALLENGE).toBe(2);
    expect(ofType(ledger, 'intent')[0]!.csrSha256).toBeUndefined();
  });
});

describe('refused before signing: nothing signed, nothing recorded', () => {
  const cases: { name: string; fault?: Fault; verifyCsr?: boolean; codes: string[] }[] = [
    { name: 'wrong CN in the CSR (caught by the client)', fault: { kind: 'wrong-cn' }, codes: ['DEVICE_CSR_CN_MISMATCH'] },
    { name: 'wrong CN in the CSR (caught by the workflow itself)', fault: { kind: 'wrong-cn' }, verifyCsr: false, codes: ['WORKFLOW_CSR_CN_MISMATCH'] },
    { name: 'bad CSR signature (caught by the client)', fault: { kind: 'bad-csr-signature' }, codes: ['DEVICE_CSR_INVALID'] },
    { name: 'bad CSR signature (caught by pki readCsr)', fault: { kind: 'bad-csr-signature' }, verifyCsr: false, codes: ['CSR_SIGNATURE_INVALID'] },
    { name: 'weak key RSA-1024', fault: { kind: 'weak-key', key: 'rsa-1024' }, verifyCsr: false, codes: ['KEY_RSA_TOO_SMALL'] },
    { name: 'unsupported curve secp256k1', fault: { kind: 'weak-key', key: 'secp256k1' }, verifyCsr: false, codes: ['KEY_UNSUPPORTED_CURVE'] },
    { name: 'different device ID reported midway', fault: { kind: 'device-id-change', afterIdentifies: 1 }, codes: ['DEVICE_IDENTITY_CHANGED', 'WORKFLOW_DEVICE_CHANGED'] },
  ];
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const { ledger, recorder } = freshLedger();
    const b = await bench(recorder, { deviceId: 'dev-bad-1', ...(c.fault ? { faults: [c.fault] } : {}) });
    const device = await connectInProcess(b.sim, { verifyCsr: c.verifyCsr ?? true });
    const result = await provisionDevice({ device, issuer, recorder, operator: 'op', sign: b.signer.sign });
    await device.close();
    expect(result.result).toBe('failed');
    if (result.result === 'failed') {
      expect(c.codes).toContain(result.error.code);
      expect(result.signed).toBe(false);
    }
    expect(b.signer.signed).toHaveLength(0);
    expect(ofType(ledger, 'intent')).toHaveLength(0);
    expect(b.sim.state().leaf).toBeNull();
  });

  it('a key type the issuance policy does not allow (P-256 device, policy P-384 only)', async () => {
    const { ledger, recorder } = freshLedger();
    const b = await bench(recorder, { deviceId: 'dev-policy-1' });
    const policy = { ...DEFAULT_ISSUANCE_POLICY, allowedKeyTypes: ['P-384'] as const, keygen: { onDeviceIfMissing: false, onDeviceIfRefused: false, algorithm: 'P-384' as const } };
    const pre = await b.connect();
    await pre.generateKey('P-256');
    await pre.close();
    const { result } = await b.run({ policy });
    expect(result.result === 'failed' && result.error.code).toBe('POLICY_KEY_TYPE_NOT_ALLOWED');
    expect(b.signer.signed).toHaveLength(0);
    expect(ofType(ledger, 'intent')).toHaveLength(0);
  });
});

/** `d` with some methods replaced (the rest bound to the real client). */
function tampered(d: DeviceClient, over: Partial<DeviceClient>): DeviceClient {
  return new Proxy(d, {
    get: (t, p) => {
      if (p in over) return over[p as keyof DeviceClient];
      const v = Reflect.get(t, p, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

describe("the device's store state at IDENTIFY (docs/device-protocol.md §4.2)", () => {
  /** The device calls a run makes, in order (reads, key requests, writes). */
  async function callOrder(deviceId: string, omitStore: boolean): Promise<{ calls: string[]; passed: boolean }> {
    const { recorder } = freshLedger();
    const b = await bench(recorder, { deviceId });
    const device = await b.connect();
    const calls: string[] = [];
    const log = <A extends unknown[], R>(name: string, f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
      calls.push(name);
      return f(...a);
    };
    const identify = async () => {
      const id = await device.identify();
      if (omitStore) delete id.store; // firmware that predates the field
      return id;
    };
    const result = await provisionDevice({
      device: tampered(device, {
        identify,
        readCredentials: log('read', () => device.readCredentials()),
        getCsr: log('csr', (cn: string, o) => device.getCsr(cn, o)),
        generateKey: log('keygen', (a, o) => device.generateKey(a, o)),
        install: log('install', (l, c, o) => device.install(l, c, o)),
      }),
      issuer, recorder, operator: 'op', sign: b.signer.sign,
    });
    await device.close();
    return { calls, passed: result.result === 'passed' };
  }

  it('a fresh device reporting an empty store is not read before the write, and gets its key generated without a failing CSR request', async () => {
    expect(await callOrder('dev-store-1', false)).toEqual({ calls: ['keygen', 'install'], passed: true });
  });

  it('a device that omits the store byte is read first and asked for a CSR, as before', async () => {
    expect(await callOrder('dev-store-2', true)).toEqual({ calls: ['read', 'csr', 'keygen', 'install'], passed: true });
  });
});

describe('after the write: read-back and the final challenge under the installed leaf', () => {
  it("a challenge signed by any other key than the leaf's fails WORKFLOW_FINAL_CHALLENGE_FAILED and the device is not locked", async () => {
    const { recorder } = freshLedger();
    const b = await bench(recorder, { deviceId: 'dev-final-1' });
    const device = await b.connect();
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const install: DeviceClient['install'] = async (l, c, o) => {
      const r = await device.install(l, c, o);
      return { ...r, signature: new Uint8Array(nodeSign('sha256', o.challenge!, { key: stranger, dsaEncoding: 'ieee-p1363' })) };
    };
    const result = await provisionDevice({ device: tampered(device, { install }), issuer, recorder, operator: 'op', sign: b.signer.sign });
    await device.close();
    expect(result.result === 'failed' && result.error.code).toBe('WORKFLOW_FINAL_CHALLENGE_FAILED');
    expect(b.signer.signed).toHaveLength(1);
    expect(b.sim.state().locked).toBe(false);
  });

  it('a leaf read back with one byte changed fails WORKFLOW_READBACK_MISMATCH', async () => {
    const { recorder } = freshLedger();
    const b = await bench(recorder, { deviceId: 'dev-final-2' });
    const device = await b.connect();
    const install: DeviceClient['install'] = async (l, c, o) => {
      const r = await device.install(l, c, o);
      const leaf = Uint8Array.from(r.installed.leaf!);
      leaf[leaf.length - 1]! ^= 1;
      return { ...r, installed: { ...r.installed, leaf } };
    };
    const result = await provisionDevice({ device: tampered(device, { install }), issuer, recorder, operator: 'op', sign: b.signer.sign });
    await device.close();
    expect(result.result === 'failed' && result.error.code).toBe('WORKFLOW_READBACK_MISMATCH');
    expect(b.sim.state().locked).toBe(false);
  });
});

describe('repeat visits and re-issue', () => {
  it('a device that already carries our valid chain passes again without a second signature', async () => {
    const { ledger, recorder } = freshLedger();
    const b = await bench(recorder, { deviceId: 'dev-repeat-1' });
    expect((await b.run()).result.result).toBe('passed');
    const again = await b.run();
    expect(again.result.result === 'passed' && again.result.how).toBe('recognised');
    expect(b.signer.signed).toHaveLength(1);
    expect(ofType(ledger, 'intent')).toHaveLength(1);
    // It was challenged, not just read: one SIGN_CHALLENGE per run's verification.
    expect(b.sim.stats().byCommand.SIGN_CHALLENGE).toBe(2);
  });

  it('re-issue for an already signed device ID (new key) is refused without a reason, and signed and recorded with one', async () => {
    const { ledger, recorder } = freshLedger();
    const first = await bench(recorder, { deviceId: 'dev-re-1' });
    expect((await first.run()).result.result).toBe('passed');
    // Same device ID, a different key (a replaced board, or a wiped secure element).
    const second = await bench(recorder, { deviceId: 'dev-re-1' });
    const refused = await second.run();
    expect(refused.result.result === 'failed' && refused.result.error.code).toBe('POLICY_REISSUE_REASON_REQUIRED');
    expect(second.signer.signed).toHaveLength(0);
    expect(second.sim.state().leaf).toBeNull();
    const ok = await second.run({ reissueReason: 'board replaced under RMA-77' });
    expect(ok.result.result).toBe('passed');
    if (ok.result.result === 'passed') expect(ok.result.reissued).toBe(true);
    expect(second.signer.signed).toHaveLength(1);
    const intents = ofType(ledger, 'intent');
    expect(intents).toHaveLength(2);
    expect(intents[1]!.reissueReason).toBe('board replaced under RMA-77');
    assertInstalled(second, 'dev-re-1');
  });

  it('a second device ID presenting a key already certified for another device (a cloned secure element) is refused before any intent, even with a reason', async () => {
    const { ledger, recorder } = freshLedger();
    const original = await bench(recorder, { deviceId: 'dev-key-a' });
    expect((await original.run()).result.result).toBe('passed');
    // The clone: a fresh, unlocked store holding the original's key, under another device ID.
    const dir = mkdtempSync(join(tmpdir(), 'custodian-sim-clone-'));
    copyFileSync(join(original.sim.stateDir, 'key.pem'), join(dir, 'key.pem'));
    const state = JSON.parse(readFileSync(join(original.sim.stateDir, 'state.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ ...state, deviceId: 'dev-key-b', hardwareSerial: 'HWC10NE', locked: false }));
    const clone = await startBench({ issuer, recorder, stateDir: dir });
    benches.push(clone);
    expect(bytesEqual(clone.sim.state().spki!, original.sim.state().spki!)).toBe(true);
    for (const extra of [{}, { reissueReason: 'replacement board' }]) {
      const { result } = await clone.run(extra);
      expect(result.result).toBe('failed');
      if (result.result !== 'failed') return;
      expect(result.error.code).toBe('POLICY_KEY_ALREADY_CERTIFIED');
      expect(result.failedStep).toBe('check');
      expect(result.error.message).toMatch(/already certified for device dev-key-a .*cloned secure element/);
      expect(remedyFor(result.error.code)).toMatch(/cloned secure element\. Quarantine the device/);
    }
    expect(clone.signer.signed).toHaveLength(0);
    expect(clone.sim.state().leaf).toBeNull();
    expect(ofType(ledger, 'intent').map((i) => i.deviceId)).toEqual(['dev-key-a']);
    // The original, with its own key, still passes on a repeat visit.
    const again = await original.run();
    expect(again.result.result === 'passed' && again.result.how).toBe('recognised');
  });

  it('a device that failed after signing is retried by re-installing the recorded certificate (no second signature, outcome on the same intent)', async () => {
    const { ledger, recorder } = freshLedger();
    const b = await bench(recorder, { deviceId: 'dev-retry-1', faults: [{ kind: 'flash-write-failure', step: 'write-end' }] });
    const failed = await b.run();
    expect(failed.result.result === 'failed' && failed.result.error.code).toBe('DEVICE_FLASH_WRITE_FAILED');
    const retry = await b.run();
    expect(retry.result.result === 'passed' && retry.result.how).toBe('reused');
    expect(b.signer.signed).toHaveLength(1);
    const outcomes = ofType(ledger, 'outcome');
    expect(outcomes.map((o) => o.result)).toEqual(['failed', 'passed']);
    expect(new Set(outcomes.map((o) => o.intent)).size).toBe(1);
  });
});

describe('cancellation', () => {
  it.each(['identify', 'csr', 'keygen', 'check', 'intent', 'sign', 'record', 'write', 'verify', 'commit', 'done'] as const)(
    'cancel when %s starts: the run stops with WORKFLOW_CANCELLED, leaves no open intent, and a retry passes with at most one signature',
    async (at) => {
      const { ledger, recorder } = freshLedger();
      const b = await bench(recorder, { deviceId: `dev-cancel-${at}` });
      const ac = new AbortController();
      const { result } = await b.run({ signal: ac.signal, onEvent: (e) => { if (e.kind === 'step' && e.step === at && e.state === 'started') ac.abort(); } });
      if (at === 'done') {
        expect(result.result).toBe('passed'); // after commit the device is provisioned: the outcome is recorded anyway
      } else {
        expect(result.result === 'failed' && result.error.code).toBe('WORKFLOW_CANCELLED');
        // intent → sign → record is one critical section: a cancel there lands at write.
        if (result.result === 'failed') expect(result.failedStep).toBe(at === 'sign' || at === 'record' ? 'write' : at === 'intent' ? 'intent' : at);
      }
      const l = ledger as Ledger;
      expect((recorder as LedgerRecorder).unreconciled()).toEqual([]);
      const retry = await b.run();
      expect(retry.result.result).toBe('passed');
      expect(b.signer.signed.length).toBeLessThanOrEqual(1);
      expect(ofType(l, 'done').length).toBe(b.signer.signed.length);
    },
  );
});

describe('fail closed on the record', () => {
  it('a recorder that cannot record the intent means no certificate is produced', async () => {
    const recorder = new MemoryRecorder();
    recorder.failNext = 'intent';
    const b = await bench(recorder, { deviceId: 'dev-rec-1' });
    const { result } = await b.run();
    expect(result.result === 'failed' && result.error.code).toBe('LEDGER_WRITE_FAILED');
    expect(result.result === 'failed' && result.failedStep).toBe('intent');
    expect(b.signer.signed).toHaveLength(0);
    expect(b.sim.state().leaf).toBeNull();
    // And the device is fine to retry once the recorder works again.
    expect((await b.run()).result.result).toBe('passed');
    expect(b.signer.signed).toHaveLength(1);
  });

  it('a signed certificate that cannot be recorded never leaves the station', async () => {
    const recorder = new MemoryRecorder();
    recorder.failNext = 'issued';
    const b = await bench(recorder, { deviceId: 'dev-rec-2' });
    const { result } = await b.run();
    expect(result.result === 'failed' && result.failedStep).toBe('record');
    expect(b.signer.signed).toHaveLength(1);
    expect(b.sim.state().leaf).toBeNull();
    expect(b.sim.stats().byCommand.WRITE_BEGIN ?? 0).toBe(0);
  });

  it('a crash right after signing leaves a durable intent naming the serial, which blocks signing until reconciled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-crash-'));
    const first = openStationLedger({ dir, stationId: 'crash-station' });
    const b = await bench(first.recorder, { deviceId: 'dev-crash-1' });
    const device = await b.connect();
    let signedDer: Uint8Array | null = null;
    let died!: () => void;
    const dead = new Promise<void>((r) => (died = r));
    void provisionDevice({
      device, issuer, recorder: first.recorder, operator: 'op',
      // The process "dies" the moment the signature exists: the signer never returns.
      sign: async (req) => {
        signedDer = (await b.signer.sign(req)).der;
        died();
        return new Promise<never>(() => undefined);
      },
    });
    await dead;
    first.ledger.close();
    const after = openStationLedger({ dir, stationId: 'crash-station' });
    try {
      const open = after.recorder.unreconciled();
      expect(open).toHaveLength(1);
      expect(open[0]!.intent.serialHex).toBe(readCertificate(signedDer!).serialHex);
      expect(open[0]!.intent.deviceId).toBe('dev-crash-1');
      // The next run refuses to sign before the operator reconciles.
      const blocked = await b.run({ recorder: after.recorder });
      expect(blocked.result.result === 'failed' && blocked.result.error.code).toBe('LEDGER_UNRECONCILED_INTENT');
      expect(b.signer.signed).toHaveLength(1);
      await after.recorder.reconcile(open[0]!.index, { resolution: 'issued', operator: 'op', reason: 'found after crash', certificateDer: signedDer! });
      // Reconciled as issued: the retry re-installs that very certificate, no second signature.
      const retry = await b.run({ recorder: after.recorder });
      expect(retry.result.result === 'passed' && retry.result.how).toBe('reused');
      expect(b.signer.signed).toHaveLength(1);
    } finally {
      after.ledger.close();
      await device.close();
    }
  });

  it('a device locked with credentials from elsewhere is refused, never overwritten', async () => {
    const { recorder } = freshLedger();
    const other = prepareIssuer((await makeTestChain('Foreign-Brand')).issuer);
    const b = await bench(recorder, { deviceId: 'dev-foreign-1' });
    const device = await b.connect();
    expect((await provisionDevice({ device, issuer: other, recorder: new MemoryRecorder(), operator: 'elsewhere' })).result).toBe('passed');
    await device.close();
    const { result } = await b.run();
    expect(result.result === 'failed' && result.error.code).toBe('WORKFLOW_DEVICE_LOCKED');
    expect(b.signer.signed).toHaveLength(0);
  });
});
