/**
 * The nRF91 simulator driven by the station's real driver (Nrf91DeviceClient)
 * in-process: identify, key generation with attestation, install and read-back.
 */
import { createPublicKey } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { parseIdentityKeys } from '../../../electron/core/device/identity-keys';
import { parseKeygenResponse } from '../../../electron/core/device/nrf91/keygen-response';
import { luhnValid } from '../../../electron/core/device/nrf91/modem-identity';
import { readCsr } from '../../../electron/core/pki/csr';
import { certificatesFromPem, pemText } from '../../../electron/core/device/nrf91/cmng';
import { startNrf91Simulator } from '../../../electron/core/simulator/nrf91';
import { driverOptions, inProcessModem, provision, SEC_TAG } from './support';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function modem(opts: Parameters<typeof inProcessModem>[0] = {}) {
  const m = await inProcessModem(opts);
  cleanup.push(() => m.cleanup());
  return m;
}

describe('nRF91 simulator with the station driver (in-process)', () => {
  it('identifies, generates an attested key, installs and reads back the credentials', async () => {
    const m = await modem();
    const client = await m.driver();
    const st = m.sim.state();
    expect(st.imei).toMatch(/^[0-9]{15}$/);
    expect(luhnValid(st.imei)).toBe(true);
    expect(st.firmware).toBe('mfw_nrf9160_1.3.5');
    const p = await provision(client);
    expect(p.id).toMatchObject({ driver: 'nrf91', deviceId: `nrf-${st.imei}`, hardwareSerial: st.imei, model: 'nRF9160-SICA', firmware: 'mfw_nrf9160_1.3.5' });
    expect(p.id.facts.uuid).toBeUndefined(); // firmware 1.x has no AT%DEVICEUUID
    expect(p.intake.commonName).toBe(`nrf-${st.imei}`);
    expect(p.intake.signatureNullParameters).toBeUndefined();
    expect(p.key.attestation).toMatchObject({ format: 'nrf91-keygen-cose', signature: 'verified' });
    expect(p.result.digestsMatched).toBe(true);
    expect(p.result.installed.leaf).toEqual(p.leaf);
    expect(p.result.installed.chain).toEqual([p.issuing]);
    expect(p.result.installed.trustAnchors).toEqual([p.root]);
    const back = await client.readCredentials();
    expect(back).toMatchObject({ leaf: p.leaf, chain: [p.issuing], trustAnchors: [p.root], locked: false });

    const after = m.sim.state();
    expect(after.cfun).toBe(1); // the driver restored the mode it found
    expect(after.credentials.map((c) => [c.secTag, c.type])).toEqual([[SEC_TAG, 0], [SEC_TAG, 1], [SEC_TAG, 2]]);
    const tls = m.sim.tlsCredentials(SEC_TAG);
    expect(new Uint8Array(createPublicKey(tls.keyPem).export({ format: 'der', type: 'spki' }))).toEqual(p.intake.publicKeySpki);
    expect(certificatesFromPem(tls.certPem)).toEqual([p.leaf]);
    expect(tls.chainPem.flatMap((c) => certificatesFromPem(c))).toEqual([p.issuing]);
    expect(tls.fullChainPem).toBe(pemText([p.leaf, p.issuing]));
    expect(tls.caPem).toBe(pemText([p.root]));
    expect(m.sim.identityKeysFile()).toEqual({ [after.uuid]: expect.stringMatching(/^-----BEGIN PUBLIC KEY-----\n/) });
    // The station reads it as a brand owner's identity-keys file.
    const keys = parseIdentityKeys(new TextEncoder().encode(JSON.stringify(m.sim.identityKeysFile())));
    expect(keys.get(after.uuid)).toEqual(m.sim.identityPublicKeySpki());
    expect(m.sim.stats()).toMatchObject({ byCommand: { 'cmng-write': 2, keygen: 1 } });
  });

  it('keeps identity, identity key and credentials in the state directory', async () => {
    const m = await modem();
    await provision(await m.driver());
    const before = m.sim.state();
    const spki = m.sim.identityPublicKeySpki();
    await m.sim.stop();
    const again = await startNrf91Simulator({ stateDir: m.stateDir, emulateWireTime: false });
    cleanup.push(() => again.stop());
    expect(again.state()).toMatchObject({ imei: before.imei, uuid: before.uuid, firmware: before.firmware, credentials: before.credentials });
    expect(again.identityPublicKeySpki()).toEqual(spki);
  });

  it('firmware 2.x answers AT%DEVICEUUID and the attestation names that UUID', async () => {
    const m = await modem({ identity: { firmware: 'mfw_nrf91x1_2.0.2' } });
    const client = await m.driver({ deviceIdTemplate: 'nrf-{uuid}' });
    const id = await client.identify();
    const uuid = m.sim.state().uuid;
    expect(id).toMatchObject({ deviceId: `nrf-${uuid}`, model: 'nRF9151-LACA', facts: { uuid } });
    const key = await client.generateKey('P-256', { csr: id.deviceId });
    expect(key.attestation?.signature).toBe('verified');
  });

  it('without attributes the CSR subject is the device UUID, as on a real modem', async () => {
    const m = await modem({ initialCfun: 4 });
    const { at } = m.at();
    const r = await at.send('AT%KEYGEN=42,2,0');
    const k = parseKeygenResponse(r.lines[0]!, { expectedSecTag: 42 });
    k.verifyIdentity(m.sim.identityPublicKeySpki());
    expect(readCsr(k.csrDer).commonName).toBe(m.sim.state().uuid);
    expect(k.attestation.deviceUuidString).toBe(m.sim.state().uuid);
  });

  it('makes the NULL-parameters CSR variant when asked (and the station accepts it)', async () => {
    const plain = await modem();
    const nulls = await modem({ nullParamsCsr: true });
    const sigAlg = (der: Uint8Array): string => {
      // The signatureAlgorithm follows the CertificationRequestInfo: find ecdsa-with-SHA256 after the SPKI's OIDs.
      const hex = Buffer.from(der).toString('hex');
      return hex.slice(hex.lastIndexOf('06082a8648ce3d040302') - 4, hex.lastIndexOf('06082a8648ce3d040302') + 24);
    };
    const a = await (await plain.driver()).generateKey('P-256', { csr: 'nrf-a' });
    const b = await (await nulls.driver()).generateKey('P-256', { csr: 'nrf-b' });
    expect(sigAlg(a.csr!).startsWith('300a06082a8648ce3d040302')).toBe(true);
    expect(sigAlg(b.csr!)).toBe('300c06082a8648ce3d0403020500');
    expect(readCsr(b.csr!)).toMatchObject({ commonName: 'nrf-b', signatureNullParameters: true });
  });

  it('interleaved URCs do not disturb the driver', async () => {
    const m = await modem({ urcs: { everyMs: 2, seed: 7 }, emulateWireTime: true, baud: 115_200 });
    const client = await m.driver();
    const p = await provision(client);
    expect(p.result.digestsMatched).toBe(true);
    expect(m.sim.stats().urcs).toBeGreaterThan(5);
  });

  it('refuses a chain over the storage limit with +CME ERROR: 515', async () => {
    const m = await modem({ storageBytes: 1500 });
    const client = await m.driver();
    await expect(provision(client)).rejects.toMatchObject({ code: 'NRF91_CREDENTIAL_STORAGE_FULL', details: { command: 'cmng-write', cme: 515, part: 'write' } });
  });

  it('emulates wire time at the configured baud', async () => {
    const waits: Array<[number, string]> = [];
    const m = await modem({ baud: 9600, emulateWireTime: true, sleep: async (ms, why) => void waits.push([ms, why]) });
    const client = await m.driver(driverOptions({ baud: 9600 }));
    await client.identify();
    const s = m.sim.stats();
    expect(s.wireTimeMs).toBeCloseTo(((s.bytesIn + s.bytesOut) * 10 * 1000) / 9600, 6);
    expect(waits.some(([, why]) => why === 'wire-in')).toBe(true);
    expect(waits.filter(([, why]) => why === 'wire-out').reduce((n, [ms]) => n + ms, 0)).toBeCloseTo((s.bytesOut * 10 * 1000) / 9600, 6);
  });
});
