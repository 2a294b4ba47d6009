import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proveDeviceConnection } from '../../electron/core/hub/device-connection';
import { startMosquittoHub, type MosquittoHub } from '../../electron/core/hub/mosquitto-hub';
import type { Authority } from '../../electron/core/authority/index';
import { connectInProcess } from '../../electron/core/device/connect';
import { isCustodianError } from '../../electron/core/errors';
import { startStationSession, stationLedger } from '../../electron/core/line/index';
import { fromPem, toPem } from '../../electron/core/pki/pem';
import { startSimulator, type SimulatorHandle } from '../../electron/core/simulator/index';
import { DEFAULT_SETTINGS, type Settings } from '../../electron/shared/api/settings';
import { makeHubServer, makeOpensslCa, makeOpensslLeaf } from '../support/openssl';
import { makeTestChain, type TestChain } from '../support/station-chain';

// The hub stand-in itself, checked with certificates made by plain OpenSSL, so the
// provisioning tests can rely on its verdict.
describe('Mosquitto as the hub', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-test-'));
  const brand = makeOpensslCa(dir, 'brand');
  const foreign = makeOpensslCa(dir, 'foreign');
  let hub: MosquittoHub;
  const read = (p: string) => readFileSync(p, 'utf8');

  beforeAll(async () => { hub = await startMosquittoHub({ rootCaPem: read(brand.rootPem) }); });
  afterAll(async () => { await hub?.stop(); });

  it('accepts a device presenting leaf + intermediate and sees it under its CN', async () => {
    const leaf = makeOpensslLeaf(dir, 'dev-ok-1', brand.intPem, brand.intKey);
    const proof = await proveDeviceConnection(hub, 'dev-ok-1', {
      keyPem: read(leaf.keyPem), certificateChainPem: read(leaf.certPem) + read(brand.intPem),
    });
    expect(proof.identitySeenByHub).toBe('dev-ok-1');
  });

  it('refuses a device signed by a foreign CA', async () => {
    const leaf = makeOpensslLeaf(dir, 'dev-foreign', foreign.intPem, foreign.intKey);
    const err = await proveDeviceConnection(hub, 'dev-foreign', {
      keyPem: read(leaf.keyPem), certificateChainPem: read(leaf.certPem) + read(foreign.intPem),
    }).catch((e: unknown) => e);
    expect(isCustodianError(err, 'HUB_DEVICE_REFUSED')).toBe(true);
  });

  it('refuses a device whose chain is missing its intermediate', async () => {
    const leaf = makeOpensslLeaf(dir, 'dev-nochain', brand.intPem, brand.intKey);
    const err = await proveDeviceConnection(hub, 'dev-nochain', {
      keyPem: read(leaf.keyPem), certificateChainPem: read(leaf.certPem),
    }).catch((e: unknown) => e);
    expect(isCustodianError(err, 'HUB_DEVICE_REFUSED')).toBe(true);
  });

  it('does not credit a message to a device ID other than the certificate CN', async () => {
    const leaf = makeOpensslLeaf(dir, 'dev-real-cn', brand.intPem, brand.intKey);
    const err = await proveDeviceConnection(hub, 'dev-claimed', {
      keyPem: read(leaf.keyPem), certificateChainPem: read(leaf.certPem) + read(brand.intPem),
    }, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(isCustodianError(err, 'HUB_MESSAGE_NOT_SEEN')).toBe(true);
  });
});

// The station installs the hub's server root into the device; the device then
// connects with its own key and chain and verifies the hub with that anchor
// alone, read back from the device's store, never handed over by the test.
describe('TLS both ways after provisioning: the device verifies the hub with the anchor it was given', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-anchor-'));
  const hubRoot = makeOpensslCa(dir, 'hub-root');
  const otherRoot = makeOpensslCa(dir, 'other-root');
  const hubs: MosquittoHub[] = [];
  const sims: SimulatorHandle[] = [];
  let brand: TestChain;
  afterAll(async () => {
    await Promise.all([...hubs.map((h) => h.stop()), ...sims.map((s) => s.stop())]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** A hub accepting the brand's devices, presenting a server certificate issued by `root`. */
  async function hubServedBy(root: { rootPem: string; rootKey: string }, name: string): Promise<MosquittoHub> {
    const h = await startMosquittoHub({ rootCaPem: toPem(brand.rootDer, 'CERTIFICATE'), server: makeHubServer(dir, name, root) });
    hubs.push(h);
    return h;
  }

  /** Provision a fresh simulated device through a station session whose settings select `trustAnchors`. */
  async function provisioned(deviceId: string, trustAnchors: Settings['trustAnchors']): Promise<SimulatorHandle> {
    brand ??= await makeTestChain();
    const home = mkdtempSync(join(dir, 'station-'));
    const ledger = stationLedger(home, 'hub-line');
    const authority = { issuer: () => brand.issuer } as unknown as Authority;
    const sim = await startSimulator({ stateDir: join(home, deviceId), identity: { deviceId }, emulateWireTime: false });
    sims.push(sim);
    const device = await connectInProcess(sim);
    try {
      const session = startStationSession({ authority, ledger, settings: { ...DEFAULT_SETTINGS, trustAnchors } });
      const r = await session.provision(device, { operator: 'hub-test' });
      expect(r.result).toBe('passed');
    } finally {
      await device.close();
      ledger.close();
    }
    return sim;
  }

  it('the device holds exactly the configured hub root, and connects: the hub sees its CN, the device verified the hub', async () => {
    const sim = await provisioned('dev-anchor-1', { bundle: 'custom', pemFiles: [hubRoot.rootPem] });
    const hub = await hubServedBy(hubRoot, 'right');
    const creds = sim.tlsCredentials();
    // What the device trusts comes from its own store: the one root the station installed.
    expect(fromPem(creds.caPem).map((b) => b.der)).toEqual(fromPem(readFileSync(hubRoot.rootPem, 'utf8')).map((b) => b.der));
    const proof = await proveDeviceConnection(hub, 'dev-anchor-1', { keyPem: creds.keyPem, certificateChainPem: creds.fullChainPem, caPem: creds.caPem });
    expect(proof.identitySeenByHub).toBe('dev-anchor-1');
  });

  it('the same device refuses a hub whose server certificate another root issued (HUB_SERVER_UNTRUSTED), and sends nothing', async () => {
    const sim = await provisioned('dev-anchor-2', { bundle: 'custom', pemFiles: [hubRoot.rootPem] });
    const impostor = await hubServedBy(otherRoot, 'impostor');
    const creds = sim.tlsCredentials();
    const err = await proveDeviceConnection(impostor, 'dev-anchor-2', { keyPem: creds.keyPem, certificateChainPem: creds.fullChainPem, caPem: creds.caPem }).catch((e: unknown) => e);
    expect(isCustodianError(err, 'HUB_SERVER_UNTRUSTED')).toBe(true);
    expect(impostor.log()).not.toMatch(/New client connected from \S+ as dev-anchor-2/);
  });

  it('a device given the shipped Azure roots does not trust the test hub either (only its anchors count)', async () => {
    const sim = await provisioned('dev-anchor-3', { bundle: 'azure', pemFiles: [] });
    const hub = await hubServedBy(hubRoot, 'azure-device');
    const creds = sim.tlsCredentials();
    expect(fromPem(creds.caPem)).toHaveLength(2);
    const err = await proveDeviceConnection(hub, 'dev-anchor-3', { keyPem: creds.keyPem, certificateChainPem: creds.fullChainPem, caPem: creds.caPem }).catch((e: unknown) => e);
    expect(isCustodianError(err, 'HUB_SERVER_UNTRUSTED')).toBe(true);
  });

  it('a device given no anchors cannot verify any hub (HUB_SERVER_UNTRUSTED)', async () => {
    const sim = await provisioned('dev-anchor-4', { bundle: 'none', pemFiles: [] });
    const hub = await hubServedBy(hubRoot, 'no-anchor');
    const creds = sim.tlsCredentials();
    expect(creds.caPem).toBe('');
    const err = await proveDeviceConnection(hub, 'dev-anchor-4', { keyPem: creds.keyPem, certificateChainPem: creds.fullChainPem, caPem: creds.caPem }).catch((e: unknown) => e);
    expect(isCustodianError(err, 'HUB_SERVER_UNTRUSTED')).toBe(true);
  });
});
