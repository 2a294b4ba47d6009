/**
 * The command registry. To add a command: write a module in this folder that
 * exports a `CliCommand` (or a `CommandGroup` with `kind: 'group'`), import it
 * here and add ONE line to `registry`. Keep the list alphabetical-ish; the
 * order is the order of `custodian --help`.
 */
import type { RegistryEntry } from '../types';
import { auditCommand } from './audit';
import { authorityCommands } from './authority';
import { demoCommand } from './demo';
import { hubCommands } from './hub';
import { ledgerCommands } from './ledger';
import { provisionCommand } from './provision';
import { crlCommand, revokeCommand } from './revoke';
import { simulateCommand } from './simulate';
import { workOrderCommands } from './work-order';

export const registry: readonly RegistryEntry[] = [
  auditCommand,
  authorityCommands,
  crlCommand,
  demoCommand,
  hubCommands,
  ledgerCommands,
  provisionCommand,
  revokeCommand,
  simulateCommand,
  workOrderCommands,
];
