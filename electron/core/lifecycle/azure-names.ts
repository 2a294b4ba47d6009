/**
 * The names Azure accepts for what the hub hand-over names, as data: a name
 * it would refuse is refused at export (HUB_EXPORT_INVALID_NAME), before it
 * reaches a script (where a `}` or `"` would also break the shell's
 * `${HUB:-…}` default). Sources in test/fixtures/azure/hub-handover-schema.json.
 */
import { CustodianError } from '../errors';
import { HubExportCodes } from './codes';

export interface AzureNameRule {
  pattern: RegExp;
  description: string;
}

/** DPS enrollment and registration IDs: alphanumerics and `: . _ -`, at most 128, no special character first or last. */
const ENROLLMENT_ID = /^[A-Za-z0-9](?:[A-Za-z0-9:._-]{0,126}[A-Za-z0-9])?$/;

export const AZURE_NAME_RULES = {
  hub: { pattern: /^[A-Za-z0-9-]{2,49}[A-Za-z0-9]$/, description: 'an IoT hub name: 3–50 letters, digits and hyphens, not ending in a hyphen' },
  dps: { pattern: /^[A-Za-z0-9-]{2,63}[A-Za-z0-9]$/, description: 'a DPS name: 3–64 letters, digits and hyphens, ending in a letter or digit' },
  resourceGroup: { pattern: /^[A-Za-z0-9_().-]{0,89}[A-Za-z0-9_()-]$/, description: 'a resource group name: 1–90 ASCII letters, digits and _ ( ) - ., not ending in a period' },
  enrollmentGroup: { pattern: ENROLLMENT_ID, description: 'an enrollment group ID: 1–128 letters, digits and : . _ -, starting and ending with a letter or digit' },
} as const satisfies Record<string, AzureNameRule>;

export type AzureNameKind = keyof typeof AZURE_NAME_RULES;

export const isEnrollmentId = (id: string): boolean => ENROLLMENT_ID.test(id);

/** HUB_EXPORT_INVALID_NAME for the first given name its rule refuses. */
export function checkAzureNames(names: Partial<Record<AzureNameKind, string | undefined>>): void {
  for (const [kind, value] of Object.entries(names) as [AzureNameKind, string | undefined][]) {
    if (value === undefined) continue;
    const rule = AZURE_NAME_RULES[kind];
    if (!rule.pattern.test(value)) {
      throw new CustodianError(HubExportCodes.INVALID_NAME, `${JSON.stringify(value.slice(0, 140))} is not ${rule.description}`, { option: kind, value: value.slice(0, 140), rule: rule.description });
    }
  }
}
