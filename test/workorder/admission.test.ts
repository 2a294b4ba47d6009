/**
 * Work orders signed as CMS SignedData: an outside tool verifies them, and a
 * station refuses each kind of bad order with its own code (issue #22, point 4).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { isCustodianError } from '../../electron/core/errors';
import { admitWorkOrder, encodeWorkOrder, openEnvelope } from '../../electron/core/workorder/index';
import { hierarchy, NOW, opensslCmsVerify, order, sign, tempDir, type Hierarchy } from './fixtures';

let h: Hierarchy;
beforeAll(async () => { h = await hierarchy(); });

function codeOf(fn: () => unknown): string {
  try { fn(); } catch (e) { if (isCustodianError(e)) return e.code; throw e; }
  throw new Error('expected a refusal');
}

/** The DER with one byte of the first occurrence of `needle` changed. */
function flip(der: Uint8Array, needle: string): Uint8Array {
  const at = Buffer.from(der).indexOf(needle);
  expect(at).toBeGreaterThan(0);
  const out = new Uint8Array(der);
  out[at] = out[at]! ^ 0x01;
  return out;
}

describe('a signed work order', () => {
  it('verifies with openssl cms -verify against the root, and the content is the JSON as signed', async () => {
    const o = order(h);
    const cms = await sign(o, h.signer);
    const r = opensslCmsVerify(tempDir('wo-openssl-'), cms, h.x.cert.pem);
    expect(r.ok, r.out).toBe(true);
    expect(JSON.parse(r.out)).toEqual(o);
  });

  it('is admitted by the station it names, by CA fingerprint or by station ID', async () => {
    const a = admitWorkOrder(await sign(order(h), h.signer), h.station, NOW);
    expect(a.order.id).toBe('WO-2026-0042');
    expect(a.signer.subject).toBe('CN=Company-X work orders');
    expect(a.matched.by).toBe('ca-fingerprint');
    expect(a.signingTime).toBeInstanceOf(Date);
    const byId = admitWorkOrder(await sign(order(h, { for: { stationIds: ['factory-y-line-1'] } }), h.signer), h.station, NOW);
    expect(byId.matched).toEqual({ by: 'station-id', value: 'factory-y-line-1' });
  });

  it('carries the signer\'s intermediates, so a signer issued below the root chains too', async () => {
    const ySigner = await (await import('./fixtures')).issued(h.y, 'workOrderSigner', 'Factory-Y work orders', 100);
    const cms = await sign(order(h), ySigner, [h.y.cert.der]);
    expect(openEnvelope(cms).intermediates).toHaveLength(1);
    expect(admitWorkOrder(cms, h.station, NOW).signer.subject).toBe('CN=Factory-Y work orders');
    expect(opensslCmsVerify(tempDir('wo-openssl-'), cms, h.x.cert.pem).ok).toBe(true);
  });
});

describe('refused at import, each with its own code', () => {
  it('a tampered file: WORK_ORDER_SIGNATURE_INVALID (and openssl refuses it too)', async () => {
    const cms = await sign(order(h), h.signer);
    const changed = flip(cms, '"quota": 5000');
    expect(codeOf(() => admitWorkOrder(changed, h.station, NOW))).toBe('WORK_ORDER_SIGNATURE_INVALID');
    expect(opensslCmsVerify(tempDir('wo-openssl-'), changed, h.x.cert.pem).ok).toBe(false);
  });

  it('a changed signature: WORK_ORDER_SIGNATURE_INVALID', async () => {
    const cms = await sign(order(h), h.signer);
    const out = new Uint8Array(cms);
    out[out.length - 3] = out[out.length - 3]! ^ 0x01; // inside the SignerInfo's signature, the last field
    expect(codeOf(() => admitWorkOrder(out, h.station, NOW))).toBe('WORK_ORDER_SIGNATURE_INVALID');
  });

  it('a signer under another root: WORK_ORDER_SIGNER_UNTRUSTED', async () => {
    const cms = await sign(order(h), h.otherSigner);
    expect(codeOf(() => admitWorkOrder(cms, h.station, NOW))).toBe('WORK_ORDER_SIGNER_UNTRUSTED');
    expect(opensslCmsVerify(tempDir('wo-openssl-'), cms, h.x.cert.pem).ok).toBe(false);
  });

  it('a signer without the work-order key usage: WORK_ORDER_SIGNER_NOT_AUTHORIZED', async () => {
    const cms = await sign(order(h), h.noEku);
    expect(codeOf(() => admitWorkOrder(cms, h.station, NOW))).toBe('WORK_ORDER_SIGNER_NOT_AUTHORIZED');
  });

  it('an order for another station: WORK_ORDER_WRONG_STATION', async () => {
    const cms = await sign(order(h, { for: { stationIds: ['factory-q-line-9'], caFingerprints: ['ab'.repeat(32)] } }), h.signer);
    expect(codeOf(() => admitWorkOrder(cms, h.station, NOW))).toBe('WORK_ORDER_WRONG_STATION');
  });

  it('an expired order: WORK_ORDER_EXPIRED; one not started: WORK_ORDER_NOT_YET_VALID', async () => {
    const day = 86_400_000;
    const past = await sign(order(h, { validity: { notBefore: new Date(NOW.getTime() - 10 * day).toISOString(), notAfter: new Date(NOW.getTime() - day).toISOString() } }), h.signer);
    expect(codeOf(() => admitWorkOrder(past, h.station, NOW))).toBe('WORK_ORDER_EXPIRED');
    const future = await sign(order(h, { validity: { notBefore: new Date(NOW.getTime() + day).toISOString(), notAfter: new Date(NOW.getTime() + 9 * day).toISOString() } }), h.signer);
    expect(codeOf(() => admitWorkOrder(future, h.station, NOW))).toBe('WORK_ORDER_NOT_YET_VALID');
  });

  it("an order allowing leaves beyond the station CA's lifetime: WORK_ORDER_EXCEEDS_CA", async () => {
    // Factory-Y's certificate has about 365 days left.
    const cms = await sign(order(h, { profile: { leafMaxDays: 1000, keyTypes: ['P-256'] } }), h.signer);
    expect(codeOf(() => admitWorkOrder(cms, h.station, NOW))).toBe('WORK_ORDER_EXCEEDS_CA');
    const pastPolicy = await sign(order(h, { profile: { leafMaxDays: 300, keyTypes: ['P-256'] } }), h.signer);
    expect(codeOf(() => admitWorkOrder(pastPolicy, { ...h.station, leafMaxDays: 90 }, NOW))).toBe('WORK_ORDER_EXCEEDS_CA');
  });

  it('a file that is not a work order, or a work order with an unknown field: WORK_ORDER_MALFORMED', async () => {
    expect(codeOf(() => admitWorkOrder(new TextEncoder().encode('{"id":"x"}'), h.station, NOW))).toBe('WORK_ORDER_MALFORMED');
    const json = JSON.parse(new TextDecoder().decode(encodeWorkOrder(order(h)))) as Record<string, unknown>;
    const extra = await sign(new TextEncoder().encode(JSON.stringify({ ...json, unlimited: true })), h.signer);
    expect(codeOf(() => admitWorkOrder(extra, h.station, NOW))).toBe('WORK_ORDER_MALFORMED');
    const cms = await sign(order(h), h.signer);
    expect(codeOf(() => admitWorkOrder(cms.subarray(0, cms.length - 10), h.station, NOW))).toBe('WORK_ORDER_MALFORMED');
  });
});
