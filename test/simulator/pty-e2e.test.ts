/**
 * End-to-end over a real pty pair (socat): the station opens the pty path with
 * serialport, exactly as it would a USB CDC device.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSerialDevice, waitForDevice } from '../../electron/core/device/connect';
import type { ProtocolDeviceClient } from '../../electron/core/device/protocol-client';
import { x509 } from '../../electron/core/pki/crypto';
import { startSimulator, type SimulatorHandle } from '../../electron/core/simulator';
import { makeTestCa, popChallenge, type TestCa } from '../device/helpers';

const BAUD = 921_600;
let stateDir: string;
let sim: SimulatorHandle;
let client: ProtocolDeviceClient;
let ca: TestCa;

beforeAll(async () => {
  execFileSync('socat', ['-V'], { stdio: 'ignore' }); // fail loudly if socat is missing
  stateDir = await mkdtemp(join(tmpdir(), 'custodian-pty-'));
  sim = await startSimulator({ stateDir, transport: 'pty', baud: BAUD, maxPayload: 256, identity: { deviceId: 'line-7-0001', hardwareSerial: 'HW0001' } });
  client = await openSerialDevice(sim.path!, { baud: BAUD });
  ca = await makeTestCa(4, 1200); // ~6 KB chain: many WRITE_CHUNKs at a 256-byte device buffer
});

afterAll(async () => {
  await client?.close().catch(() => undefined);
  await sim?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

describe('provisioning sequence over a socat pty', () => {
  let spki: Uint8Array;
  let leaf: Uint8Array;

  it('identifies the device', async () => {
    expect(sim.path).toMatch(/tty-station$/);
    const id = await client.identify();
    expect(id).toMatchObject({ deviceId: 'line-7-0001', hardwareSerial: 'HW0001', protocolVersion: 1, maxPayload: 256 });
    expect(id.capabilities).toEqual(['csr', 'raw-public-key', 'challenge', 'keygen', 'lock', 'guarded-write', 'read-back']);
    expect(id.protocolCapabilities).toEqual(['csr', 'raw-public-key', 'challenge', 'keygen', 'lock', 'batch', 'trust-anchors']);
  });

  it('generates a key in the device and returns a CSR whose signature verifies', async () => {
    await client.generateKey('P-256');
    const der = await client.getCsr('line-7-0001');
    const csr = new x509.Pkcs10CertificateRequest(der);
    expect(await csr.verify()).toBe(true);
    expect(csr.subjectName.getField('CN')).toEqual(['line-7-0001']);
    spki = await client.getPublicKey();
    expect(new Uint8Array(csr.publicKey.rawData)).toEqual(spki);
    expect(spki).toEqual(sim.state().spki);
  });

  it('proves possession: P1363 ECDSA/SHA-256 signature over the exact challenge bytes', async () => {
    const challenge = popChallenge();
    const sig = await client.signChallenge(challenge);
    expect(sig.length).toBe(64);
    const alg = { name: 'ECDSA', namedCurve: 'P-256' };
    const key = await crypto.subtle.importKey('spki', spki, alg, false, ['verify']);
    expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, sig, challenge)).toBe(true);
    const tampered = Uint8Array.from(challenge);
    tampered[tampered.length - 1]! ^= 1;
    expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, sig, tampered)).toBe(false);
  });

  it('writes leaf and a multi-KB chain in chunks and reads back identical bytes', async () => {
    leaf = await ca.issue(spki, 'line-7-0001');
    const chainBytes = ca.chain.reduce((n, c) => n + c.length, 0);
    expect(chainBytes).toBeGreaterThan(4000);
    const before = sim.stats().byCommand.WRITE_CHUNK ?? 0;
    await client.writeLeaf(leaf);
    await client.writeChain(ca.chain);
    const chunks = (sim.stats().byCommand.WRITE_CHUNK ?? 0) - before;
    expect(chunks).toBe(Math.ceil(leaf.length / 252) + Math.ceil(chainBytes / 252));
    const back = await client.readCredentials();
    expect(back.leaf).toEqual(leaf);
    expect(back.chain).toEqual(ca.chain);
    expect(back.locked).toBe(false);
  });

  it('commits and locks; a locked device refuses a new key', async () => {
    await client.commit();
    expect((await client.readCredentials()).locked).toBe(true);
    await expect(client.generateKey('P-256')).rejects.toMatchObject({ code: 'DEVICE_ERROR_LOCKED' });
    const tls = sim.tlsCredentials();
    expect(tls.keyPem).toMatch(/BEGIN PRIVATE KEY/);
    expect(tls.chainPem).toHaveLength(4);
    expect(new x509.X509Certificate(tls.certPem).subject).toBe('CN=line-7-0001');
  });

  it('keeps its state across a simulator restart (state directory)', async () => {
    await client.close();
    await sim.stop();
    sim = await startSimulator({ stateDir, transport: 'pty', baud: BAUD });
    client = await openSerialDevice(sim.path!, { baud: BAUD });
    expect((await client.identify()).deviceId).toBe('line-7-0001');
    const back = await client.readCredentials();
    expect(back).toEqual({ leaf, chain: ca.chain, locked: true });
    expect(await client.getPublicKey()).toEqual(spki);
  });

  it('a disconnect fault hangs up the pty (DEVICE_DISCONNECTED) and --watch reopens the path', async () => {
    sim.faults.inject({ kind: 'disconnect', step: 'identify' });
    await expect(client.identify()).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    await client.close();
    client = await waitForDevice({ path: sim.path!, baud: BAUD, pollMs: 50, timeoutMs: 10_000 });
    expect((await client.identify()).deviceId).toBe('line-7-0001');
    expect(sim.disconnects).toBe(1);
  });
});
