/**
 * The audit per work order (docs/work-orders.md §Audit), over bundles
 * exported from real station ledgers: quota, issued, failed and remaining
 * per order across bundles; a certificate issued outside a work order by a
 * CA that requires them, beyond a quota, for a device outside its
 * allow-list, or under an order the auditor was not given is an error; one
 * device ID under two orders is a warning. The bypassing station is made by
 * running the workflow without the station's work-order gate, as a station
 * that ignored its CA's requirement would.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditBundles, exportBundle, readBundle, type AuditedWorkOrder, type AuditReport, type Ledger } from '../../electron/core/ledger/index';
import { toPem } from '../../electron/core/pki/index';
import { provisionDevice } from '../../electron/core/station/index';
import { allowListAdmits, describeAllowList, verifySignedWorkOrder, WorkOrderStore } from '../../electron/core/workorder/index';
import { enforcingStation, type EnforcingStation } from './station-fixture';

const open: EnforcingStation[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

/** A station whose CA requires work orders, with WO-A (quota 2, acme- range) and WO-B (quota 5, listed IDs) imported. */
async function station(): Promise<EnforcingStation> {
  const st = await enforcingStation({ requireOnCa: true });
  open.push(st);
  await st.importOrder({ id: 'WO-A', quota: 2 });
  await st.importOrder({ id: 'WO-B', quota: 5, devices: { kind: 'list', ids: ['acme-000001', 'b-dev-1', 'b-dev-2'] } });
  return st;
}

/** Provision through the station's gate (`gate`), or through the workflow alone, as a station ignoring its requirement would. */
async function provision(st: EnforcingStation, deviceId: string, workOrder: string | undefined, gate = true, reissueReason?: string) {
  const device = await st.device(deviceId);
  const run = { operator: 'op', ...(workOrder ? { workOrder } : {}), ...(reissueReason ? { reissueReason } : {}) };
  const r = gate
    ? await st.session.provision(device, run)
    : await provisionDevice({ device, issuer: st.session.issuer, recorder: st.session.recorder, policy: st.session.policy, ...run });
  expect(r.result, JSON.stringify(r)).toBe('passed');
}

function bundleOf(st: EnforcingStation): string {
  const ledger = st.ledger.writable().ledger as Ledger;
  ledger.signCheckpoint();
  const dir = join(mkdtempSync(join(tmpdir(), 'wo-bundle-')), 'bundle');
  exportBundle(ledger, dir, { chainPem: [st.ca.cert.der, st.h.x.cert.der].map((d) => toPem(d, 'CERTIFICATE')).join('') });
  return dir;
}

/** The orders as the auditor holds them, verified against the root as `custodian audit --work-orders` does. */
function orders(st: EnforcingStation): AuditedWorkOrder[] {
  const store = new WorkOrderStore(st.home);
  return store.list().map((s) => {
    const { order } = verifySignedWorkOrder(store.bytes(s.order.id), st.h.x.cert.der, [], new Date());
    return {
      id: order.id, quota: order.quota, notBefore: order.validity.notBefore, notAfter: order.validity.notAfter,
      allowList: describeAllowList(order.devices), admits: (d) => allowListAdmits(order.devices, d),
    };
  });
}

const kinds = (r: AuditReport) => r.findings.filter((f) => f.kind.includes('WORK_ORDER')).map((f) => [f.kind, f.severity]).sort();

describe('audit per work order', () => {
  it('a station that kept to its orders: the per-order figures, no finding', async () => {
    const st = await station();
    await provision(st, 'acme-000001', 'WO-A');
    await provision(st, 'acme-000002', 'WO-A');
    await provision(st, 'b-dev-1', 'WO-B');
    const r = auditBundles([readBundle(bundleOf(st))], { root: st.h.x.cert.der, workOrders: orders(st) });
    expect(kinds(r)).toEqual([]);
    expect(r.ok, JSON.stringify(r.findings)).toBe(true);
    expect(r.workOrders).toEqual([
      { id: 'WO-A', quota: 2, issued: 2, failed: 0, remaining: 0, stations: [expect.any(String)] },
      { id: 'WO-B', quota: 5, issued: 1, failed: 0, remaining: 4, stations: [expect.any(String)] },
    ]);
  });

  it('a station that bypassed its orders: outside a required order, beyond the quota, outside the allow-list, an unknown order are errors; two orders for one device a warning', async () => {
    const st = await station();
    await provision(st, 'acme-000001', 'WO-A');
    await provision(st, 'acme-000002', 'WO-A');
    await provision(st, 'acme-000003', 'WO-A', false); // the third under a quota of 2
    await provision(st, 'dev-free', undefined, false); // no work order, from a CA that requires one
    await provision(st, 'b-dev-9', 'WO-B', false); // not on WO-B's list
    await provision(st, 'x-dev-1', 'WO-GHOST', false); // an order the auditor does not hold
    await provision(st, 'acme-000001', 'WO-B', false, 'second order'); // the same device under a second order
    const r = auditBundles([readBundle(bundleOf(st))], { root: st.h.x.cert.der, workOrders: orders(st) });
    expect(kinds(r)).toEqual([
      ['AUDIT_DEVICE_IN_TWO_WORK_ORDERS', 'warning'],
      ['AUDIT_OUTSIDE_WORK_ORDER', 'error'],
      ['AUDIT_WORK_ORDER_DEVICE_NOT_ALLOWED', 'error'],
      ['AUDIT_WORK_ORDER_QUOTA_EXCEEDED', 'error'],
      ['AUDIT_WORK_ORDER_UNKNOWN', 'error'],
    ].sort());
    expect(r.ok).toBe(false);
    const messages = r.findings.map((f) => f.message).join('\n');
    expect(messages).toMatch(/acme-000003 is number 3 under work order WO-A, beyond its quota of 2/);
    expect(messages).toMatch(/b-dev-9 under work order WO-B, whose allow-list \(3 listed device ID\(s\)/);
    expect(messages).toMatch(/dev-free was issued outside any work order/);
    expect(r.workOrders.find((w) => w.id === 'WO-A')).toMatchObject({ quota: 2, issued: 3, remaining: -1 });
    expect(r.workOrders.find((w) => w.id === 'WO-GHOST')).toMatchObject({ quota: null, issued: 1, remaining: null });
  });

  it('counts across bundles: two stations under one order exceed its quota together; a failed signing is counted as failed and frees its slot', async () => {
    const one = await station();
    const two = await enforcingStation({ requireOnCa: true, hierarchy: one.h, stationId: 'factory-y-line-2' });
    open.push(two);
    // One order for both stations' CAs, signed once, imported by each.
    const shared = await one.importOrder({ id: 'WO-S', quota: 2, for: { caFingerprints: [one.ca.cert.fingerprintSha256, two.ca.cert.fingerprintSha256] } });
    two.importSigned(shared);
    await provision(one, 'acme-000001', 'WO-S');
    const failing = await provisionDevice({
      device: await one.device('acme-000002'), issuer: one.session.issuer, recorder: one.session.recorder, policy: one.session.policy, workOrders: one.session.workOrders,
      operator: 'op', workOrder: 'WO-S', sign: async () => { throw new Error('the signer went away'); },
    });
    expect(failing.result).toBe('failed');
    await provision(two, 'acme-000003', 'WO-S');
    await provision(two, 'acme-000004', 'WO-S', false); // each station alone is within 2; together they issued 3
    const r = auditBundles([readBundle(bundleOf(one)), readBundle(bundleOf(two))], { root: one.h.x.cert.der, workOrders: orders(one) });
    expect(r.workOrders.find((w) => w.id === 'WO-S')).toMatchObject({ quota: 2, issued: 3, failed: 1, remaining: -1 });
    expect(r.workOrders.find((w) => w.id === 'WO-S')!.stations).toHaveLength(2);
    expect(kinds(r)).toEqual([['AUDIT_WORK_ORDER_QUOTA_EXCEEDED', 'error']]);
  });

  it('a CA without the requirement: a certificate outside any order is no finding, unless the auditor requires work orders', async () => {
    const free = await enforcingStation({ requireOnCa: false });
    open.push(free);
    expect((await free.session.provision(await free.device('dev-001'), { operator: 'op' })).result).toBe('passed');
    const bundle = readBundle(bundleOf(free));
    expect(kinds(auditBundles([bundle], { root: free.h.x.cert.der }))).toEqual([]);
    expect(kinds(auditBundles([bundle], { root: free.h.x.cert.der, requireWorkOrders: true }))).toEqual([['AUDIT_OUTSIDE_WORK_ORDER', 'error']]);
  });
});
