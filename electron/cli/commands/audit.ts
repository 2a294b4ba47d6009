/**
 * `custodian audit …`: offline verification of station ledger bundles by the
 * brand owner (docs/ledger-format.md §Audit).
 *
 *   custodian audit <bundle…> --root <pem> [--trusted-checkpoints <file>] [--observed <dir>] [--cosigner <vkey>]…
 *   custodian audit cosign <bundle> --root <pem> --key <dir> [--out <file>]
 *   custodian audit keygen --key <dir> --name <cosigner-name>
 */
import { appendFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INPUT_LIMITS, readBoundedSync, type InputKind } from '../../core/bounded-read';
import { CustodianError, isCustodianError } from '../../core/errors';
import {
  AuditCodes, auditBundles, certificatesFrom, certificatesInDir, cosignCheckpoint, createCosignerKey, loadCosigner,
  parseNotesFile, readBundle, renderAuditReport, type AuditedWorkOrder, type AuditReport,
} from '../../core/ledger';
import { allowListAdmits, describeAllowList, verifySignedWorkOrder } from '../../core/workorder/index';
import { optBool, optString, reqString } from '../args';
import { CliCodes } from '../codes';
import type { CliCommand, CommandContext } from '../types';

/** An auditor's input file, bounded by its kind (INPUT_TOO_LARGE past the bound). */
function input(ctx: CommandContext, path: string, what: string, kind: InputKind): Buffer {
  try {
    return readBoundedSync(ctx.resolvePath(path), { limit: INPUT_LIMITS[kind], what, shown: path });
  } catch (e) {
    if (isCustodianError(e)) throw e;
    throw new CustodianError(AuditCodes.INPUT_INVALID, `cannot read ${what} ${path}`, { path }, { cause: e });
  }
}

/**
 * The signed work orders given with --work-orders (files, or folders of `*.cms`), each verified against
 * the root as a station verifies it at import (signature, signer chain, work-order EKU); one that does
 * not verify stops the audit (AUDIT_INPUT_INVALID naming the file and the WORK_ORDER_* reason).
 */
function workOrdersFrom(ctx: CommandContext, root: Uint8Array): AuditedWorkOrder[] | undefined {
  const given = (ctx.values['work-orders'] as string[] | undefined) ?? [];
  if (given.length === 0) return undefined;
  const files = given.flatMap((g) => {
    const p = ctx.resolvePath(g);
    let dir = false;
    try { dir = statSync(p).isDirectory(); } catch { /* read below names it */ }
    return dir ? readdirSync(p).filter((n) => n.endsWith('.cms')).sort().map((n) => join(p, n)) : [p];
  });
  return files.map((file) => {
    const cms = input(ctx, file, 'signed work order', 'workOrder');
    let order;
    try {
      const v = verifySignedWorkOrder(cms, root, [], new Date());
      order = v.order;
    } catch (e) {
      if (!isCustodianError(e)) throw e;
      throw new CustodianError(AuditCodes.INPUT_INVALID, `work order ${file} does not verify against the root: ${e.message}`, { file, cause: e.code }, { cause: e });
    }
    return {
      id: order.id, quota: order.quota, notBefore: new Date(order.validity.notBefore).toISOString(), notAfter: new Date(order.validity.notAfter).toISOString(),
      allowList: describeAllowList(order.devices), admits: (device) => allowListAdmits(order.devices, device),
    };
  });
}

function runAudit(ctx: CommandContext, bundles: readonly string[]): AuditReport {
  const roots = certificatesFrom(input(ctx, reqString(ctx, 'root'), 'root certificate', 'certificates'));
  if (roots.length !== 1) throw new CustodianError(AuditCodes.INPUT_INVALID, '--root must hold exactly one certificate', {});
  const trustedPath = optString(ctx, 'trusted-checkpoints');
  const observedDir = optString(ctx, 'observed');
  let observed;
  try {
    observed = observedDir ? certificatesInDir(ctx.resolvePath(observedDir)) : undefined;
  } catch (e) {
    if (isCustodianError(e)) throw e;
    throw new CustodianError(AuditCodes.INPUT_INVALID, `cannot read --observed ${observedDir}`, {}, { cause: e });
  }
  return auditBundles(bundles.map((b) => readBundle(ctx.resolvePath(b))), {
    root: roots[0]!,
    ...(trustedPath ? { trustedCheckpoints: parseNotesFile(input(ctx, trustedPath, 'trusted checkpoints', 'notes').toString('utf8')) } : {}),
    cosigners: (ctx.values.cosigner as string[] | undefined) ?? [],
    ...(observed ? { observed } : {}),
    ...(() => { const w = workOrdersFrom(ctx, roots[0]!); return w ? { workOrders: w } : {}; })(),
    requireWorkOrders: optBool(ctx, 'require-work-orders'),
    strict: optBool(ctx, 'strict'),
  });
}

function fail(report: AuditReport): CustodianError {
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  return new CustodianError(AuditCodes.FAILED, [`audit failed: ${errors} error(s)`, ...renderAuditReport(report)].join('\n'), { report });
}

async function keygen(ctx: CommandContext) {
  const c = createCosignerKey(ctx.resolvePath(reqString(ctx, 'key')), reqString(ctx, 'name'));
  return { data: { vkey: c.vkey }, human: [`cosigner key created; give this vkey to the stations and auditors:`, c.vkey] };
}

async function cosign(ctx: CommandContext, bundles: readonly string[]) {
  if (bundles.length !== 1) throw new CustodianError(CliCodes.USAGE, 'audit cosign takes exactly one bundle', {});
  const cosigner = loadCosigner(ctx.resolvePath(reqString(ctx, 'key')));
  const report = runAudit(ctx, bundles);
  if (!report.ok || report.accepted.length !== 1) throw fail(report);
  const note = cosignCheckpoint(report.accepted[0]!, cosigner);
  const out = optString(ctx, 'out');
  if (out) writeFileSync(ctx.resolvePath(out), note);
  return { data: { cosigned: note, out: out ?? null }, human: out ? `cosigned checkpoint written to ${out}` : note };
}

export const auditCommand: CliCommand = {
  name: 'audit',
  summary: 'verify station ledger bundles offline; cosign a checkpoint (audit cosign); make a cosigner key (audit keygen)',
  usage: '<bundle…> --root <company-x-root.pem> [--trusted-checkpoints <file>] [--observed <dir>] [--cosigner <vkey>]… [--work-orders <file|dir>]… [--require-work-orders] [--strict]\n' +
    '       custodian audit cosign <bundle> --root <pem> --key <dir> [--out <file>]\n' +
    '       custodian audit keygen --key <dir> --name <cosigner-name>',
  description: 'Checks checkpoint signatures, every historical checkpoint against the entries, every certificate\n' +
    'against the root through the station\'s custodian CA and against its intent, duplicates across bundles\n' +
    '(serials, device IDs issued again, one key under two device IDs),\n' +
    'trusted (earlier, possibly cosigned) checkpoints, certificates observed in the field, and per work order\n' +
    '(quota, issued, failed, remaining; certificates outside a required work order, beyond a quota, outside an allow-list or window).\n' +
    'Exits 7 (AUDIT_FAILED) on any error finding; warnings fail only with --strict.',
  options: {
    root: { type: 'string', valueName: '<pem>', description: 'the brand root certificate every certificate must chain to' },
    'trusted-checkpoints': { type: 'string', valueName: '<file>', description: 'checkpoints accepted in earlier audits (notes or JSON lines)' },
    observed: { type: 'string', valueName: '<dir>', description: 'certificates seen in the field (PEM/DER files); each must be logged' },
    cosigner: { type: 'string', multiple: true, valueName: '<vkey>', description: 'cosigner vkey whose cosignatures must verify (repeatable)' },
    strict: { type: 'boolean', description: 'fail on warnings too (unreconciled intents)' },
    'work-orders': { type: 'string', multiple: true, valueName: '<file|dir>', description: 'signed work orders (.cms, or folders of them) to check each certificate under one against: quota, allow-list, window (repeatable)' },
    'require-work-orders': { type: 'boolean', description: 'every device certificate must be under a work order, whatever its CA states' },
    'save-checkpoints': { type: 'string', valueName: '<file>', description: 'append the accepted checkpoints (JSON lines) for the next audit' },
    key: { type: 'string', valueName: '<dir>', description: 'cosign/keygen: the auditor cosigner key directory' },
    name: { type: 'string', valueName: '<name>', description: 'keygen: cosigner name, e.g. audit.company-x.example/2026' },
    out: { type: 'string', valueName: '<file>', description: 'cosign: where to write the cosigned checkpoint' },
  },
  positionals: { min: 1, max: 256 },
  async run(ctx) {
    const [mode, ...rest] = ctx.positionals;
    if (mode === 'keygen') return keygen(ctx);
    if (mode === 'cosign') return cosign(ctx, rest);
    const report = runAudit(ctx, ctx.positionals);
    if (!report.ok) throw fail(report);
    const save = optString(ctx, 'save-checkpoints');
    if (save) appendFileSync(ctx.resolvePath(save), report.accepted.map((n) => `${JSON.stringify(n)}\n`).join(''));
    return { data: report, human: renderAuditReport(report) };
  },
};
