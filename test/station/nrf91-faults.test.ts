/**
 * Faults table for the nRF91 driver: every simulator fault at every AT
 * command a provisioning run sends, on a fresh simulated modem each, through
 * the real workflow into a real ledger. A run either passes or fails with a
 * specific typed error (never INTERNAL) at a named step; nothing is signed
 * without its intent in the ledger; and a clean retry (the fault is
 * one-shot) passes, with a re-issue reason where the failed run had already
 * signed (the modem makes a new key on every run: docs/devices/nrf91.md).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Nrf91DeviceClient } from '../../electron/core/device/nrf91/nrf91-client';
import { bytesEqual } from '../../electron/core/device/protocol';
import { openStationLedger, type Ledger, type LedgerRecorder } from '../../electron/core/ledger/index';
import { issueCertificate, readCertificate, validateChain, type IssueRequest } from '../../electron/core/pki/index';
import { startNrf91Simulator, type Nrf91Fault, type Nrf91SimulatorHandle, type Nrf91Step } from '../../electron/core/simulator/nrf91/index';
import { prepareIssuer, type PreparedIssuer } from '../../electron/core/station/index';
import { provisionDevice } from '../../electron/core/station/workflow';
import type { ProvisioningResult } from '../../electron/core/station/events';
import { makeTestChain } from '../support/station-chain';

const SEC_TAG = 10;
/** Short per-command timeouts: a silent modem costs the table little. */
const TIMEOUT_MS = 150;

interface Row {
  name: string;
  fault: Nrf91Fault | ((cgsnSoFar: number) => Nrf91Fault);
  /** Codes the first run may fail with; absent: it may also pass (the fault hit nothing the station relies on). */
  codes?: string[];
  /** The first run must pass (a delay within the timeout). */
  passes?: boolean;
  /** The attestation is checked against the brand owner's key. */
  identityKeys?: boolean;
}

/** The AT commands a run on a fresh, online modem sends, in order. */
const STEPS: Nrf91Step[] = ['sync', 'cmee', 'cgsn', 'cgmr', 'cgmm', 'cmng-list', 'cfun-read', 'cfun-set', 'keygen', 'cmng-write', 'cmng-read'];
const TIMEOUT = ['NRF91_AT_TIMEOUT'];
const GONE = ['DEVICE_DISCONNECTED', 'NRF91_AT_TIMEOUT'];
const CHANGED = ['DEVICE_IDENTITY_CHANGED', 'WORKFLOW_DEVICE_CHANGED'];

const rows: Row[] = [];
/** Commands answered with only a final result: nothing in them to corrupt. */
const BARE: ReadonlySet<Nrf91Step> = new Set(['cmee', 'cfun-set', 'cmng-write']);
for (const step of STEPS.filter((s) => s !== 'sync')) {
  rows.push({ name: `silent at ${step}`, fault: { kind: 'silent', step }, codes: TIMEOUT });
  rows.push({ name: `disconnect during ${step}`, fault: { kind: 'disconnect', step, afterBytes: 4 }, codes: GONE });
  // Before AT+CMEE=1 the modem reports errors as a bare ERROR.
  rows.push({ name: `CME 0 at ${step}`, fault: { kind: 'error-reply', step, cme: 0 }, codes: step === 'cmee' ? ['NRF91_AT_ERROR'] : ['NRF91_MODEM_FAILURE'] });
  if (!BARE.has(step)) rows.push({ name: `corrupted answer at ${step}`, fault: { kind: 'corrupt-reply', step } });
  rows.push({ name: `slow answer past the timeout at ${step}`, fault: { kind: 'slow-reply', step, delayMs: TIMEOUT_MS * 3 }, codes: TIMEOUT });
  rows.push({ name: `slow answer within the timeout at ${step}`, fault: { kind: 'slow-reply', step, delayMs: TIMEOUT_MS / 5 }, passes: true });
}
rows.push(
  { name: 'silent at the first AT', fault: { kind: 'silent', step: 'sync', times: 2 }, codes: TIMEOUT },
  { name: 'credential storage full at the write', fault: { kind: 'write-fail', cme: 515 }, codes: ['NRF91_CREDENTIAL_STORAGE_FULL'] },
  { name: 'power-off warning at the write', fault: { kind: 'write-fail', cme: 528 }, codes: ['NRF91_POWER_OFF_WARNING'] },
  { name: 'modem online at key generation', fault: { kind: 'error-reply', step: 'keygen', cme: 518 }, codes: ['NRF91_MODEM_ONLINE'] },
  { name: 'key generation failed', fault: { kind: 'error-reply', step: 'keygen', cme: 523 }, codes: ['NRF91_KEYGEN_FAILED'] },
  { name: 'wrong CN in the CSR', fault: { kind: 'wrong-cn', cn: 'someone-else' }, codes: ['WORKFLOW_CSR_CN_MISMATCH', 'DEVICE_CSR_CN_MISMATCH'] },
  { name: 'invalid CSR signature', fault: { kind: 'bad-csr-signature' }, codes: ['CSR_SIGNATURE_INVALID', 'DEVICE_CSR_INVALID'] },
  { name: 'attestation not signed by the identity key', fault: { kind: 'bad-attestation-signature' }, codes: ['NRF91_KEYGEN_SIGNATURE_INVALID'], identityKeys: true },
  { name: 'another IMEI at the identify step', fault: (n) => ({ kind: 'imei-change', afterIdentifies: n }), codes: [...CHANGED, 'WORKFLOW_DEVICE_CHANGED'] },
  { name: 'another IMEI after the key', fault: (n) => ({ kind: 'imei-change', afterIdentifies: n + 1 }), codes: CHANGED },
  { name: 'another IMEI before the write', fault: (n) => ({ kind: 'imei-change', afterIdentifies: n + 2 }), codes: CHANGED },
);

describe('nRF91 faults table (fault × AT command)', () => {
  let issuer: PreparedIssuer;
  let ledger: Ledger;
  let recorder: LedgerRecorder;
  const signed: Uint8Array[] = [];
  const sign = async (req: IssueRequest) => {
    const c = await issueCertificate(req);
    signed.push(c.der);
    return c;
  };

  beforeAll(async () => {
    issuer = prepareIssuer((await makeTestChain()).issuer);
    ({ ledger, recorder } = openStationLedger({ dir: mkdtempSync(join(tmpdir(), 'nrf91-faults-ledger-')), stationId: 'nrf91-faults' }));
  });

  afterAll(() => {
    // Every certificate signed in the table is in the ledger, closed by its done record, and nothing else is.
    const recorded = Array.from({ length: ledger.size }, (_, i) => ledger.record(i)).flatMap((r) => (r.t === 'done' && r.cert ? [new Uint8Array(Buffer.from(r.cert, 'base64'))] : []));
    expect(recorded.length).toBe(signed.length);
    for (const der of signed) expect(recorded.some((r) => bytesEqual(r, der))).toBe(true);
    expect(recorder.unreconciled()).toEqual([]);
    ledger.close();
  });

  it('covers every AT command of a run and every fault kind the simulator has', () => {
    const faults = rows.map((r) => (typeof r.fault === 'function' ? r.fault(0) : r.fault));
    for (const k of ['silent', 'disconnect', 'error-reply', 'write-fail', 'corrupt-reply', 'slow-reply', 'wrong-cn', 'bad-attestation-signature', 'bad-csr-signature', 'imei-change']) {
      expect(faults.some((f) => f.kind === k), k).toBe(true);
    }
    for (const s of STEPS) expect(faults.some((f) => 'step' in f && f.step === s), s).toBe(true);
  });

  it.each(rows.map((r, i) => [i, r.name] as const))('#%i %s', async (i) => {
    const row = rows[i]!;
    const sim: Nrf91SimulatorHandle = await startNrf91Simulator({ stateDir: mkdtempSync(join(tmpdir(), 'nrf91-fault-')), transport: 'in-process', emulateWireTime: false });
    const keys = new Map([[sim.state().uuid, sim.identityPublicKeySpki()]]);
    type Run = { attachError: { code: string; message: string } } | ProvisioningResult;
    const run = async (reissueReason?: string): Promise<Run> => {
      let device: Nrf91DeviceClient;
      try {
        device = await Nrf91DeviceClient.attach(sim.connect(), {
          secTag: SEC_TAG,
          deviceIdTemplate: 'nrf-{imei}',
          at: { timeoutMs: TIMEOUT_MS, staleGraceMs: TIMEOUT_MS * 4 },
          timeoutsMs: { query: TIMEOUT_MS, cfun: TIMEOUT_MS, keygen: TIMEOUT_MS, write: TIMEOUT_MS, read: TIMEOUT_MS },
          ...(row.identityKeys ? { identityKeys: keys } : {}),
        });
      } catch (e) {
        // Attaching (AT, AT+CMEE=1) comes before the workflow: the station reports it as the port not opening.
        const err = e as { code?: string; message?: string };
        return { attachError: { code: err.code ?? 'INTERNAL', message: err.message ?? String(e) } };
      }
      try {
        return await provisionDevice({ device, issuer, recorder, operator: 'faults', sign, ...(reissueReason ? { reissueReason } : {}) });
      } finally {
        await device.close().catch(() => undefined);
      }
    };
    try {
      const before = signed.length;
      sim.faults.inject(typeof row.fault === 'function' ? row.fault(sim.stats().byCommand.cgsn ?? 0) : row.fault);
      const first = await run();
      expect(sim.faults.fired.length, 'the fault fired at a command the run sends').toBeGreaterThan(0);
      const failure = 'attachError' in first ? first.attachError : first.result === 'failed' ? first.error : null;
      if (row.passes) expect(failure).toBeNull();
      if (failure) {
        expect(failure.code).not.toBe('INTERNAL');
        expect(failure.code).toMatch(/^(NRF91|DEVICE|WORKFLOW|CSR|KEY|POLICY)_/);
        if (row.codes) expect(row.codes, failure.message).toContain(failure.code);
        if (!('attachError' in first) && first.result === 'failed') expect(first.failedStep).toBeTruthy();
        // A slow answer still on its way lands in the next session's grace period, not among its answers.
        await new Promise((r) => setTimeout(r, TIMEOUT_MS * 3));
        const retry = await run(signed.length > before ? 'first attempt failed after signing (fault table)' : undefined);
        expect('attachError' in retry ? retry.attachError : retry.result === 'failed' ? retry.error : 'passed').toBe('passed');
      }
      // The modem ends provisioned: its stored leaf chains to our root and names the modem.
      const creds = sim.tlsCredentials(SEC_TAG);
      const leaf = new Uint8Array(Buffer.from(creds.certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
      validateChain({ leaf, intermediates: issuer.deviceChain, roots: [issuer.root], at: new Date() });
      expect(readCertificate(leaf).subject).toContain(`nrf-${sim.state().imei}`);
    } finally {
      await sim.stop();
    }
  });
});
