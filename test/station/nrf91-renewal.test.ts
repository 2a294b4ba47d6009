/**
 * Renewal on the nRF91 modem (AT commands, simulated modem, real ledger):
 * the modem keeps its credentials writable and makes a key only with
 * AT%KEYGEN, so it is re-keyed in place, linked to the certificate it
 * replaces; `renew` (keep the key) is refused before anything is signed,
 * since the modem cannot give its existing key again.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Nrf91DeviceClient } from '../../electron/core/device/nrf91/nrf91-client';
import { openStationLedger, type LedgerRecord } from '../../electron/core/ledger/index';
import { readCertificate } from '../../electron/core/pki/index';
import { startNrf91Simulator, type Nrf91SimulatorHandle } from '../../electron/core/simulator/nrf91/index';
import { DEFAULT_ISSUANCE_POLICY, prepareIssuer, type PreparedIssuer, type ProvisionOptions } from '../../electron/core/station/index';
import { provisionDevice } from '../../electron/core/station/workflow';
import { makeTestChain } from '../support/station-chain';

let issuer: PreparedIssuer;
const sims: Nrf91SimulatorHandle[] = [];
beforeAll(async () => {
  issuer = prepareIssuer((await makeTestChain()).issuer);
});
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

describe('nRF91 renewal', () => {
  it('re-keys the modem in place (new key, certificate linked to the old one); renew is refused before signing', async () => {
    const { ledger, recorder } = openStationLedger({ dir: mkdtempSync(join(tmpdir(), 'nrf91-renew-')), stationId: 'nrf91-renew' });
    const sim = await startNrf91Simulator({ stateDir: mkdtempSync(join(tmpdir(), 'nrf91-sim-')), transport: 'in-process', emulateWireTime: false });
    sims.push(sim);
    const run = async (extra: Partial<ProvisionOptions> = {}) => {
      const device = await Nrf91DeviceClient.attach(sim.connect(), { secTag: 10, deviceIdTemplate: 'nrf-{imei}' });
      try {
        // Certificates short enough to be inside the renewal window at once.
        return await provisionDevice({ device, issuer, recorder, operator: 'op', policy: { ...DEFAULT_ISSUANCE_POLICY, validityDays: 30 }, ...extra });
      } finally {
        await device.close().catch(() => undefined);
      }
    };
    const first = await run();
    expect(first.result).toBe('passed');
    if (first.result !== 'passed') return;
    const intents = () => Array.from({ length: ledger.size }, (_, i) => ledger.record(i)).filter((r): r is Extract<LedgerRecord, { t: 'intent' }> => r.t === 'intent');

    const renew = await run({ renewal: { mode: 'renew', reason: 'scheduled renewal' } });
    expect(renew.result === 'failed' && renew.error.code).toBe('RENEWAL_KEY_MISMATCH');
    expect(renew.result === 'failed' && renew.signed).toBe(false);
    expect(intents()).toHaveLength(1);

    const rekey = await run({ renewal: { mode: 're-key', reason: 'yearly rotation' } });
    expect(rekey.result, JSON.stringify(rekey.result === 'failed' ? rekey.error : null)).toBe('passed');
    if (rekey.result !== 'passed') return;
    expect(rekey.renewal).toEqual({ mode: 're-key', replaces: first.serialHex, oldCertificate: 'expires' });
    expect(Buffer.from(readCertificate(rekey.leafDer).spki).equals(Buffer.from(readCertificate(first.leafDer).spki))).toBe(false);
    expect(intents()[1]).toMatchObject({ deviceId: first.deviceId, renewal: 're-key', replaces: first.serialHex, reissueReason: 'yearly rotation', driver: 'nrf91' });
    ledger.close();
  });
});
