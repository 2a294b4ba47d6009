import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proveDeviceConnection } from '../../electron/core/hub/device-connection';
import { startMosquittoHub, type MosquittoHub } from '../../electron/core/hub/mosquitto-hub';
import { isCustodianError } from '../../electron/core/errors';
import { makeOpensslCa, makeOpensslLeaf } from '../support/openssl';

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
