/**
 * What the modem cannot store is refused before anything is signed or
 * recorded: a trust bundle or a chain larger than one %CMNG credential
 * (4000 bytes as PEM, docs/devices/nrf91.md) fails the intent step with
 * NRF91_CREDENTIAL_TOO_LARGE, the ledger unchanged and the modem untouched.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_CREDENTIAL_BYTES, pemText } from '../../electron/core/device/nrf91/cmng';
import { Nrf91DeviceClient } from '../../electron/core/device/nrf91/nrf91-client';
import { openStationLedger } from '../../electron/core/ledger/index';
import { fromPem, issueCertificate, type IssueRequest } from '../../electron/core/pki/index';
import { startNrf91Simulator } from '../../electron/core/simulator/nrf91/index';
import { prepareIssuer } from '../../electron/core/station/index';
import { provisionDevice } from '../../electron/core/station/workflow';
import { makeTestChain } from '../support/station-chain';

const shipped = (f: string): Uint8Array => fromPem(readFileSync(join('resources', 'trust-anchors', f), 'utf8'))[0]!.der;

describe('nRF91 storage limits', () => {
  it('the shipped Azure bundle fits one credential; a larger bundle is refused before signing, nothing recorded or written', async () => {
    const azure = [shipped('digicert-global-root-g2.pem'), shipped('microsoft-rsa-root-ca-2017.pem')];
    expect(pemText(azure).length).toBeLessThan(MAX_CREDENTIAL_BYTES);
    const tooMany = [...azure, azure[1]!];
    expect(pemText(tooMany).length).toBeGreaterThan(MAX_CREDENTIAL_BYTES);

    const issuer = prepareIssuer((await makeTestChain()).issuer);
    const { ledger, recorder } = openStationLedger({ dir: mkdtempSync(join(tmpdir(), 'nrf91-limits-')), stationId: 'limits' });
    const sim = await startNrf91Simulator({ stateDir: mkdtempSync(join(tmpdir(), 'nrf91-limits-modem-')), transport: 'in-process', emulateWireTime: false });
    const signed: Uint8Array[] = [];
    const sign = async (req: IssueRequest) => {
      const c = await issueCertificate(req);
      signed.push(c.der);
      return c;
    };
    try {
      const before = ledger.size;
      let device = await Nrf91DeviceClient.attach(sim.connect(), { secTag: 10, deviceIdTemplate: 'nrf-{imei}' });
      const refused = await provisionDevice({ device, issuer, recorder, operator: 'limits', sign, trustAnchors: tooMany });
      await device.close();
      expect(refused.result).toBe('failed');
      if (refused.result !== 'failed') return;
      expect(refused.error.code).toBe('NRF91_CREDENTIAL_TOO_LARGE');
      expect(refused.error.details).toMatchObject({ object: 'trust anchors', max: MAX_CREDENTIAL_BYTES });
      expect(refused.failedStep).toBe('intent');
      expect(signed).toHaveLength(0);
      expect(ledger.size).toBe(before);
      expect(sim.state().credentials.filter((c) => c.type !== 2)).toHaveLength(0);

      // The shipped bundle passes on the same modem.
      device = await Nrf91DeviceClient.attach(sim.connect(), { secTag: 10, deviceIdTemplate: 'nrf-{imei}' });
      const ok = await provisionDevice({ device, issuer, recorder, operator: 'limits', sign, trustAnchors: azure });
      await device.close();
      expect(ok.result, JSON.stringify(ok.result === 'failed' ? ok.error : null)).toBe('passed');
      expect(sim.tlsCredentials(10).caPem).toBe(pemText(azure));
    } finally {
      await sim.stop();
      ledger.close();
    }
  });
});
