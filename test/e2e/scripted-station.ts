/**
 * A scripted station core for UI end-to-end tests while the real modules are
 * being wired (see electron/core/service/compose.ts): the real certificate
 * engine behind a test authority (test/support/pki-authority.ts), a workflow
 * that walks the contract's steps with real progress events and issues a real
 * device certificate, an in-memory ledger of what it issued, and simulated
 * ports. It proves the renderer against the bridge, not the core.
 */
import { webcrypto } from 'node:crypto';
import { CustodianError } from '../../electron/core/errors';
import { issueCertificate } from '../../electron/core/pki';
import type { LedgerEntryFacts, LedgerPort, SimulatorPort, WorkflowPort, WorkflowStep } from '../../electron/core/service/ports';
import { MAIN_PATH } from '../../electron/shared/workflow';
import { DRIVERS, driverSteps, type DriverName } from '../../electron/shared/drivers';
import type { ProofName } from '../../electron/shared/proofs';
import { PkiTestAuthority } from '../support/pki-authority';

/** The real workflow's path for a device of this driver that already holds a key, after the port is opened. */
const stepsOf = (driver: DriverName): WorkflowStep[] => ['connect', ...MAIN_PATH.filter((s) => driverSteps(driver).includes(s))];
/** The proofs the real workflow's default policy gives a device of this driver. */
const PROOFS: Readonly<Record<DriverName, ProofName[]>> = {
  custodian: ['csr-signature', 'read-back', 'final-challenge'],
  nrf91: ['csr-signature', 'read-back-digest'],
};

export interface ScriptedStation {
  authority: PkiTestAuthority;
  workflow: WorkflowPort;
  ledger: LedgerPort;
  simulator: SimulatorPort;
  /** Make the next run fail at `step` with this typed error (a device fault). */
  failNext(step: WorkflowStep, code: string, message: string): void;
}

export function scriptedStation(stepDelayMs = 40): ScriptedStation {
  const authority = new PkiTestAuthority();
  const entries: LedgerEntryFacts[] = [];
  const devices: { id: string; port: string; deviceId: string; model: string }[] = [];
  let fault: { step: WorkflowStep; code: string; message: string } | null = null;
  let n = 0;
  const pause = () => new Promise((r) => setTimeout(r, stepDelayMs));

  const runOnce: WorkflowPort['provision'] = async (req) => {
    {
      const deviceId = devices.find((d) => d.port === req.port)?.deviceId ?? 'dev-000001';
      const armed = fault;
      fault = null;
      let serialHex: string | undefined;
      let certificateDer: Uint8Array | undefined;
      // `auto` probes: the scripted devices answer as Custodian-protocol devices.
      const driver: DriverName = req.driver === 'auto' ? 'custodian' : req.driver;
      const finalProof = DRIVERS[driver].finalProof;
      for (const step of stepsOf(driver)) {
        req.onProgress({ step, state: 'started', deviceId, ...(step === 'connect' ? {} : { driver }) });
        await pause();
        const failure = armed?.step === step ? armed
          : step === 'sign' && !authority.unlocked ? { code: 'AUTHORITY_LOCKED', message: 'The authority is locked, so the certificate was not signed.' }
          : null;
        if (failure) {
          req.onProgress({ step, state: 'failed', deviceId, error: { code: failure.code, message: failure.message } });
          throw new CustodianError(failure.code, failure.message);
        }
        if (step === 'sign') {
          const device = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
          const cert = await issueCertificate({
            profile: 'deviceLeaf', commonName: deviceId, subjectPublicKey: device.publicKey as never,
            issuer: { certificate: authority.chainDer[0]!, privateKey: authority.keys!.privateKey }, notBefore: new Date(), days: req.settings.validity.leafDays,
          });
          serialHex = cert.serialHex;
          certificateDer = cert.der;
        }
        req.onProgress({
          step, state: 'succeeded', deviceId, driver, ...(serialHex ? { serialHex } : {}),
          ...(step === 'done' ? { proof: { finalProof, proofs: PROOFS[driver] } } : {}),
        });
      }
      const ledgerIndex = entries.length;
      entries.push({
        index: ledgerIndex, time: new Date().toISOString(), status: 'issued', type: 'done', text: `${deviceId} issued`, deviceId, serialHex: serialHex ?? null,
        workOrder: req.workOrder ?? null, operator: req.operator, reissue: false, profile: 'deviceLeaf',
        certificateDer: certificateDer ?? null, chainDer: authority.chainDer,
      });
      return { deviceId, serialHex: serialHex!, fingerprint: '0'.repeat(64), ledgerIndex, reissued: false, driver, finalProof, proofs: PROOFS[driver] };
    }
  };
  const workflow: WorkflowPort = {
    provision: runOnce,
    // One device per attached port, then the port stays served until auto mode ends or it goes away.
    async serve(req) {
      const run = req.nextRun();
      try {
        req.onResult(run, { ok: true, summary: await runOnce(run) });
      } catch (e) {
        req.onResult(run, { ok: false, error: e as CustodianError });
      }
      await new Promise<void>((resolve) => (req.signal.aborted ? resolve() : req.signal.addEventListener('abort', () => resolve(), { once: true })));
    },
  };

  const ledger: LedgerPort = {
    async size() { return entries.length; },
    async read(start, count) { return entries.slice(start, start + count); },
    async search(by, value, limit) {
      const hit = entries.filter((e) => (by === 'deviceId' ? e.deviceId : by === 'serial' ? e.serialHex : e.workOrder) === value).reverse();
      return { entries: hit.slice(0, limit), truncated: hit.length > limit };
    },
    async entry(index) {
      const e = entries[index];
      if (!e) throw new CustodianError('LEDGER_NOT_IN_LEDGER', `No entry ${index}.`);
      return e;
    },
    async exportAuditBundle() { return { bytes: 0, size: entries.length }; },
    async proof(index) { return JSON.stringify({ index }); },
    async verify() { return { ok: true, size: entries.length, anomalies: [] }; },
  };

  const simulator: SimulatorPort = {
    async start(opts) {
      n++;
      const d = { id: `sim-${n}`, port: `/dev/pts/${90 + n}`, deviceId: opts.deviceId ?? `dev-${String(n).padStart(6, '0')}`, model: opts.model ?? 'Custodian Sim' };
      devices.push(d);
      return d;
    },
    async stop(id) {
      const i = devices.findIndex((d) => d.id === id);
      if (i >= 0) devices.splice(i, 1);
    },
    list() { return [...devices]; },
    async stopAll() { devices.length = 0; },
  };

  return {
    authority, workflow, ledger, simulator,
    failNext(step, code, message) { fault = { step, code, message }; },
  };
}
