/** `custodian authority …`: the station's CA ceremonies (docs/ceremonies.md). */
import type { CommandGroup } from '../types';

export const authorityCommands: CommandGroup = {
  kind: 'group',
  name: 'authority',
  summary: "manage this station's certificate authority (root, request, sign, import, export)",
  commands: [],
};
