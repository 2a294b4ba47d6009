/**
 * The work order itself: the JSON an upstream custodian signs
 * (docs/work-orders.md, field by field). Parsed strictly: an unknown field is
 * refused rather than ignored, since a station that skipped a bound it did
 * not know would sign past it.
 */
import { z } from 'zod';
import { CustodianError } from '../errors';
import { DEVICE_KEY_TYPES } from '../pki/index';
import { WorkOrderCodes } from './codes';

export const WORK_ORDER_FORMAT = 'custodian-work-order/1';
/** IDs become file names under <home>/work-orders/. */
export const WORK_ORDER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Explicit lists are bounded so one file cannot hold an unbounded allow-list in memory. */
export const MAX_LISTED_DEVICES = 100_000;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 fingerprint: 64 lowercase hex digits');
const isoTime = z.iso.datetime({ offset: true });
const deviceId = z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

const DevicesSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('list'), ids: z.array(deviceId).min(1).max(MAX_LISTED_DEVICES) }),
  z.strictObject({
    kind: z.literal('range'),
    prefix: z.string().max(64).regex(/^[\x21-\x7e]*$/),
    from: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    to: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    /** Zero-padded to this many digits (0 = no padding). */
    width: z.number().int().min(0).max(16),
  }).refine((r) => r.to >= r.from, { message: 'to must be ≥ from' }),
  z.strictObject({ kind: z.literal('imei'), imeis: z.array(z.string().regex(/^\d{15}$/)).min(1).max(MAX_LISTED_DEVICES) }),
  z.strictObject({ kind: z.literal('serial'), serials: z.array(deviceId).min(1).max(MAX_LISTED_DEVICES) }),
]);

export const WorkOrderSchema = z.strictObject({
  format: z.literal(WORK_ORDER_FORMAT),
  id: z.string().regex(WORK_ORDER_ID_PATTERN),
  /** Free text for the operator: who placed the order. */
  issuer: z.string().min(1).max(128).optional(),
  for: z.strictObject({
    stationIds: z.array(z.string().min(1).max(128)).max(64).default([]),
    caFingerprints: z.array(sha256Hex).max(64).default([]),
  }).refine((f) => f.stationIds.length + f.caFingerprints.length > 0, { message: 'name at least one station or CA' }),
  validity: z.strictObject({ notBefore: isoTime, notAfter: isoTime })
    .refine((v) => Date.parse(v.notAfter) > Date.parse(v.notBefore), { message: 'notAfter must be after notBefore' }),
  devices: DevicesSchema,
  quota: z.number().int().min(1).max(100_000_000),
  profile: z.strictObject({
    leafMaxDays: z.number().int().min(1).max(100_000),
    keyTypes: z.array(z.enum(DEVICE_KEY_TYPES)).min(1).max(DEVICE_KEY_TYPES.length),
  }),
  hub: z.strictObject({ trustBundleSha256: sha256Hex }).optional(),
  driver: z.enum(['custodian', 'nrf91']).optional(),
});

export type WorkOrder = z.output<typeof WorkOrderSchema>;
export type WorkOrderInput = z.input<typeof WorkOrderSchema>;
export type DeviceAllowList = WorkOrder['devices'];

/** WORK_ORDER_MALFORMED unless `value` is a work order; names the first wrong field. */
export function parseWorkOrder(value: unknown): WorkOrder {
  const r = WorkOrderSchema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.join('.') || '(top level)';
  throw new CustodianError(WorkOrderCodes.MALFORMED, `the work order is not valid at ${field}: ${issue.message}`, {
    field, problems: r.error.issues.slice(0, 10).map((i) => `${i.path.join('.')}: ${i.message}`),
  });
}

/** The work order in `bytes` (UTF-8 JSON). */
export function parseWorkOrderJson(bytes: Uint8Array): WorkOrder {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new CustodianError(WorkOrderCodes.MALFORMED, 'the work order is not UTF-8 JSON', {}, { cause: e });
  }
  return parseWorkOrder(value);
}

/** Canonical bytes to sign: the validated order, two-space JSON, trailing newline. */
export function encodeWorkOrder(order: WorkOrder): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(order, null, 2)}\n`);
}

/** How many device IDs the allow-list admits. */
export function allowListSize(d: DeviceAllowList): number {
  switch (d.kind) {
    case 'list': return d.ids.length;
    case 'range': return d.to - d.from + 1;
    case 'imei': return d.imeis.length;
    case 'serial': return d.serials.length;
  }
}

/** One line for the operator, e.g. `range acme-000001…acme-005000 (5000 IDs)`. */
export function describeAllowList(d: DeviceAllowList): string {
  const n = allowListSize(d);
  switch (d.kind) {
    case 'range': {
      const id = (k: number) => `${d.prefix}${String(k).padStart(d.width, '0')}`;
      return `range ${id(d.from)}…${id(d.to)} (${n} IDs)`;
    }
    case 'list': return `${n} listed device ID(s)${n <= 3 ? `: ${d.ids.join(', ')}` : ''}`;
    case 'imei': return `${n} listed IMEI(s)`;
    case 'serial': return `${n} listed hardware serial(s)`;
  }
}
