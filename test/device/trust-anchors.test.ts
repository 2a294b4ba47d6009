/**
 * Revision 1.1 of the Custodian protocol (docs/device-protocol.md §4.9): the
 * trust-anchor object, target 0x02, on devices advertising capability bit 6,
 * written after the chain and read back byte for byte; a 1.0 device without
 * the bit is provisioned as before and reports no anchors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Authority } from '../../electron/core/authority/index';
import { isCustodianError } from '../../electron/core/errors';
import { loadBundledTrustAnchors } from '../../electron/core/hub/trust-bundle';
import { startStationSession, stationLedger } from '../../electron/core/line/index';
import { concatBytes, type ProtocolCapability } from '../../electron/core/device/protocol';
import { fromPem } from '../../electron/core/pki/pem';
import type { StepEvent } from '../../electron/core/station/events';
import { DEFAULT_SETTINGS } from '../../electron/shared/api/settings';
import { inProcessBench } from '../simulator/support';
import { makeTestChain } from '../support/station-chain';
import { makeTestCa, popChallenge } from './helpers';

type Bench = Awaited<ReturnType<typeof inProcessBench>>;
let bench: Bench | null = null;
afterEach(async () => {
  await bench?.cleanup();
  bench = null;
});

const AZURE = loadBundledTrustAnchors().anchors.map((a) => a.der);
const V1_0: ProtocolCapability[] = ['csr', 'raw-public-key', 'challenge', 'keygen', 'lock', 'batch'];
const codeOf = (e: unknown): string | undefined => (isCustodianError(e) ? e.code : undefined);

/** A device with a key and the leaf for it, ready for install(). */
async function ready(b: Bench) {
  const id = await b.client.identify();
  await b.client.generateKey('P-256');
  const spki = await b.client.getPublicKey();
  const ca = await makeTestCa(2, 300);
  return { id, ca, leaf: await ca.issue(spki, id.deviceId) };
}

describe('the trust-anchor object (revision 1.1)', () => {
  it.each([
    ['batching, 512-byte frames', { maxPayload: 512 }],
    ['batching, 4096-byte frames', { maxPayload: 4096 }],
    ['one request per frame', { maxPayload: 256, capabilities: ['csr', 'raw-public-key', 'challenge', 'keygen', 'lock', 'trust-anchors'] as ProtocolCapability[] }],
  ])('install writes the anchors after the chain and reads them back byte for byte (%s)', async (_what, opts) => {
    bench = await inProcessBench(opts);
    const { id, ca, leaf } = await ready(bench);
    expect(id.protocolCapabilities).toContain('trust-anchors');
    expect(bench.client.canStoreTrustAnchors).toBe(true);
    const back = await bench.client.install(leaf, ca.chain, { challenge: popChallenge(), trustAnchors: AZURE, confirm: id });
    expect(back.installed.leaf).toEqual(leaf);
    expect(back.installed.chain).toEqual(ca.chain);
    expect(back.installed.trustAnchors).toEqual(AZURE);
    // The device keeps exactly the bytes it was given, and its TLS client trusts them.
    expect(bench.sim.state().trustAnchors).toEqual(concatBytes(AZURE));
    const { caPem } = bench.sim.tlsCredentials();
    expect(fromPem(caPem).map((b) => b.der)).toEqual(AZURE);
    expect(await bench.client.readCredentials()).toEqual({ leaf, chain: ca.chain, locked: false, trustAnchors: AZURE });
    expect(bench.sim.stats().byCommand.WRITE_BEGIN).toBe(3);
  });

  it('a device that could store anchors but was given none keeps none and reports none', async () => {
    bench = await inProcessBench();
    const { ca, leaf } = await ready(bench);
    const back = await bench.client.install(leaf, ca.chain, { challenge: popChallenge() });
    expect(back.installed.trustAnchors).toBeUndefined();
    expect(bench.sim.stats().byCommand.WRITE_BEGIN).toBe(2);
    expect(await bench.client.readCredentials()).toEqual({ leaf, chain: ca.chain, locked: false });
    expect(bench.sim.tlsCredentials().caPem).toBe('');
  });

  it('a 1.0 device (no capability bit 6) is provisioned all the same: no anchor object sent, none reported', async () => {
    for (const capabilities of [V1_0, V1_0.filter((c) => c !== 'batch')]) {
      bench = await inProcessBench({ capabilities });
      const { id, ca, leaf } = await ready(bench);
      expect(bench.client.canStoreTrustAnchors).toBe(false);
      const back = await bench.client.install(leaf, ca.chain, { challenge: popChallenge(), trustAnchors: AZURE, confirm: id });
      expect(back.installed.leaf).toEqual(leaf);
      expect(back.installed.trustAnchors).toBeUndefined();
      expect(bench.sim.state().trustAnchors).toHaveLength(0);
      expect(bench.sim.stats().byCommand.WRITE_BEGIN).toBe(2);
      // Asked directly, the station refuses rather than send what the device would not know.
      expect(codeOf(await bench.client.writeTrustAnchors(AZURE).catch((e: unknown) => e))).toBe('DEVICE_UNSUPPORTED');
      await bench.cleanup();
      bench = null;
    }
  });

  it('the reference device refuses target 0x02 without the capability, a non-CA anchor, and writes once locked', async () => {
    bench = await inProcessBench({ capabilities: V1_0 });
    const raw = await import('../../electron/core/device/protocol');
    const q = bench.client as unknown as { call(name: string, payload: Uint8Array): Promise<Uint8Array> };
    const err = await q.call('READ_CERTS', new raw.ByteWriter().u8(raw.WriteTarget.TRUST_ANCHORS).u32(0).u16(100).build()).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('DEVICE_ERROR_BAD_REQUEST');
    await bench.cleanup();

    bench = await inProcessBench();
    const { ca, leaf } = await ready(bench);
    // A device leaf is not a trust anchor: BAD_CERT, and nothing is stored.
    expect(codeOf(await bench.client.writeTrustAnchors([leaf]).catch((e: unknown) => e))).toBe('DEVICE_ERROR_BAD_CERT');
    expect(bench.sim.state().trustAnchors).toHaveLength(0);
    await bench.client.install(leaf, ca.chain, { challenge: popChallenge(), trustAnchors: AZURE });
    await bench.client.commit();
    expect(codeOf(await bench.client.writeTrustAnchors([ca.chain[1]!]).catch((e: unknown) => e))).toBe('DEVICE_ERROR_LOCKED');
    expect(bench.sim.state().trustAnchors).toEqual(concatBytes(AZURE));
  });

  it('keeps the anchors across a simulator restart (state directory)', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'anchors-state-'));
    try {
      bench = await inProcessBench({ stateDir });
      const { ca, leaf } = await ready(bench);
      await bench.client.install(leaf, ca.chain, { challenge: popChallenge(), trustAnchors: AZURE });
      await bench.cleanup();
      bench = await inProcessBench({ stateDir });
      await bench.client.identify();
      expect((await bench.client.readCredentials()).trustAnchors).toEqual(AZURE);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('refuses, before anything is signed, a trust bundle larger than one object (16 KiB)', async () => {
    bench = await inProcessBench();
    await bench.client.identify();
    const big = Array.from({ length: 20 }, () => AZURE[1]!);
    expect(() => bench!.client.assertFits({ leafBytesMax: 1000, chain: [], trustAnchors: big })).toThrow(/trust anchors would take/);
    expect(() => bench!.client.assertFits({ leafBytesMax: 1000, chain: [], trustAnchors: AZURE })).not.toThrow();
  });
});

describe('the workflow installs the session\'s anchors into every device', () => {
  const homes: string[] = [];
  afterAll(() => { for (const h of homes) rmSync(h, { recursive: true, force: true }); });

  async function provision(capabilities?: ProtocolCapability[]) {
    const chain = await makeTestChain();
    const home = mkdtempSync(join(tmpdir(), 'anchors-line-'));
    homes.push(home);
    const ledger = stationLedger(home, 'line-1');
    const authority = { issuer: () => chain.issuer } as unknown as Authority;
    bench = await inProcessBench({ emulateWireTime: false, ...(capabilities ? { capabilities } : {}) });
    const session = startStationSession({ authority, ledger, settings: DEFAULT_SETTINGS });
    const events: StepEvent[] = [];
    try {
      const r = await session.provision(bench.client, { operator: 'test', onEvent: (e) => { if (e.kind === 'step') events.push(e); } });
      const verify = events.find((e) => e.step === 'verify' && e.state === 'succeeded');
      return { r, verify: verify && 'details' in verify ? verify.details : null, session };
    } finally {
      ledger.close();
    }
  }

  it('a 1.1 device gets the shipped Azure roots, checked on read-back', async () => {
    const { r, verify, session } = await provision();
    expect(r.result).toBe('passed');
    expect(session.trustAnchors).toEqual(AZURE);
    expect(verify).toMatchObject({ readBack: 'identical', trustAnchors: 'identical' });
    expect(bench!.sim.state().trustAnchors).toEqual(concatBytes(AZURE));
  });

  it('a 1.0 device passes too, and the verify step records that it holds no anchors', async () => {
    const { r, verify } = await provision(V1_0);
    expect(r.result).toBe('passed');
    expect(verify).toMatchObject({ readBack: 'identical', trustAnchors: 'not-supported' });
    expect(bench!.sim.state().trustAnchors).toHaveLength(0);
  });
});
