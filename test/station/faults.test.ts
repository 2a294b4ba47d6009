/**
 * Faults table: every simulator fault at every step where it can occur, on a
 * fresh simulated device each, once for a device that takes BATCH (the
 * station packs its requests, docs/device-protocol.md §4.8) and once for one
 * that does not (one request per frame). A run either passes, or fails with a specific
 * typed error from the listed set, at the step the failed request belongs to
 * (`expectedStep`), and leaves the device safe: nothing is locked that is not
 * ours, and a clean retry (the fault is one-shot) passes without a second
 * signature. Every certificate the issuer signed is found in the recorder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProtocolCapability } from '../../electron/core/device/protocol';
import { bytesEqual } from '../../electron/core/device/protocol';
import { readCertificate, validateChain } from '../../electron/core/pki/index';
import type { Fault, Step } from '../../electron/core/simulator/index';
import type { WorkflowStep } from '../../electron/core/station/machine';
import { prepareIssuer, type PreparedIssuer } from '../../electron/core/station/index';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStationLedger, type Ledger, type LedgerRecorder } from '../../electron/core/ledger/index';
import { FAST_TIMEOUT_MS, startBench } from '../support/station-harness';
import { makeTestChain } from '../support/station-chain';

type Expect = 'pass' | 'retry-passes' | 'refused';
interface Row {
  name: string;
  fault: Fault | ((identifiesSoFar: number) => Fault);
  /** Key path: 'csr' (all capabilities) or 'raw' (no CSR support → public key + challenge). */
  path?: 'csr' | 'raw';
  expect: Expect;
  /** Acceptable error codes for the first run (specific, never INTERNAL). */
  codes?: string[];
  /** The first run must have written nothing to the device. */
  nothingWritten?: boolean;
  /** The workflow step the first run fails at, when the fault's command does not say it (expectedStep). */
  at?: WorkflowStep;
}
type Mode = 'batch' | 'single';

const CRC = ['FRAME_CRC'];
const DROP = ['FRAME_TRUNCATED', 'FRAME_CRC', 'DEVICE_TIMEOUT'];
const GONE = ['DEVICE_DISCONNECTED'];
const TIMEOUT = ['DEVICE_TIMEOUT'];
const CHANGED = ['DEVICE_IDENTITY_CHANGED', 'WORKFLOW_DEVICE_CHANGED'];

/** Device commands a provisioning run issues, per key path (fresh device: keygen, CSR or key+challenge, write, read back, challenge, commit). */
const CSR_PATH_STEPS: Step[] = ['identify', 'generate-key', 'get-csr', 'write-begin', 'write-chunk', 'write-end', 'read-certs', 'sign-challenge', 'commit'];
const RAW_ONLY_STEPS: Step[] = ['get-public-key'];

const base: Row[] = [];
const rows = base;
for (const [path, steps] of [['csr', CSR_PATH_STEPS], ['raw', RAW_ONLY_STEPS]] as const) {
  for (const step of steps) {
    rows.push({ name: `corrupted bytes at ${step} (${path})`, path, fault: { kind: 'corrupt-reply', step }, expect: 'retry-passes', codes: CRC });
    rows.push({ name: `dropped bytes at ${step} (${path})`, path, fault: { kind: 'drop-bytes', step }, expect: 'retry-passes', codes: DROP });
    rows.push({ name: `disconnect before ${step} (${path})`, path, fault: { kind: 'disconnect', step, phase: 'before' }, expect: 'retry-passes', codes: GONE });
    rows.push({ name: `disconnect after ${step} executed (${path})`, path, fault: { kind: 'disconnect', step, phase: 'after' }, expect: 'retry-passes', codes: GONE });
    rows.push({ name: `silent at ${step} (${path})`, path, fault: { kind: 'silent', step }, expect: 'retry-passes', codes: TIMEOUT });
    rows.push({ name: `slow reply past the timeout at ${step} (${path})`, path, fault: { kind: 'slow-reply', step, delayMs: FAST_TIMEOUT_MS * 2 }, expect: 'retry-passes', codes: TIMEOUT });
    rows.push({ name: `slow reply within the timeout at ${step} (${path})`, path, fault: { kind: 'slow-reply', step, delayMs: FAST_TIMEOUT_MS / 5 }, expect: 'pass' });
  }
}
// The raw path's own pre-signing challenge.
rows.push({ name: 'corrupted bytes at the pre-signing challenge (raw)', path: 'raw', fault: { kind: 'corrupt-reply', step: 'sign-challenge' }, expect: 'retry-passes', codes: CRC });
rows.push({ name: 'silent at the pre-signing challenge (raw)', path: 'raw', fault: { kind: 'silent', step: 'sign-challenge' }, expect: 'retry-passes', codes: TIMEOUT });
rows.push(
  { name: 'wrong CN in CSR', fault: { kind: 'wrong-cn' }, expect: 'retry-passes', codes: ['DEVICE_CSR_CN_MISMATCH', 'WORKFLOW_CSR_CN_MISMATCH'] },
  { name: 'invalid CSR signature', fault: { kind: 'bad-csr-signature' }, expect: 'retry-passes', codes: ['DEVICE_CSR_INVALID', 'CSR_SIGNATURE_INVALID'] },
  { name: 'flash write failure at write-end', fault: { kind: 'flash-write-failure', step: 'write-end' }, expect: 'retry-passes', codes: ['DEVICE_FLASH_WRITE_FAILED'] },
  { name: 'flash write failure at commit', fault: { kind: 'flash-write-failure', step: 'commit' }, expect: 'retry-passes', codes: ['DEVICE_FLASH_WRITE_FAILED'] },
  // Identities per run: HELLO's announcement, identify's own IDENTIFY, the check after the key, the check before the write.
  { name: 'different device ID at HELLO', fault: (n) => ({ kind: 'device-id-change', afterIdentifies: n }), expect: 'retry-passes', codes: CHANGED, at: 'identify' },
  { name: 'different device ID at the identify step', fault: (n) => ({ kind: 'device-id-change', afterIdentifies: n + 1 }), expect: 'retry-passes', codes: CHANGED, at: 'identify' },
  { name: 'different device ID before signing', fault: (n) => ({ kind: 'device-id-change', afterIdentifies: n + 2 }), expect: 'retry-passes', codes: CHANGED, at: 'csr' },
  { name: 'different device ID before writing', fault: (n) => ({ kind: 'device-id-change', afterIdentifies: n + 3 }), expect: 'retry-passes', codes: CHANGED, nothingWritten: true, at: 'write' },
  { name: 'device error BUSY at write-begin', fault: { kind: 'error-reply', step: 'write-begin', error: 'BUSY' }, expect: 'retry-passes', codes: ['DEVICE_ERROR_BUSY'] },
  { name: 'device error BUSY at read-certs', fault: { kind: 'error-reply', step: 'read-certs', error: 'BUSY' }, expect: 'retry-passes', codes: ['DEVICE_ERROR_BUSY'] },
  { name: 'device error BUSY at get-csr', fault: { kind: 'error-reply', step: 'get-csr', error: 'BUSY' }, expect: 'retry-passes', codes: ['DEVICE_ERROR_BUSY'] },
  { name: 'device error BUSY at identify', fault: { kind: 'error-reply', step: 'identify', error: 'BUSY' }, expect: 'retry-passes', codes: ['DEVICE_ERROR_BUSY'] },
  // The generated key is refused: not asked again in that run (no loop); the retry asks for a new key and passes.
  { name: 'weak key generated (RSA-1024)', fault: { kind: 'weak-key', key: 'rsa-1024' }, expect: 'retry-passes', codes: ['KEY_RSA_TOO_SMALL'], at: 'csr' },
  { name: 'weak key generated (secp256k1)', fault: { kind: 'weak-key', key: 'secp256k1' }, expect: 'retry-passes', codes: ['KEY_UNSUPPORTED_CURVE'], at: 'csr' },
  { name: 'weak key generated (RSA-1024, raw key path)', path: 'raw', fault: { kind: 'weak-key', key: 'rsa-1024' }, expect: 'retry-passes', codes: ['KEY_RSA_TOO_SMALL'], at: 'csr' },
);

/** Where each command is first sent on a fresh device: the step its request belongs to. */
const OWNER: Record<Step, WorkflowStep> = {
  hello: 'identify',
  identify: 'identify',
  'generate-key': 'keygen',
  'get-public-key': 'csr',
  'get-csr': 'csr',
  // The CSR path's first challenge is the final one, after the writes; the raw path's is the pre-signing one.
  'sign-challenge': 'verify',
  'write-begin': 'write',
  'write-chunk': 'write',
  'write-end': 'write',
  'read-certs': 'verify',
  commit: 'commit',
};

/**
 * The step a run with this fault fails at. A device's own refusal (an ERROR
 * reply) names its request's step. A reply that never came or came damaged
 * names the step of the first request in its exchange: one request per frame
 * without BATCH; with BATCH (512-byte buffer), the key generation's exchange
 * also carries the CSR (the read-back has frames of its own at that size).
 */
function expectedStep(r: Row, f: Fault, mode: Mode): WorkflowStep {
  if (r.at) return r.at;
  const step = 'step' in f && f.step ? f.step : f.kind === 'wrong-cn' || f.kind === 'bad-csr-signature' ? 'get-csr' : f.kind === 'flash-write-failure' ? 'write-end' : 'identify';
  if (r.path === 'raw' && step === 'sign-challenge') return 'csr';
  const whole = ['corrupt-reply', 'drop-bytes', 'disconnect', 'silent', 'slow-reply'].includes(f.kind);
  if (mode === 'batch' && whole && step === 'get-csr' && r.path !== 'raw') return 'keygen';
  return OWNER[step];
}

const RAW_CAPS: ProtocolCapability[] = ['raw-public-key', 'challenge', 'keygen', 'lock'];
const SINGLE_CAPS: ProtocolCapability[] = ['csr', 'raw-public-key', 'challenge', 'keygen', 'lock'];
const table: Array<Row & { mode: Mode }> = [...base.map((r) => ({ ...r, mode: 'single' as const })), ...base.map((r) => ({ ...r, mode: 'batch' as const, name: `${r.name} [batch]` }))];
/** A fault that must end in DEVICE_TIMEOUT. */
const timesOut = (f: Fault, r: Row): boolean => f.kind === 'silent' || (f.kind === 'slow-reply' && r.expect !== 'pass');

describe('faults table (fault × step)', () => {
  let issuer: PreparedIssuer;
  // The real signing ledger, one for the whole table (each row has its own device ID).
  let ledger: Ledger;
  let recorder: LedgerRecorder;
  const allSigned: Uint8Array[] = [];

  beforeAll(async () => {
    issuer = prepareIssuer((await makeTestChain()).issuer);
    ({ ledger, recorder } = openStationLedger({ dir: mkdtempSync(join(tmpdir(), 'faults-ledger-')), stationId: 'faults' }));
  });

  afterAll(() => {
    // Every certificate the issuer signed during the fault runs is in the ledger, and nothing else is.
    const recorded = Array.from({ length: ledger.size }, (_, i) => ledger.record(i)).flatMap((r) =>
      r.t === 'done' && r.cert ? [new Uint8Array(Buffer.from(r.cert, 'base64'))] : [],
    );
    expect(recorded.length).toBe(allSigned.length);
    for (const der of allSigned) expect(recorded.some((r) => bytesEqual(r, der))).toBe(true);
    // And no run left an intent open.
    expect(recorder.unreconciled()).toEqual([]);
    ledger.close();
  });

  it('enumerates every fault kind the brief names', () => {
    const kinds = new Set(table.map((r) => (typeof r.fault === 'function' ? r.fault(0) : r.fault).kind));
    for (const k of ['corrupt-reply', 'drop-bytes', 'disconnect', 'wrong-cn', 'bad-csr-signature', 'flash-write-failure', 'slow-reply', 'silent', 'device-id-change']) {
      expect(kinds.has(k as Fault['kind'])).toBe(true);
    }
    expect(table.length).toBeGreaterThan(160);
    expect(table.filter((r) => r.mode === 'batch')).toHaveLength(base.length);
  });

  it.each(table.map((r, i) => [i, r.name] as const))('#%i %s', async (i) => {
    const row = table[i]!;
    const deviceId = `dev-fault-${i}`;
    let fault = typeof row.fault === 'function' ? row.fault(0) : row.fault;
    const batchTimeout = row.mode === 'batch' && timesOut(fault, row);
    // A batch is allowed the sum of its entries' timeouts: slow past all of them (≤ 7 entries a frame).
    if (batchTimeout && fault.kind === 'slow-reply') fault = { ...fault, delayMs: FAST_TIMEOUT_MS * 8 };
    const caps = row.path === 'raw' ? (row.mode === 'batch' ? [...RAW_CAPS, 'batch' as const] : RAW_CAPS) : row.mode === 'batch' ? undefined : SINGLE_CAPS;
    const bench = await startBench({
      issuer,
      recorder,
      deviceId,
      ...(caps ? { capabilities: caps } : {}),
      ...('step' in fault && fault.step ? { shortTimeoutAt: fault.step } : {}),
      ...(batchTimeout ? { shortTimeoutsEverywhere: true } : {}),
    });
    try {
      bench.sim.faults.inject(typeof row.fault === 'function' ? row.fault(bench.sim.stats().identifies) : fault);
      const first = await bench.run();
      const fired = bench.sim.faults.fired.length;
      expect(fired, 'the fault was injected at a step the run reaches').toBeGreaterThan(0);

      if (row.expect === 'pass') {
        expect(first.result.result).toBe('passed');
      } else {
        expect(first.result.result).toBe('failed');
        if (first.result.result !== 'failed') return;
        expect(row.codes).toContain(first.result.error.code);
        // The typed failure is also the last step event, at the step the failed request belongs to.
        const failedEvents = first.events.filter((e) => e.kind === 'step' && e.state === 'failed');
        expect(failedEvents).toHaveLength(1);
        expect(first.result.failedStep, 'the step the failure is reported at').toBe(expectedStep(row, fault, row.mode));
        expect(failedEvents[0]!.kind === 'step' && failedEvents[0]!.step).toBe(first.result.failedStep);
        if (row.nothingWritten) expect(bench.sim.state().leaf, 'nothing was written to a device that changed identity').toBeNull();
        // Safe: never locked with anything but a verified credential from us.
        const st = bench.sim.state();
        if (st.locked) {
          expect(st.leaf).not.toBeNull();
          validateChain({ leaf: st.leaf!, intermediates: issuer.deviceChain, roots: [issuer.root], at: new Date() });
        }
        // A device still sleeping through a long slow reply answers nothing else until it wakes.
        if (batchTimeout && fault.kind === 'slow-reply') await new Promise((r) => setTimeout(r, fault.delayMs));
        const retry = await bench.run();
        if (row.expect === 'refused') {
          expect(retry.result.result).toBe('failed');
          if (retry.result.result === 'failed') expect(row.codes).toContain(retry.result.error.code);
          expect(bench.signer.signed).toHaveLength(0);
        } else {
          expect(retry.result.result, JSON.stringify(retry.result.result === 'failed' ? retry.result.error : null)).toBe('passed');
        }
      }

      if (row.expect !== 'refused') {
        // The device ends provisioned: locked, its leaf chains to our root and is for its own key.
        const st = bench.sim.state();
        expect(st.locked).toBe(true);
        const leaf = readCertificate(st.leaf!);
        expect(bytesEqual(leaf.spki, st.spki!)).toBe(true);
        validateChain({ leaf: st.leaf!, intermediates: issuer.deviceChain, roots: [issuer.root], at: new Date() });
        // A retry never signs a second certificate for the same key.
        expect(bench.signer.signed).toHaveLength(1);
      }
    } finally {
      allSigned.push(...bench.signer.signed);
      await bench.stop();
    }
  });
});
