/**
 * The station enforces work orders (docs/work-orders.md §Enforcement): on a
 * station whose CA states the requirement (or whose setting asks for it), a
 * run without an imported order, a device outside the allow-list, outside
 * the window or beyond the quota is refused at identify, before any key is
 * asked for, with the bound it hit in the message; every intent under an
 * order names it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger, type LedgerRecord } from '../../electron/core/ledger/index';
import { keyInfoFromSpki, keyTypeName, readCertificate } from '../../electron/core/pki/index';
import { provisionDevice, remedyFor } from '../../electron/core/station/index';
import type { ProvisioningResult } from '../../electron/core/station/events';
import { enforcingStation, window, type EnforcingStation } from './station-fixture';

const open: EnforcingStation[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

async function station(o: Parameters<typeof enforcingStation>[0]): Promise<EnforcingStation> {
  const s = await enforcingStation(o);
  open.push(s);
  return s;
}

function intents(st: EnforcingStation): Array<Extract<LedgerRecord, { t: 'intent' }>> {
  const l = st.ledger.writable().ledger as Ledger;
  return Array.from({ length: l.size }, (_, i) => l.record(i)).filter((r): r is Extract<LedgerRecord, { t: 'intent' }> => r.t === 'intent');
}

/** Refused at identify: no step after it ran, so the device was never asked for a key or to make one. */
function refusedAtIdentify(r: ProvisioningResult, code: string): Extract<ProvisioningResult, { result: 'failed' }> {
  expect(r.result).toBe('failed');
  const f = r as Extract<ProvisioningResult, { result: 'failed' }>;
  expect(f.error.code, f.error.message).toBe(code);
  expect(f.failedStep).toBe('identify');
  expect(f.steps.map((s) => s.step)).toEqual(['identify']);
  expect(f.signed).toBe(false);
  expect(remedyFor(code)).not.toBe(code);
  return f;
}

describe('a station whose CA requires work orders', () => {
  it('states the requirement in its session, refuses a run without a work order, and one naming an order not imported', async () => {
    const st = await station({ requireOnCa: true });
    expect(st.session.workOrders.required).toBe(true);
    const none = await st.session.provision(await st.device('acme-000001'), { operator: 'op' });
    expect(refusedAtIdentify(none, 'WORK_ORDER_REQUIRED').error.message).toMatch(/only under a work order/);
    const unknown = await st.session.provision(await st.device('acme-000001'), { operator: 'op', workOrder: 'WO-NOPE' });
    expect(refusedAtIdentify(unknown, 'WORK_ORDER_NOT_FOUND').error.message).toMatch(/WO-NOPE/);
    expect(intents(st)).toEqual([]);
  });

  it('signs a device on the allow-list, inside the window and the quota, and the intent names the order', async () => {
    const st = await station({ requireOnCa: true });
    await st.importOrder({ id: 'WO-1', quota: 5 });
    const r = await st.session.provision(await st.device('acme-000007'), { operator: 'op', workOrder: 'WO-1' });
    expect(r.result, JSON.stringify(r)).toBe('passed');
    expect(intents(st).map((i) => [i.deviceId, i.workOrder])).toEqual([['acme-000007', 'WO-1']]);
  });

  it('refuses a device outside the allow-list, naming the list, before asking for a key', async () => {
    const st = await station({ requireOnCa: true });
    await st.importOrder({ id: 'WO-1' });
    const r = refusedAtIdentify(await st.session.provision(await st.device('acme-9000001'), { operator: 'op', workOrder: 'WO-1' }), 'WORK_ORDER_DEVICE_NOT_ALLOWED');
    expect(r.error.message).toMatch(/device ID acme-9000001 is not on work order WO-1's allow-list \(range acme-000001…acme-005000/);
    expect(r.error.details.bound).toBe('allow-list');
    // A same-number ID spelled another way is not the listed one.
    refusedAtIdentify(await st.session.provision(await st.device('acme-7'), { operator: 'op', workOrder: 'WO-1' }), 'WORK_ORDER_DEVICE_NOT_ALLOWED');
    expect(intents(st)).toEqual([]);
  });

  it('matches a serial allow-list against the hardware serial', async () => {
    const st = await station({ requireOnCa: true });
    await st.importOrder({ id: 'WO-S', devices: { kind: 'serial', serials: ['HW-1'] } });
    expect((await st.session.provision(await st.device('dev-aaa', 'HW-1'), { operator: 'op', workOrder: 'WO-S' })).result).toBe('passed');
    const r = refusedAtIdentify(await st.session.provision(await st.device('dev-bbb', 'HW-2'), { operator: 'op', workOrder: 'WO-S' }), 'WORK_ORDER_DEVICE_NOT_ALLOWED');
    expect(r.error.message).toMatch(/hardware serial HW-2/);
  });

  it('refuses outside the window: an order not started yet, and one that has ended', async () => {
    const st = await station({ requireOnCa: true });
    await st.importOrder({ id: 'WO-LATER', validity: window(2, 10) });
    await st.importOrder({ id: 'WO-PAST', validity: window(-10, -1) });
    const later = refusedAtIdentify(await st.session.provision(await st.device('acme-000001'), { operator: 'op', workOrder: 'WO-LATER' }), 'WORK_ORDER_NOT_YET_VALID');
    expect(later.error.message).toMatch(/work order WO-LATER starts at/);
    const past = refusedAtIdentify(await st.session.provision(await st.device('acme-000001'), { operator: 'op', workOrder: 'WO-PAST' }), 'WORK_ORDER_EXPIRED');
    expect(past.error.message).toMatch(/work order WO-PAST ended at/);
    expect(past.error.details.bound).toBe('window');
    expect(intents(st)).toEqual([]);
  });

  it('refuses the device beyond the quota at identify, naming the quota', async () => {
    const st = await station({ requireOnCa: true });
    await st.importOrder({ id: 'WO-2', quota: 2 });
    for (const id of ['acme-000001', 'acme-000002']) {
      expect((await st.session.provision(await st.device(id), { operator: 'op', workOrder: 'WO-2' })).result).toBe('passed');
    }
    const r = refusedAtIdentify(await st.session.provision(await st.device('acme-000003'), { operator: 'op', workOrder: 'WO-2' }), 'WORK_ORDER_QUOTA_EXHAUSTED');
    expect(r.error.message).toMatch(/quota of 2/);
    expect(r.error.details).toMatchObject({ bound: 'quota', quota: 2, taken: 2 });
    expect(intents(st)).toHaveLength(2);
    expect(st.session.recorder.workOrderUsage('WO-2')).toEqual({ intents: 2, issued: 2, released: 0, open: 0, reserved: 2 });
  });

  it("signs under the order's profile: no longer than its leaf lifetime, and a key of a type it allows (a new one asked for)", async () => {
    const st = await station({ requireOnCa: true });
    await st.importOrder({ id: 'WO-P', profile: { leafMaxDays: 30, keyTypes: ['P-384'] } });
    const r = await st.session.provision(await st.device('acme-000001'), { operator: 'op', workOrder: 'WO-P' });
    expect(r.result, JSON.stringify(r)).toBe('passed');
    const passed = r as Extract<ProvisioningResult, { result: 'passed' }>;
    expect(passed.steps.map((x) => x.step)).toContain('keygen');
    const leaf = readCertificate(passed.leafDer);
    expect((leaf.notAfter.getTime() - leaf.notBefore.getTime()) / 86_400_000).toBeLessThanOrEqual(30);
    expect(keyTypeName(keyInfoFromSpki(leaf.spki))).toBe('P-384');
  });

  it('refuses at identify an order whose key types the station certifies none of', async () => {
    const st = await station({ requireOnCa: true });
    await st.importOrder({ id: 'WO-K', profile: { leafMaxDays: 30, keyTypes: ['RSA-4096'] } });
    const policy = { ...st.session.policy, allowedKeyTypes: ['P-256' as const] };
    const r = await provisionDevice({ device: await st.device('acme-000001'), issuer: st.session.issuer, recorder: st.session.recorder, policy, workOrders: st.session.workOrders, operator: 'op', workOrder: 'WO-K' });
    expect(refusedAtIdentify(r, 'WORK_ORDER_EXCEEDS_CA').error.message).toMatch(/allows device keys RSA-4096, none of which this station certifies/);
  });

  it('a device already provisioned comes back after the quota is used: recognised, nothing signed; a new one is refused', async () => {
    const st = await station({ requireOnCa: true });
    await st.importOrder({ id: 'WO-1', quota: 1 });
    const device = await st.device('acme-000001');
    expect((await st.session.provision(device, { operator: 'op', workOrder: 'WO-1' })).result).toBe('passed');
    const again = await st.session.provision(device, { operator: 'op', workOrder: 'WO-1' });
    expect(again.result, JSON.stringify(again)).toBe('passed');
    expect((again as Extract<ProvisioningResult, { result: 'passed' }>).how).toBe('recognised');
    refusedAtIdentify(await st.session.provision(await st.device('acme-000002'), { operator: 'op', workOrder: 'WO-1' }), 'WORK_ORDER_QUOTA_EXHAUSTED');
    expect(intents(st)).toHaveLength(1);
  });

  it('two heads racing for the last slot: exactly one is signed', async () => {
    const st = await station({ requireOnCa: true });
    await st.importOrder({ id: 'WO-LAST', quota: 1 });
    const [a, b] = [await st.device('acme-000001'), await st.device('acme-000002')];
    const results = await Promise.all([a, b].map((d) => st.session.provision(d, { operator: 'op', workOrder: 'WO-LAST' })));
    expect(results.map((r) => r.result).sort()).toEqual(['failed', 'passed']);
    const lost = results.find((r) => r.result === 'failed') as Extract<ProvisioningResult, { result: 'failed' }>;
    expect(lost.error.code).toBe('WORK_ORDER_QUOTA_EXHAUSTED');
    expect(lost.signed).toBe(false);
    expect(intents(st)).toHaveLength(1);
  });
});

describe('a station whose CA does not require work orders', () => {
  it('signs without a work order by default, and keeps a name that is not an imported order as a label', async () => {
    const st = await station({ requireOnCa: false });
    expect(st.session.workOrders.required).toBe(false);
    expect((await st.session.provision(await st.device('dev-001'), { operator: 'op' })).result).toBe('passed');
    expect((await st.session.provision(await st.device('dev-002'), { operator: 'op', workOrder: 'batch-7' })).result).toBe('passed');
    expect(intents(st).map((i) => i.workOrder)).toEqual([undefined, 'batch-7']);
  });

  it('still enforces an imported order it is asked to work under', async () => {
    const st = await station({ requireOnCa: false });
    await st.importOrder({ id: 'WO-1' });
    refusedAtIdentify(await st.session.provision(await st.device('dev-001'), { operator: 'op', workOrder: 'WO-1' }), 'WORK_ORDER_DEVICE_NOT_ALLOWED');
  });

  it('requires work orders on every run when its setting says always', async () => {
    const st = await station({ requireOnCa: false, settings: { workOrders: { require: 'always' } } });
    expect(st.session.workOrders.required).toBe(true);
    refusedAtIdentify(await st.session.provision(await st.device('dev-001'), { operator: 'op' }), 'WORK_ORDER_REQUIRED');
  });
});
