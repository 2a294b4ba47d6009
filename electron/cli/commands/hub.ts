/**
 * `custodian hub export <dir>`: the hand-over files for Azure IoT Hub / DPS
 * (docs/lifecycle.md §Azure hand-over). Reads the CA chain and the ledger;
 * needs no key and no network.
 */
import { Authority } from '../../core/authority/index';
import { CustodianError } from '../../core/errors';
import { Ledger } from '../../core/ledger/index';
import { buildHubExport, writeHubExport } from '../../core/lifecycle/index';
import { optBool, optString, positional } from '../args';
import { CliCodes } from '../codes';
import type { CliCommand, CommandContext, CommandGroup } from '../types';
import { ledgerDir } from './ledger';

function which(ctx: CommandContext, name: string): 'root' | 'station' | undefined {
  const v = optString(ctx, name);
  if (v === undefined || v === 'root' || v === 'station') return v;
  throw new CustodianError(CliCodes.USAGE, `--${name} must be root or station`, { option: name, value: v });
}

const exportCmd: CliCommand = {
  name: 'export',
  summary: 'write the hand-over to the hub: CA chain, az commands (CA registration with proof of possession, DPS enrollment group), the ImportDevices file, and what to disable for revocations',
  usage: '<dir> [--register-ca root|station] [--group-ca root|station] [--hub <name>] [--dps <name>] [--resource-group <rg>] [--enrollment-group <id>]',
  positionals: { min: 1, max: 1 },
  options: {
    'register-ca': { type: 'string', valueName: 'root|station', description: 'the CA the hub and DPS register, with proof of possession (default root)' },
    'group-ca': { type: 'string', valueName: 'root|station', description: 'the CA the DPS enrollment group trusts (default station)' },
    hub: { type: 'string', valueName: '<name>', description: 'IoT hub name written into the scripts (else $HUB when they run)' },
    dps: { type: 'string', valueName: '<name>', description: 'DPS name written into the scripts (else $DPS)' },
    'resource-group': { type: 'string', valueName: '<rg>', description: 'resource group written into the scripts (else $RG)' },
    'enrollment-group': { type: 'string', valueName: '<id>', description: 'enrollment group ID (default from the group CA\'s name)' },
    force: { type: 'boolean', description: 'write into a folder that is not empty (the files of an earlier export under revoked/ are removed first)' },
  },
  async run(ctx) {
    const dir = ctx.resolvePath(positional(ctx, 0, 'output folder'));
    const a = Authority.open({ home: ctx.home });
    a.assertActive();
    const ledger = Ledger.open({ dir: ledgerDir(ctx), readOnly: true });
    try {
      const opt = (n: string) => optString(ctx, n);
      const registerCa = which(ctx, 'register-ca');
      const groupCa = which(ctx, 'group-ca');
      const e = buildHubExport(ledger, {
        chain: a.chain(),
        ...(registerCa ? { registerCa } : {}), ...(groupCa ? { groupCa } : {}),
        ...(opt('hub') !== undefined ? { hub: opt('hub')! } : {}), ...(opt('dps') !== undefined ? { dps: opt('dps')! } : {}),
        ...(opt('resource-group') !== undefined ? { resourceGroup: opt('resource-group')! } : {}),
        ...(opt('enrollment-group') !== undefined ? { enrollmentGroup: opt('enrollment-group')! } : {}),
      });
      const files = writeHubExport(dir, e, optBool(ctx, 'force'));
      const data = { dir, files, devices: e.devices, revokedDevices: e.revokedDevices, revokedCas: e.revokedCas, stillAccepted: e.stillAccepted, notEnrollable: e.notEnrollable };
      return {
        data,
        human: [
          `hand-over written to ${dir}: ${e.devices} device ID(s), ${e.revokedDevices.length} to disable, ${e.revokedCas.length} revoked CA(s)`,
          ...(e.stillAccepted.length > 0 ? [`  ${e.stillAccepted.length} device(s) with a revoked certificate still accepted by CA authentication: pinned to the live certificate (revoked/still-accepted.txt)`] : []),
          ...(e.notEnrollable.length > 0 ? [`  ${e.notEnrollable.length} device ID(s) DPS cannot enroll (${e.notEnrollable[0]!.code}): revoked/not-enrollable.txt`] : []),
          `  read ${dir}/README.txt for the order to run the scripts in`,
        ],
      };
    } finally {
      ledger.close();
    }
  },
};

export const hubCommands: CommandGroup = {
  kind: 'group',
  name: 'hub',
  summary: 'hand-over files for Azure IoT Hub / DPS',
  commands: [exportCmd],
};
