/**
 * `custodian revoke <device-id|serial>` and `custodian crl`
 * (docs/lifecycle.md). A revocation is a ledger record: it needs no CA key,
 * only the checkpoint key that signs the checkpoint covering it (a sealed or
 * token-held checkpoint key is opened with the authority's secret, the CA key
 * stays locked). `crl` unlocks the CA key for that one signature.
 */
import { Authority } from '../../core/authority/index';
import { CustodianError, isCustodianError } from '../../core/errors';
import { Ledger } from '../../core/ledger/index';
import { crlDue, issueCrl, planRevocation, renderCrlDue, revoke } from '../../core/lifecycle/index';
import { unlockLedgerKey, type HeldLedgerKey } from '../../core/line/ledger-key';
import { REVOCATION_REASONS, stationCrl } from '../../core/pki/index';
import { optBool, optInt, optString, positional, reqString } from '../args';
import { CliCodes } from '../codes';
import { checkOutputFile, writeOutputFile } from '../files';
import { OPERATOR_OPTION, operatorFrom } from '../operator';
import type { CliCommand } from '../types';
import { keySecret, PIN, pinFrom, withSigningKey } from './authority';
import { ledgerDir } from './ledger';

const REASONS = Object.keys(REVOCATION_REASONS).join(', ');

export const revokeCommand: CliCommand = {
  name: 'revoke',
  summary: 'revoke a certificate this station issued (a device, or a subordinate CA it signed): recorded in the ledger',
  usage: '<device-id|serial> --reason <reason> [--serial | --device] [--replaced-by <serial>]',
  description: `A device ID revokes every certificate of that device not revoked yet. Reasons (RFC 5280): ${REASONS}. `
    + 'The CRL that lists it is made with `custodian crl`; the hub hand-over with `custodian hub export`.',
  positionals: { min: 1, max: 1 },
  options: {
    reason: { type: 'string', valueName: '<reason>', description: `why (required): ${REASONS}` },
    serial: { type: 'boolean', description: 'read the argument only as a certificate serial' },
    device: { type: 'boolean', description: 'read the argument only as a device ID' },
    'replaced-by': { type: 'string', valueName: '<serial>', description: 'the serial of the certificate that replaces it' },
    ...PIN,
    ...OPERATOR_OPTION,
  },
  async run(ctx) {
    const target = positional(ctx, 0, 'device ID or serial');
    const reason = reqString(ctx, 'reason');
    if (optBool(ctx, 'serial') && optBool(ctx, 'device')) throw new CustodianError(CliCodes.USAGE, 'give --serial or --device, not both', { options: ['serial', 'device'] });
    const by = optBool(ctx, 'serial') ? 'serial' as const : optBool(ctx, 'device') ? 'device' as const : undefined;
    const replacedBy = optString(ctx, 'replaced-by');
    const req = { target, reason, operator: operatorFrom(ctx), ...(by ? { by } : {}), ...(replacedBy !== undefined ? { replacedBy } : {}) };
    const ledger = Ledger.open({ dir: ledgerDir(ctx) });
    let key: HeldLedgerKey | null = null;
    try {
      if (ledger.openReport.tornTail) ctx.warn(ledger.openReport.tornTail.message);
      planRevocation(ledger, req); // refused before a secret is asked
      if (ledger.keyLocked) {
        const a = Authority.open({ home: ctx.home });
        key = await unlockLedgerKey(ledger, a.secretKind, await keySecret(ctx, a));
      }
      const done = await revoke(ledger, req);
      const data = {
        revoked: done.map((r) => ({ index: r.index, serialHex: r.record.serialHex, subject: r.record.subject, deviceId: r.record.deviceId ?? null, reason: r.record.reason, revokedAt: r.record.revokedAt, operator: r.record.operator, replacedBy: r.record.replacedBy ?? null })),
        checkpointed: done.every((r) => r.checkpoint !== undefined),
      };
      return {
        data,
        human: [
          ...done.map((r) => `revoked ${r.record.subject === 'ca' ? 'subordinate CA' : `device ${r.record.deviceId}`} serial ${r.record.serialHex} (${r.record.reason}), ledger entry ${r.index}`),
          data.checkpointed ? 'recorded and covered by a signed checkpoint' : 'recorded; the checkpoint that covers it is signed at the next unlock',
          'Next: `custodian crl --out <file>` for a CRL that lists it, `custodian hub export <dir>` for the hub.',
        ],
      };
    } finally {
      ledger.close();
      await key?.close();
    }
  },
};

export const crlCommand: CliCommand = {
  name: 'crl',
  summary: 'issue the next CRL of this station\'s CA (RFC 5280 v2) from the revocations in the ledger',
  usage: '--out <file> [--days N] [--der] [--issuer <fingerprint>]',
  options: {
    out: { type: 'string', valueName: '<file>', description: 'where to write the CRL (required; PEM unless --der)' },
    der: { type: 'boolean', description: 'write DER instead of PEM' },
    days: { type: 'string', valueName: 'N', description: `days to nextUpdate (default ${stationCrl.nextUpdate.defaultDays}, max ${stationCrl.nextUpdate.maxDays})` },
    force: { type: 'boolean', description: 'replace the output file if it exists' },
    issuer: { type: 'string', valueName: '<sha256>', description: 'the CRL of a CA this station retired in a rollover (its fingerprint, or its first 8+ hex digits; `authority show` lists them), signed with that CA\'s kept key' },
    ...PIN,
    ...OPERATOR_OPTION,
  },
  async run(ctx) {
    const out = reqString(ctx, 'out');
    const days = optInt(ctx, 'days', { min: 1, max: stationCrl.nextUpdate.maxDays });
    const operator = operatorFrom(ctx);
    const retired = optString(ctx, 'issuer');
    const force = optBool(ctx, 'force');
    checkOutputFile(ctx, out, force); // a CRL number is spent only on a CRL that can be written
    return withSigningKey(ctx, async (a, ledger) => {
      // A retired CA's CRL is signed with its own kept key, unlocked with its own secret for this signature only.
      const held = retired === undefined ? null : await a.unlockRetired(retired, a.retiredSecretKind(retired) === 'pin'
        ? await pinFrom(ctx, `the token holding the retired CA key ${retired}`)
        : await ctx.passphrase({ purpose: `the retired CA key ${retired}` }));
      try {
        const issuer = held ?? a.issuer();
        // Recorded before the file is written (temp file in its folder, then rename): every CRL that leaves the station is in the ledger.
        const c = await issueCrl(ledger, { issuer: { certificate: issuer.certificate, privateKey: issuer.privateKey }, operator, ...(days !== undefined ? { nextUpdateDays: days } : {}) });
        let file: string;
        try {
          file = writeOutputFile(ctx, out, optBool(ctx, 'der') ? c.der : c.pem, force);
        } catch (e) {
          if (!isCustodianError(e)) throw e;
          throw new CustodianError(e.code, `CRL ${c.crlNumber} is recorded (ledger entry ${c.index}) but its file was not written: ${e.message}. The ledger's crl record holds that CRL; the next run issues CRL ${c.crlNumber + 1n}`, {
            ...e.details, crlNumber: c.crlNumber.toString(), index: c.index,
          });
        }
        const due = crlDue(ledger.record(c.index) as Parameters<typeof crlDue>[0], new Date());
        if (due) ctx.warn(renderCrlDue(due));
        const data = {
          due: due !== null,
          crlNumber: c.crlNumber.toString(), thisUpdate: c.thisUpdate.toISOString(), nextUpdate: c.nextUpdate.toISOString(),
          revoked: c.entries.map((e) => ({ serialHex: e.serialHex, reason: e.reason, revokedAt: e.revokedAt.toISOString() })), index: c.index, file,
        };
        const who = held ? `retired CA ${retired}` : (a.metadata?.subject.commonName ?? '?');
        return { data, human: [`CRL ${data.crlNumber} of ${who}: ${c.entries.length} revoked, next update ${data.nextUpdate}`, `  ${file}`, `  ledger entry ${c.index}`] };
      } finally {
        await held?.release();
      }
    });
  },
};
