/**
 * `custodian work-order …`: signed bounds on a station's signing
 * (docs/work-orders.md). `create` and `sign` run at the upstream custodian
 * (the signer comes from `authority work-order-signer`); `import`, `list`
 * and `show` at the station that will work under the order.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ENTRIES_FILE, Ledger, readWorkOrderUsage } from '../../core/ledger/index';
import type { WorkOrderUsage } from '../../core/station/index';
import { Authority } from '../../core/authority/index';
import { CustodianError } from '../../core/errors';
import { defaultStationId } from '../../core/line/station-id';
import { fromPem, importPrivateKeyPkcs8, isPem } from '../../core/pki/index';
import { openKeyFile } from '../../core/vault/index';
import {
  admitWorkOrder, describeAllowList, encodeWorkOrder, isWorkOrderSigner, parseWorkOrder, parseWorkOrderJson, signEnvelope,
  WORK_ORDER_FORMAT, WorkOrderCodes, WorkOrderStore, type StoredWorkOrder, type WorkOrder,
} from '../../core/workorder/index';
import { readCertificate } from '../../core/pki/index';
import { optBool, optInt, optString, positional, reqInt, reqString } from '../args';
import { CliCodes } from '../codes';
import { readInputFile, writeOutputFile } from '../files';
import type { CliCommand, CommandContext, CommandGroup } from '../types';

const iso = (d: Date) => d.toISOString();
const DAY_MS = 86_400_000;

function usage(message: string, details: Record<string, unknown> = {}): CustodianError {
  return new CustodianError(CliCodes.USAGE, message, details);
}

function list(ctx: CommandContext, name: string): string[] {
  const v = ctx.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

function time(ctx: CommandContext, name: string): Date | undefined {
  const raw = optString(ctx, name);
  if (raw === undefined) return undefined;
  const t = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(t.getTime())) throw usage(`--${name} must be an ISO 8601 date or time, got "${raw}"`, { option: name, value: raw });
  return t;
}

/** The one allow-list the options describe: --device…, --prefix with --from/--to, --imei… or --serial…. */
function devicesFrom(ctx: CommandContext): WorkOrder['devices'] {
  const ids = list(ctx, 'device');
  const imeis = list(ctx, 'imei');
  const serials = list(ctx, 'serial');
  const prefix = optString(ctx, 'prefix');
  const given = [ids.length > 0, imeis.length > 0, serials.length > 0, prefix !== undefined].filter(Boolean).length;
  if (given !== 1) throw usage('give exactly one allow-list: --device (repeatable), --prefix with --from and --to, --imei (repeatable) or --serial (repeatable)', {});
  if (ids.length > 0) return { kind: 'list', ids };
  if (imeis.length > 0) return { kind: 'imei', imeis };
  if (serials.length > 0) return { kind: 'serial', serials };
  return { kind: 'range', prefix: prefix!, from: reqInt(ctx, 'from', { min: 0 }), to: reqInt(ctx, 'to', { min: 0 }), width: optInt(ctx, 'width', { min: 0, max: 16 }) ?? 0 };
}

const createCmd: CliCommand = {
  name: 'create',
  summary: 'write an unsigned work order (JSON) for a downstream station',
  usage: '--id <id> (--for-station <id> | --for-ca <sha256>)… --quota N --leaf-days D <allow-list> [--days D | --not-after T] --out <order.json>',
  description: 'The allow-list is one of: --device <id> (repeatable); --prefix <p> --from N --to M [--width W]; --imei <imei> (repeatable); --serial <serial> (repeatable). Sign the file with `work-order sign`.',
  options: {
    id: { type: 'string', valueName: '<id>', description: 'work-order ID: 1–64 letters, digits, dots, dashes, underscores (required)' },
    issuer: { type: 'string', valueName: '<text>', description: 'who places the order, for the operator (free text)' },
    'for-station': { type: 'string', multiple: true, valueName: '<id>', description: 'a station ID the order is for (repeatable)' },
    'for-ca': { type: 'string', multiple: true, valueName: '<sha256>', description: "the SHA-256 fingerprint of a station CA's certificate the order is for (repeatable)" },
    'not-before': { type: 'string', valueName: '<time>', description: 'start of the window (ISO 8601; default now)' },
    'not-after': { type: 'string', valueName: '<time>', description: 'end of the window (ISO 8601)' },
    days: { type: 'string', valueName: 'D', description: 'or: the window lasts D days from its start (default 30)' },
    device: { type: 'string', multiple: true, valueName: '<id>', description: 'an allowed device ID (repeatable)' },
    prefix: { type: 'string', valueName: '<p>', description: 'allowed device IDs are <p> + a number from --from to --to' },
    from: { type: 'string', valueName: 'N', description: 'first number of the --prefix range' },
    to: { type: 'string', valueName: 'M', description: 'last number of the --prefix range' },
    width: { type: 'string', valueName: 'W', description: 'zero-pad range numbers to W digits (default 0: no padding)' },
    imei: { type: 'string', multiple: true, valueName: '<imei>', description: 'an allowed modem IMEI (repeatable)' },
    serial: { type: 'string', multiple: true, valueName: '<serial>', description: 'an allowed hardware serial (repeatable)' },
    quota: { type: 'string', valueName: 'N', description: 'at most N certificates under this order (required)' },
    'leaf-days': { type: 'string', valueName: 'D', description: 'longest device-certificate lifetime allowed, in days (required)' },
    'key-type': { type: 'string', multiple: true, valueName: '<type>', description: 'allowed device key type (repeatable; default P-256)' },
    'trust-bundle-sha256': { type: 'string', valueName: '<hex>', description: 'SHA-256 of the hub trust bundle devices must receive' },
    driver: { type: 'string', valueName: '<name>', description: 'device driver the station must use: custodian or nrf91' },
    out: { type: 'string', valueName: '<file>', description: 'write the JSON here (required)' },
    force: { type: 'boolean', description: 'replace the output file if it exists' },
  },
  async run(ctx) {
    const notBefore = time(ctx, 'not-before') ?? new Date(Math.floor(Date.now() / 1000) * 1000);
    const explicitEnd = time(ctx, 'not-after');
    const days = optInt(ctx, 'days', { min: 1, max: 36_525 });
    if (explicitEnd && days !== undefined) throw usage('give the end of the window as --not-after or as --days, not both', { options: ['not-after', 'days'] });
    const notAfter = explicitEnd ?? new Date(notBefore.getTime() + (days ?? 30) * DAY_MS);
    const issuer = optString(ctx, 'issuer');
    const trust = optString(ctx, 'trust-bundle-sha256');
    const driver = optString(ctx, 'driver');
    const keyTypes = list(ctx, 'key-type');
    const order = parseWorkOrder({
      format: WORK_ORDER_FORMAT,
      id: reqString(ctx, 'id'),
      ...(issuer !== undefined ? { issuer } : {}),
      for: { stationIds: list(ctx, 'for-station'), caFingerprints: list(ctx, 'for-ca').map((f) => f.replace(/:/g, '').toLowerCase()) },
      validity: { notBefore: iso(notBefore), notAfter: iso(notAfter) },
      devices: devicesFrom(ctx),
      quota: reqInt(ctx, 'quota', { min: 1 }),
      profile: { leafMaxDays: reqInt(ctx, 'leaf-days', { min: 1 }), keyTypes: keyTypes.length > 0 ? keyTypes : ['P-256'] },
      ...(trust !== undefined ? { hub: { trustBundleSha256: trust.replace(/:/g, '').toLowerCase() } } : {}),
      ...(driver !== undefined ? { driver } : {}),
    });
    const out = writeOutputFile(ctx, reqString(ctx, 'out'), encodeWorkOrder(order), optBool(ctx, 'force'));
    return { data: { order, out }, human: [`Work order ${order.id} written to ${out} (unsigned).`, ...render(order), `Sign it with: custodian work-order sign ${out} --signer <dir> --out <order.cms>`] };
  },
};

function certificatesOf(bytes: Buffer): Uint8Array[] {
  const text = bytes.toString('latin1');
  return isPem(text) ? fromPem(text, 'CERTIFICATE').map((b) => b.der) : [new Uint8Array(bytes)];
}

const signCmd: CliCommand = {
  name: 'sign',
  summary: 'sign a work order (CMS SignedData) with a work-order signing certificate',
  usage: '<order.json> --signer <dir> --out <order.cms>',
  description: '<dir> is what `authority work-order-signer --out <dir>` wrote: signer.key (its passphrase is asked) and signer.pem.',
  positionals: { min: 1, max: 1 },
  options: {
    signer: { type: 'string', valueName: '<dir>', description: 'the work-order signer directory (required)' },
    out: { type: 'string', valueName: '<file>', description: 'write the signed work order (DER) here (required)' },
    force: { type: 'boolean', description: 'replace the output file if it exists' },
  },
  async run(ctx) {
    const order = parseWorkOrderJson(readInputFile(ctx, positional(ctx, 0, 'work order'), 'work order', 'workOrder'));
    const dir = reqString(ctx, 'signer');
    const out = reqString(ctx, 'out');
    const certs = certificatesOf(readInputFile(ctx, join(dir, 'signer.pem'), 'signer certificate', 'certificates'));
    if (certs.length === 0) throw new CustodianError(WorkOrderCodes.BAD_INPUT, `${join(dir, 'signer.pem')} holds no certificate`, { path: join(dir, 'signer.pem') });
    const signer = readCertificate(certs[0]!);
    const role = isWorkOrderSigner(signer);
    // Refused here too, so an upstream custodian learns before shipping a file every station would refuse.
    if (!role.ok) throw new CustodianError(WorkOrderCodes.SIGNER_NOT_AUTHORIZED, role.reason, { signer: signer.subject });
    const passphrase = await ctx.passphrase({ purpose: `the work-order signing key of "${signer.subject}"` });
    const cms = await openKeyFile(ctx.resolvePath(join(dir, 'signer.key')), passphrase, async (der) => {
      const key = await importPrivateKeyPkcs8(der, { extractable: false });
      return signEnvelope(encodeWorkOrder(order), { privateKey: key.privateKey, certificate: certs[0]!, chain: certs.slice(1) });
    });
    const written = writeOutputFile(ctx, out, cms, optBool(ctx, 'force'));
    return { data: { id: order.id, signer: signer.subject, signerFingerprint: signer.fingerprintSha256, out: written }, human: [`Work order ${order.id} signed by ${signer.subject}: ${written}`] };
  },
};

function render(o: WorkOrder): string[] {
  const names = [...o.for.stationIds.map((s) => `station ${s}`), ...o.for.caFingerprints.map((f) => `CA ${f}`)];
  return [
    `  ID        ${o.id}${o.issuer ? ` (from ${o.issuer})` : ''}`,
    `  for       ${names.join(', ')}`,
    `  window    ${o.validity.notBefore} → ${o.validity.notAfter}`,
    `  quota     ${o.quota} certificate(s)`,
    `  devices   ${describeAllowList(o.devices)}`,
    `  profile   leaf ≤ ${o.profile.leafMaxDays} days; keys ${o.profile.keyTypes.join(', ')}`,
    ...(o.hub ? [`  hub       trust bundle SHA-256 ${o.hub.trustBundleSha256}`] : []),
    ...(o.driver ? [`  driver    ${o.driver}`] : []),
  ];
}

function summary(s: StoredWorkOrder) {
  const o = s.order;
  return { id: o.id, notBefore: o.validity.notBefore, notAfter: o.validity.notAfter, quota: o.quota, devices: describeAllowList(o.devices), signer: s.signer, path: s.path };
}

/**
 * Each order's slots as the station ledger counts them (docs/work-orders.md §The quota), read
 * without taking the ledger's lock; null per order while the station has no ledger.
 */
function usageOf(ctx: CommandContext, ids: readonly string[]): Map<string, WorkOrderUsage | null> {
  const dir = join(ctx.home, 'ledger');
  if (!existsSync(join(dir, ENTRIES_FILE))) return new Map(ids.map((id) => [id, null]));
  const ledger = Ledger.open({ dir, readOnly: true });
  try {
    return new Map(ids.map((id) => [id, readWorkOrderUsage(ledger, id)]));
  } finally {
    ledger.close();
  }
}

const left = (quota: number, u: WorkOrderUsage | null) =>
  u ? { issued: u.issued, reserved: u.reserved, remaining: Math.max(0, quota - u.reserved) } : { issued: 0, reserved: 0, remaining: quota };

const importCmd: CliCommand = {
  name: 'import',
  summary: "verify a signed work order against this station's root and CA, and keep it",
  usage: '<order.cms> [--station-id <id>]',
  description: 'Refused, each with its own code: a changed file, a signer outside this station\'s root or without the work-order key usage, an order for another station, one outside its window, or one allowing more than this station\'s CA.',
  positionals: { min: 1, max: 1 },
  options: {
    'station-id': { type: 'string', valueName: '<id>', description: "this station's ID, as work orders name it (default: from the host name)" },
  },
  async run(ctx) {
    const file = positional(ctx, 0, 'signed work order');
    const cms = readInputFile(ctx, file, 'signed work order', 'workOrder');
    const a = Authority.open({ home: ctx.home });
    a.assertActive();
    const chain = a.chain();
    const stationId = optString(ctx, 'station-id') ?? defaultStationId();
    const admitted = admitWorkOrder(cms, { root: chain[chain.length - 1]!, caChain: chain, stationId }, new Date());
    const saved = new WorkOrderStore(ctx.home).save(admitted.order, cms);
    const data = { ...summary({ order: admitted.order, path: saved.path, signer: admitted.signer.subject, signingTime: admitted.signingTime }), alreadyImported: saved.alreadyImported, matched: admitted.matched, signerFingerprint: admitted.signer.fingerprintSha256 };
    return { data, human: [`Work order ${admitted.order.id} ${saved.alreadyImported ? 'was already imported' : 'imported'} (signed by ${admitted.signer.subject}).`, ...render(admitted.order)] };
  },
};

const listCmd: CliCommand = {
  name: 'list',
  summary: 'list the work orders imported on this station',
  async run(ctx) {
    const all = new WorkOrderStore(ctx.home).list();
    const usage = usageOf(ctx, all.map((s) => s.order.id));
    const rows = all.map((s) => ({ ...summary(s), ...left(s.order.quota, usage.get(s.order.id) ?? null) }));
    if (rows.length === 0) return { data: { workOrders: [] }, human: 'No work orders imported.' };
    return { data: { workOrders: rows }, human: rows.map((r) => `${r.id}  ${r.notBefore} → ${r.notAfter}  quota ${r.quota} (${r.remaining} left)  ${r.devices}`) };
  },
};

const showCmd: CliCommand = {
  name: 'show',
  summary: 'show one imported work order',
  usage: '<id>',
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const s = new WorkOrderStore(ctx.home).get(positional(ctx, 0, 'work-order ID'));
    const u = left(s.order.quota, usageOf(ctx, [s.order.id]).get(s.order.id) ?? null);
    return {
      data: { order: s.order, signer: s.signer, signingTime: s.signingTime ? iso(s.signingTime) : null, path: s.path, ...u },
      human: [`Work order ${s.order.id} (signed by ${s.signer})`, ...render(s.order), `  used      ${u.issued} issued, ${u.reserved - u.issued} held by open intents, ${u.remaining} left`],
    };
  },
};

export const workOrderCommands: CommandGroup = {
  kind: 'group',
  name: 'work-order',
  summary: 'signed work orders: create and sign upstream, import at the station (docs/work-orders.md)',
  commands: [createCmd, signCmd, importCmd, listCmd, showCmd],
};
