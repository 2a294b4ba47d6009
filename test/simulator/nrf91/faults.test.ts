/** Each injected modem fault, as the station's driver reports it. */
import { afterEach, describe, expect, it } from 'vitest';
import { readCsr } from '../../../electron/core/pki/csr';
import { parseNrf91FaultSpec, type Nrf91Fault } from '../../../electron/core/simulator/nrf91';
import { expectCode, inProcessModem, provision, SEC_TAG } from './support';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function modem(...faults: Nrf91Fault[]) {
  const m = await inProcessModem({ faults });
  cleanup.push(() => m.cleanup());
  return m;
}

describe('nRF91 simulator faults at the driver', () => {
  it('silent: the command times out (NRF91_AT_TIMEOUT)', async () => {
    const m = await modem(parseNrf91FaultSpec('silent:cgmm'));
    const client = await m.driver();
    expect(await expectCode(client.identify(), 'NRF91_AT_TIMEOUT')).toMatchObject({ name: 'cgmm' });
    expect(m.sim.faults.fired).toEqual([{ kind: 'silent', step: 'cgmm' }]);
  }, 10_000);

  it('disconnect mid-write: the link drops during the %CMNG write (DEVICE_DISCONNECTED), nothing half-written is kept', async () => {
    const m = await modem(parseNrf91FaultSpec('disconnect:cmng-write,afterBytes=200'));
    const client = await m.driver();
    expect(await expectCode(provision(client), 'DEVICE_DISCONNECTED')).toMatchObject({ part: 'write' });
    expect(m.sim.disconnects).toBe(1);
    expect(m.sim.state().credentials.map((c) => c.type)).toEqual([2]); // the key from KEYGEN only
    expect(m.sim.state().cfun).toBe(1); // a reset: back to the power-on mode
    const again = await m.driver();
    expect((await provision(again)).result.digestsMatched).toBe(true);
  });

  it('write-fail: +CME ERROR: 515 / 520 on the write', async () => {
    const full = await modem(parseNrf91FaultSpec('write-fail'));
    expect(await expectCode(provision(await full.driver()), 'NRF91_CREDENTIAL_STORAGE_FULL')).toMatchObject({ command: 'cmng-write', cme: 515, part: 'write' });
    const auth = await modem(parseNrf91FaultSpec('write-fail,cme=520'));
    expect(await expectCode(provision(await auth.driver()), 'NRF91_AUTHENTICATION_FAILED')).toMatchObject({ cme: 520 });
    expect(auth.sim.faults.fired).toEqual([{ kind: 'write-fail', step: 'cmng-write' }]);
  });

  it('error-reply: any command answers the CME number given', async () => {
    const m = await modem(parseNrf91FaultSpec('error-reply:keygen,cme=523'));
    const client = await m.driver();
    const id = await client.identify();
    expect(await expectCode(client.generateKey('P-256', { csr: id.deviceId }), 'NRF91_KEYGEN_FAILED')).toMatchObject({ part: 'keygen', retryable: true });
  });

  it('corrupt-reply on the read-back: NRF91_READBACK_DIGEST_MISMATCH', async () => {
    const m = await modem(parseNrf91FaultSpec('corrupt-reply:cmng-read'));
    expect(await expectCode(provision(await m.driver()), 'NRF91_READBACK_DIGEST_MISMATCH')).toMatchObject({ part: 'read-back' });
  });

  it('corrupt-reply on KEYGEN: the attested digest no longer matches the CSR', async () => {
    const m = await modem(parseNrf91FaultSpec('corrupt-reply:keygen'));
    const client = await m.driver();
    const id = await client.identify();
    expect(await expectCode(client.generateKey('P-256', { csr: id.deviceId }), 'NRF91_KEYGEN_DIGEST_MISMATCH')).toMatchObject({ part: 'csr' });
  });

  it('bad-attestation-signature: NRF91_KEYGEN_SIGNATURE_INVALID with the identity key known', async () => {
    const m = await modem(parseNrf91FaultSpec('bad-attestation-signature'));
    const client = await m.driver();
    const id = await client.identify();
    expect(await expectCode(client.generateKey('P-256', { csr: id.deviceId }), 'NRF91_KEYGEN_SIGNATURE_INVALID')).toMatchObject({ part: 'csr' });
  });

  it('wrong-cn and bad-csr-signature: the driver hands over the CSR; the station CSR intake refuses or flags it', async () => {
    const m = await modem(parseNrf91FaultSpec('wrong-cn'), parseNrf91FaultSpec('bad-csr-signature'));
    const client = await m.driver();
    const id = await client.identify();
    const both = await client.generateKey('P-256', { csr: id.deviceId });
    await expectCode(Promise.resolve().then(() => readCsr(both.csr!)), 'CSR_SIGNATURE_INVALID');
    const m2 = await modem(parseNrf91FaultSpec('wrong-cn,cn=nrf-000000000000000'));
    const c2 = await m2.driver();
    const id2 = await c2.identify();
    // The workflow compares this CN with the device ID (WORKFLOW_CSR_CN_MISMATCH).
    expect(readCsr((await c2.generateKey('P-256', { csr: id2.deviceId })).csr!).commonName).toBe('nrf-000000000000000');
    expect(m.sim.faults.fired.map((f) => f.kind).sort()).toEqual(['bad-csr-signature', 'wrong-cn']);
  });

  it('imei-change after one identify: DEVICE_IDENTITY_CHANGED', async () => {
    const m = await modem(parseNrf91FaultSpec('imei-change,afterIdentifies=1'));
    const client = await m.driver();
    const first = await client.identify();
    expect(await expectCode(client.identify(), 'DEVICE_IDENTITY_CHANGED')).toMatchObject({ hardwareSerialBefore: first.hardwareSerial });
    const m2 = await modem(parseNrf91FaultSpec('imei-change,afterIdentifies=1'));
    const c2 = await m2.driver();
    const id = await c2.identify();
    // The swap is caught by the IMEI check after KEYGEN, too.
    expect(await expectCode(c2.generateKey('P-256', { csr: id.deviceId, confirm: id }), 'DEVICE_IDENTITY_CHANGED')).toMatchObject({ part: 'csr' });
  });

  it('slow-reply delays the answer; the fault is spent after `times`', async () => {
    const m = await modem(parseNrf91FaultSpec('slow-reply:cgmr@2,delayMs=30'));
    const client = await m.driver();
    const t0 = Date.now();
    await client.identify();
    await client.identify();
    await client.identify();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
    expect(m.sim.stats().deviceDelayMs).toBe(60);
    expect(m.sim.faults.pending()).toEqual([]);
  });

  it('parses fault specs and refuses bad ones', () => {
    expect(parseNrf91FaultSpec('disconnect:cmng-write@inf,afterBytes=10')).toEqual({ kind: 'disconnect', step: 'cmng-write', times: Infinity, afterBytes: 10 });
    expect(parseNrf91FaultSpec('error-reply:cmng-delete,cme=513')).toEqual({ kind: 'error-reply', step: 'cmng-delete', cme: 513 });
    expect(() => parseNrf91FaultSpec('explode:cgsn')).toThrow(/unknown fault kind/);
    expect(() => parseNrf91FaultSpec('silent:identify')).toThrow(/unknown step/);
    expect(() => parseNrf91FaultSpec('silent')).toThrow(/needs step/);
    expect(() => parseNrf91FaultSpec('imei-change')).toThrow(/needs afterIdentifies/);
  });

  it('tlsCredentials refuses a sec_tag without key and certificate', async () => {
    const m = await modem();
    expect(() => m.sim.tlsCredentials(SEC_TAG)).toThrow(/no key or client certificate/);
  });
});
