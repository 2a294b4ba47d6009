/**
 * Work orders through the station API over the real core, driven through the
 * HTTP bridge as the UI drives it: a station whose CA requires work orders
 * (imported with the CLI) says so; a signed order is imported from a picked
 * file (a changed copy is refused); a device under it is provisioned and the
 * quota left goes down; a device outside its allow-list, a run without a
 * work order, and the device beyond the quota are refused with their codes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkOrdersStatus, WorkOrderView } from '../../electron/shared/api/work-orders';
import { bridgeCaller, startTestStation, type TestStation } from '../support/test-station';
import { prepareWorkOrderHome, type WorkOrderHome } from '../support/work-order-home';

let st: TestStation;
let wo: WorkOrderHome;
const { call, ok } = bridgeCaller(() => st.url);

beforeAll(async () => {
  st = await startTestStation({ prepare: async (home) => { wo = await prepareWorkOrderHome(home); } });
}, 120_000);
afterAll(async () => { await st?.close(); });

async function importFile(path: string) {
  st.picker.queueOpen(path);
  const picked = await ok<{ canceled: false; handle: string }>('files.open', { purpose: 'work-order' });
  return call<{ order: WorkOrderView; alreadyImported: boolean }>('workOrders.import', { file: picked.handle });
}

async function provision(deviceId: string, workOrder?: string) {
  const sim = await ok<{ port: string }>('simulator.start', { deviceId });
  return call<{ deviceId: string }>('station.provision', { port: sim.port, operator: 'Ana', ...(workOrder ? { workOrder } : {}) });
}

describe('work orders through the station API', () => {
  it('says the station requires work orders; imports a signed order from a file and lists it with its quota', async () => {
    expect(await ok<WorkOrdersStatus>('workOrders.list')).toEqual({ required: true, orders: [] });
    const path = await wo.signOrder('WO-1', ['--prefix', 'dev-', '--from', '1', '--to', '999', '--width', '6', '--quota', '2', '--leaf-days', '365', '--days', '30']);
    const changed = readFileSync(path);
    changed[changed.indexOf('"quota": 2') + 9] = '7'.charCodeAt(0);
    writeFileSync(join(wo.dir, 'changed.cms'), changed);
    const refused = await importFile(join(wo.dir, 'changed.cms'));
    expect(refused.ok ? null : refused.error.code).toBe('WORK_ORDER_SIGNATURE_INVALID');

    const r = await importFile(path);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const listed = await ok<WorkOrdersStatus>('workOrders.list');
    expect(listed.orders).toEqual([expect.objectContaining({
      id: 'WO-1', issuer: 'Company-X', signer: 'CN=Company-X work orders', state: 'active', quota: 2, issued: 0, reserved: 0, remaining: 2,
      allowList: 'range dev-000001…dev-000999 (999 IDs)', leafMaxDays: 365, keyTypes: ['P-256'],
    })]);
  });

  it('provisions under the order and counts it; refuses a run without one, a device outside the list, and the one beyond the quota', async () => {
    expect(await ok('authority.unlock', { passphrase: wo.passphrase })).toMatchObject({ state: 'unlocked' });
    const first = await provision('dev-000001', 'WO-1');
    expect(first.ok, JSON.stringify(first)).toBe(true);
    expect((await ok<WorkOrdersStatus>('workOrders.list')).orders[0]).toMatchObject({ issued: 1, reserved: 1, remaining: 1 });

    const none = await provision('dev-000002');
    expect(none.ok ? null : none.error.code).toBe('WORK_ORDER_REQUIRED');
    const outside = await provision('other-000009', 'WO-1');
    expect(outside.ok ? null : [outside.error.code, outside.error.message]).toEqual(['WORK_ORDER_DEVICE_NOT_ALLOWED', expect.stringMatching(/not on work order WO-1's allow-list/)]);

    expect((await provision('dev-000003', 'WO-1')).ok).toBe(true);
    const beyond = await provision('dev-000004', 'WO-1');
    expect(beyond.ok ? null : [beyond.error.code, beyond.error.message]).toEqual(['WORK_ORDER_QUOTA_EXHAUSTED', expect.stringMatching(/quota of 2/)]);
    expect((await ok<WorkOrdersStatus>('workOrders.list')).orders[0]).toMatchObject({ issued: 2, remaining: 0 });
  });
});
