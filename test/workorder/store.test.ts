/** Imported work orders under <home>/work-orders/, kept as signed; and the work-order format itself. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isCustodianError } from '../../electron/core/errors';
import { allowListSize, describeAllowList, openEnvelope, parseWorkOrder, WorkOrderStore } from '../../electron/core/workorder/index';
import { hierarchy, order, sign, tempDir, type Hierarchy } from './fixtures';

let h: Hierarchy;
beforeAll(async () => { h = await hierarchy(); });

function codeOf(fn: () => unknown): string {
  try { fn(); } catch (e) { if (isCustodianError(e)) return e.code; throw e; }
  throw new Error('expected a refusal');
}

describe('WorkOrderStore', () => {
  it('keeps the file as signed, lists and shows it; the same file again is a no-op, another under the same ID a conflict', async () => {
    const store = new WorkOrderStore(tempDir('wo-store-'));
    expect(store.list()).toEqual([]);
    const cms = await sign(order(h), h.signer);
    const saved = store.save(order(h), cms);
    expect(saved).toEqual({ path: join(store.dir, 'WO-2026-0042.cms'), alreadyImported: false });
    expect(new Uint8Array(readFileSync(saved.path))).toEqual(cms);
    expect(store.save(order(h), cms).alreadyImported).toBe(true);
    const other = await sign(order(h, { quota: 10 }), h.signer);
    expect(codeOf(() => store.save(order(h, { quota: 10 }), other))).toBe('WORK_ORDER_ID_CONFLICT');
    expect(store.list().map((s) => s.order.id)).toEqual(['WO-2026-0042']);
    expect(store.get('WO-2026-0042').signer).toBe('CN=Company-X work orders');
    expect(codeOf(() => store.get('WO-9'))).toBe('WORK_ORDER_NOT_FOUND');
    expect(codeOf(() => store.get('../escape'))).toBe('WORK_ORDER_BAD_INPUT');
  });
});

describe('the work-order format', () => {
  it('describes each kind of allow-list', () => {
    expect(describeAllowList({ kind: 'range', prefix: 'acme-', from: 1, to: 5000, width: 6 })).toBe('range acme-000001…acme-005000 (5000 IDs)');
    expect(allowListSize({ kind: 'imei', imeis: ['352656100000007', '352656100000015'] })).toBe(2);
    expect(describeAllowList({ kind: 'list', ids: ['a', 'b'] })).toBe('2 listed device ID(s): a, b');
    expect(describeAllowList({ kind: 'serial', serials: ['S1'] })).toBe('1 listed hardware serial(s)');
  });

  it('refuses unknown fields, an inverted window or range, and an order naming no station', () => {
    const base = order(h);
    expect(codeOf(() => parseWorkOrder({ ...base, profile: { ...base.profile, maxPerHour: 5 } }))).toBe('WORK_ORDER_MALFORMED');
    expect(codeOf(() => parseWorkOrder({ ...base, validity: { notBefore: base.validity.notAfter, notAfter: base.validity.notBefore } }))).toBe('WORK_ORDER_MALFORMED');
    expect(codeOf(() => parseWorkOrder({ ...base, devices: { kind: 'range', prefix: 'a', from: 9, to: 1, width: 0 } }))).toBe('WORK_ORDER_MALFORMED');
    expect(codeOf(() => parseWorkOrder({ ...base, for: {} }))).toBe('WORK_ORDER_MALFORMED');
    expect(codeOf(() => parseWorkOrder({ ...base, devices: { kind: 'imei', imeis: ['12345'] } }))).toBe('WORK_ORDER_MALFORMED');
    expect(codeOf(() => parseWorkOrder({ ...base, profile: { leafMaxDays: 10, keyTypes: ['Ed25519'] } }))).toBe('WORK_ORDER_MALFORMED');
  });

  it('signs with signing-time, content-type and message-digest, and the signer first in the certificates', async () => {
    const env = openEnvelope(await sign(order(h), h.signer, [h.x.cert.der]));
    expect(env.signer.fingerprintSha256).toBe(h.signer.cert.fingerprintSha256);
    expect(env.digest).toBe('SHA-256');
    expect(env.signingTime).toBeInstanceOf(Date);
  });
});
