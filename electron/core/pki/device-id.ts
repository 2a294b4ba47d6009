/**
 * Device ID rules. The device ID becomes the leaf certificate's CN, and the
 * hub/DPS matches it exactly, so the station refuses IDs the service would
 * refuse (or would treat differently, e.g. case). Both rules are allow-lists
 * of printable ASCII: control, bidirectional and invisible format characters
 * are refused by construction, and an ID refused for one is reported with
 * that character escaped.
 */
import { CustodianError } from '../errors';
import { codePointLabel, escapeUnsafe, isUnsafeCharacter } from '../../shared/unsafe-text';
import { PkiCodes } from './codes';

export type DeviceIdRuleName = 'dps' | 'iothub';

export interface DeviceIdRule {
  name: DeviceIdRuleName;
  description: string;
  /** Every character allowed anywhere in the ID. */
  allowedChars: string;
  /** Characters allowed as the first character (`undefined` = any allowed char). */
  allowedFirstChars?: string;
  /** Characters allowed as the last character (`undefined` = any allowed char). */
  allowedLastChars?: string;
  minLength: number;
  maxLength: number;
  caseSensitive: boolean;
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const DIGITS = '0123456789';

export const DEVICE_ID_RULES: Readonly<Record<DeviceIdRuleName, DeviceIdRule>> = {
  dps: {
    name: 'dps',
    // Azure: alphanumerics and : . _ -, "no special characters allowed at start or end" (DPS REST, individual enrollment id).
    description: 'DPS registration ID: lower-case alphanumerics and . _ : -, at most 64 characters, starting and ending with an alphanumeric',
    allowedChars: `${LOWER}${DIGITS}._:-`,
    allowedFirstChars: `${LOWER}${DIGITS}`,
    allowedLastChars: `${LOWER}${DIGITS}`,
    minLength: 1,
    maxLength: 64,
    caseSensitive: true,
  },
  iothub: {
    name: 'iothub',
    description: "IoT Hub device ID: case-sensitive ASCII letters, digits and - . % _ * ? ! ( ) , : = @ $ ', at most 128 characters",
    allowedChars: `${UPPER}${LOWER}${DIGITS}-.%_*?!(),:=@$'`,
    minLength: 1,
    maxLength: 128,
    caseSensitive: true,
  },
};

export type DeviceIdProblem =
  | { reason: 'not-a-string' }
  | { reason: 'too-short'; length: number; minLength: number }
  | { reason: 'too-long'; length: number; maxLength: number }
  | { reason: 'bad-character'; index: number; char: string }
  | { reason: 'bad-first-character'; char: string }
  | { reason: 'bad-last-character'; char: string };

/** The first problem with `id` under `rule`, or `undefined` if it is valid. */
export function checkDeviceId(id: unknown, rule: DeviceIdRuleName = 'dps'): DeviceIdProblem | undefined {
  const r = DEVICE_ID_RULES[rule];
  if (typeof id !== 'string') return { reason: 'not-a-string' };
  if (id.length < r.minLength) return { reason: 'too-short', length: id.length, minLength: r.minLength };
  if (id.length > r.maxLength) return { reason: 'too-long', length: id.length, maxLength: r.maxLength };
  for (let i = 0; i < id.length; i++) {
    const c = id[i]!;
    if (!r.allowedChars.includes(c)) return { reason: 'bad-character', index: i, char: c };
  }
  const first = id[0]!;
  if (r.allowedFirstChars !== undefined && !r.allowedFirstChars.includes(first)) return { reason: 'bad-first-character', char: first };
  const last = id[id.length - 1]!;
  if (r.allowedLastChars !== undefined && !r.allowedLastChars.includes(last)) return { reason: 'bad-last-character', char: last };
  return undefined;
}

/** Returns `id` unchanged if valid; throws DEVICE_ID_INVALID with the reason in `details`. */
export function validateDeviceId(id: string, rule: DeviceIdRuleName = 'dps'): string {
  if (!(rule in DEVICE_ID_RULES)) {
    throw new CustodianError(PkiCodes.DEVICE_ID_INVALID, `unknown device ID rule ${String(rule)}`, { rule });
  }
  const problem = checkDeviceId(id, rule);
  if (problem) {
    // The ID came from a device: shown with its control and format characters escaped, never raw.
    const shown = typeof id === 'string' ? `"${escapeUnsafe(id.slice(0, 140))}"` : typeof id;
    const what = problem.reason === 'bad-character' || problem.reason === 'bad-first-character' || problem.reason === 'bad-last-character'
      ? `${problem.reason} ${isUnsafeCharacter(problem.char) ? codePointLabel(problem.char.codePointAt(0)!) : `"${problem.char}"`}`
      : problem.reason;
    throw new CustodianError(PkiCodes.DEVICE_ID_INVALID, `device ID ${shown} is invalid under the ${rule} rule: ${what}`, {
      rule,
      ...problem,
      ...('char' in problem ? { char: escapeUnsafe(problem.char), codePoint: `U+${problem.char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` } : {}),
    });
  }
  return id;
}
