import { afterEach, describe, expect, it, vi } from 'vitest';
import { x509 } from '../../electron/core/pki/crypto';
import { parseFaultSpec, type Fault } from '../../electron/core/simulator';
import { makeTestCa, popChallenge } from '../device/helpers';
import { inProcessBench } from './support';

type Bench = Awaited<ReturnType<typeof inProcessBench>>;
let bench: Bench | null = null;
afterEach(async () => {
  await bench?.cleanup();
  bench = null;
});

async function withFaults(faults: Fault[], client = {}): Promise<Bench> {
  // IDENTIFY is the probe here: a device that does not answer it in advance at HELLO.
  bench = await inProcessBench({ faults, announceIdentity: false }, client);
  return bench;
}

describe('simulator faults surface as specific client errors, and a retry passes', () => {
  it('corrupt-reply → FRAME_CRC', async () => {
    const { client, sim } = await withFaults([{ kind: 'corrupt-reply', step: 'identify' }]);
    await expect(client.identify()).rejects.toMatchObject({ code: 'FRAME_CRC', details: { command: 'IDENTIFY' } });
    await expect(client.identify()).resolves.toMatchObject({ deviceId: sim.state().identity.deviceId });
  });

  it('drop-bytes → FRAME_TRUNCATED (inter-byte timeout, not the command timeout)', async () => {
    const { client } = await withFaults([{ kind: 'drop-bytes', step: 'identify', count: 5 }], {
      interByteTimeoutMs: 50,
      timeouts: { IDENTIFY: 5000 },
    });
    await expect(client.identify()).rejects.toMatchObject({ code: 'FRAME_TRUNCATED' });
    await expect(client.identify()).resolves.toBeTruthy();
  });

  it('silent → DEVICE_TIMEOUT naming the command', async () => {
    const { client } = await withFaults([{ kind: 'silent', step: 'get-public-key' }], { timeouts: { GET_PUBLIC_KEY: 80 } });
    await client.generateKey('P-256');
    await expect(client.getPublicKey()).rejects.toMatchObject({ code: 'DEVICE_TIMEOUT', details: { command: 'GET_PUBLIC_KEY' } });
    expect((await client.getPublicKey()).length).toBeGreaterThan(60);
  });

  it('slow-reply → DEVICE_TIMEOUT; the late reply is dropped and counted; next request fine', async () => {
    const { client, sim } = await withFaults([{ kind: 'slow-reply', step: 'identify', delayMs: 150 }], { timeouts: { IDENTIFY: 50 } });
    await expect(client.identify()).rejects.toMatchObject({ code: 'DEVICE_TIMEOUT' });
    await vi.waitFor(() => expect(client.stats().lateReplies).toBe(1), { timeout: 5000 }); // the late reply lands and is dropped
    await expect(client.identify()).resolves.toMatchObject({ deviceId: sim.state().identity.deviceId });
    expect(sim.stats().deviceDelayMs).toBe(150);
  });

  it('error-reply → DEVICE_ERROR_<name>', async () => {
    const { client } = await withFaults([{ kind: 'error-reply', step: 'identify', error: 'BUSY' }]);
    await expect(client.identify()).rejects.toMatchObject({ code: 'DEVICE_ERROR_BUSY' });
    await expect(client.identify()).resolves.toBeTruthy();
  });

  it('wrong-cn → DEVICE_CSR_CN_MISMATCH', async () => {
    const { client } = await withFaults([{ kind: 'wrong-cn', cn: 'someone-else' }]);
    await client.generateKey('P-256');
    await expect(client.getCsr('dev-1')).rejects.toMatchObject({ code: 'DEVICE_CSR_CN_MISMATCH', details: { got: ['someone-else'] } });
    const csr = new x509.Pkcs10CertificateRequest(await client.getCsr('dev-1'));
    expect(csr.subjectName.getField('CN')).toEqual(['dev-1']);
  });

  it('bad-csr-signature → DEVICE_CSR_INVALID', async () => {
    const { client } = await withFaults([{ kind: 'bad-csr-signature' }]);
    await client.generateKey('P-256');
    await expect(client.getCsr('dev-1')).rejects.toMatchObject({ code: 'DEVICE_CSR_INVALID' });
    expect(await new x509.Pkcs10CertificateRequest(await client.getCsr('dev-1')).verify()).toBe(true);
  });

  it('flash-write-failure → DEVICE_FLASH_WRITE_FAILED, nothing persisted, retry installs', async () => {
    const { client, sim } = await withFaults([{ kind: 'flash-write-failure' }]);
    await client.generateKey('P-256');
    const ca = await makeTestCa(1, 10);
    const leaf = await ca.issue(await client.getPublicKey(), 'dev-1');
    await expect(client.writeLeaf(leaf)).rejects.toMatchObject({ code: 'DEVICE_FLASH_WRITE_FAILED' });
    expect(sim.state().leaf).toBeNull();
    await client.writeLeaf(leaf);
    expect((await client.readCredentials()).leaf).toEqual(leaf);
  });

  it('flash-write-failure at commit → DEVICE_FLASH_WRITE_FAILED and the store stays unlocked', async () => {
    const { client, sim } = await withFaults([{ kind: 'flash-write-failure', step: 'commit' }]);
    await client.generateKey('P-256');
    const ca = await makeTestCa(1, 10);
    await client.writeLeaf(await ca.issue(await client.getPublicKey(), 'dev-1'));
    await expect(client.commit()).rejects.toMatchObject({ code: 'DEVICE_FLASH_WRITE_FAILED' });
    expect(sim.state().locked).toBe(false);
    await client.commit();
    expect(sim.state().locked).toBe(true);
  });

  it('device-id-change after N identifies → DEVICE_IDENTITY_CHANGED', async () => {
    const { client } = await withFaults([{ kind: 'device-id-change', afterIdentifies: 2, deviceId: 'imposter' }]);
    const first = await client.identify();
    await client.identify();
    await expect(client.identify()).rejects.toMatchObject({
      code: 'DEVICE_IDENTITY_CHANGED',
      details: { before: first.deviceId, after: 'imposter' },
    });
  });

  it('weak-key rsa-1024 → DEVICE_KEY_WEAK on public key and CSR; regenerating fixes it', async () => {
    const { client, sim } = await withFaults([{ kind: 'weak-key', key: 'rsa-1024' }]);
    await client.generateKey('P-256');
    expect(sim.state().algorithm).toBe('RSA-1024');
    await expect(client.getPublicKey()).rejects.toMatchObject({ code: 'DEVICE_KEY_WEAK', details: { algorithm: 'RSA-1024' } });
    await expect(client.getCsr('dev-1')).rejects.toMatchObject({ code: 'DEVICE_KEY_WEAK' });
    await client.generateKey('P-256');
    await expect(client.getPublicKey()).resolves.toBeTruthy();
  });

  it('weak-key secp256k1 (CSR made by openssl) → DEVICE_KEY_WEAK', async () => {
    const { client } = await withFaults([{ kind: 'weak-key', key: 'secp256k1' }]);
    await client.generateKey('P-384');
    await expect(client.getPublicKey()).rejects.toMatchObject({ code: 'DEVICE_KEY_WEAK', details: { algorithm: 'EC-secp256k1' } });
    await expect(client.getCsr('dev-1')).rejects.toMatchObject({ code: 'DEVICE_KEY_WEAK' });
  });

  it('disconnect (before) → DEVICE_DISCONNECTED; a new session can redo the step', async () => {
    const { client, sim, reconnect } = await withFaults([{ kind: 'disconnect', step: 'write-end' }]);
    await client.generateKey('P-256');
    const ca = await makeTestCa(1, 10);
    const leaf = await ca.issue(await client.getPublicKey(), 'dev-1');
    const bootBefore = sim.state().bootId;
    await expect(client.writeLeaf(leaf)).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    await expect(client.identify()).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    expect(sim.state().leaf).toBeNull();
    expect(sim.state().bootId).not.toBe(bootBefore);
    const again = await reconnect();
    await again.writeLeaf(leaf);
    expect((await again.readCredentials()).leaf).toEqual(leaf);
    await again.close();
  });

  it('disconnect (after) → DEVICE_DISCONNECTED although the step took effect', async () => {
    const { client, sim } = await withFaults([{ kind: 'disconnect', step: 'commit', phase: 'after' }]);
    await client.generateKey('P-256');
    const ca = await makeTestCa(1, 10);
    await client.writeLeaf(await ca.issue(await client.getPublicKey(), 'dev-1'));
    await expect(client.commit()).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    expect(sim.state().locked).toBe(true);
  });

  it('faults fire exactly `times` times and are recorded', async () => {
    const { client, sim } = await withFaults([{ kind: 'error-reply', step: 'identify', error: 'BUSY', times: 2 }]);
    await expect(client.identify()).rejects.toMatchObject({ code: 'DEVICE_ERROR_BUSY' });
    await expect(client.identify()).rejects.toMatchObject({ code: 'DEVICE_ERROR_BUSY' });
    await expect(client.identify()).resolves.toBeTruthy();
    expect(sim.faults.fired).toEqual([
      { kind: 'error-reply', step: 'identify' },
      { kind: 'error-reply', step: 'identify' },
    ]);
    expect(sim.faults.pending()).toEqual([]);
  });
});

describe('device-side refusals', () => {
  it('refuses a leaf for another key (DEVICE_ERROR_KEY_MISMATCH) and keygen/writes once locked (DEVICE_ERROR_LOCKED)', async () => {
    const { client } = await withFaults([]);
    await client.generateKey('P-256');
    const ca = await makeTestCa(1, 10);
    const other = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const foreign = await ca.issue(new Uint8Array(await crypto.subtle.exportKey('spki', other.publicKey)), 'dev-1');
    await expect(client.writeLeaf(foreign)).rejects.toMatchObject({ code: 'DEVICE_ERROR_KEY_MISMATCH' });
    await expect(client.commit()).rejects.toMatchObject({ code: 'DEVICE_ERROR_BAD_STATE' });
    await client.writeLeaf(await ca.issue(await client.getPublicKey(), 'dev-1'));
    await client.commit();
    await expect(client.generateKey('P-256')).rejects.toMatchObject({ code: 'DEVICE_ERROR_LOCKED' });
    await expect(client.writeChain(ca.chain)).rejects.toMatchObject({ code: 'DEVICE_ERROR_LOCKED' });
  });

  it('station refuses to send a challenge without the custodian-pop-v1 label', async () => {
    const { client } = await withFaults([]);
    await client.generateKey('P-256');
    await expect(client.signChallenge(new Uint8Array(48))).rejects.toMatchObject({ code: 'DEVICE_BAD_ARGUMENT' });
    expect((await client.signChallenge(popChallenge())).length).toBe(64);
  });
});

describe('parseFaultSpec', () => {
  it('parses the CLI syntax', () => {
    expect(parseFaultSpec('silent:identify@2')).toEqual({ kind: 'silent', step: 'identify', times: 2 });
    expect(parseFaultSpec('slow-reply:get-csr,delayMs=3000')).toEqual({ kind: 'slow-reply', step: 'get-csr', delayMs: 3000 });
    expect(parseFaultSpec('device-id-change,afterIdentifies=1')).toEqual({ kind: 'device-id-change', afterIdentifies: 1 });
    expect(parseFaultSpec('weak-key,key=rsa-1024@inf'.replace('@inf', ''))).toEqual({ kind: 'weak-key', key: 'rsa-1024' });
    expect(parseFaultSpec('disconnect:write-end@inf,phase=after')).toEqual({ kind: 'disconnect', step: 'write-end', times: Infinity, phase: 'after' });
  });
  it('rejects unknown kinds, steps and missing options', () => {
    expect(() => parseFaultSpec('explode:identify')).toThrow(/unknown fault kind/);
    expect(() => parseFaultSpec('silent:reboot')).toThrow(/unknown step/);
    expect(() => parseFaultSpec('slow-reply:identify')).toThrow(/needs delayMs/);
    expect(() => parseFaultSpec('silent')).toThrow(/needs step/);
  });
});
