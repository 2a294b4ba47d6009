/** Validation of the CA names an operator types (CN, O). */
import { CustodianError } from '../errors';
import { AuthorityCodes } from './codes';

export interface CaSubject {
  commonName: string;
  organization?: string;
}

function checkField(name: string, value: string): void {
  if (value.length === 0 || value.length > 64 || value.trim() !== value || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new CustodianError(AuthorityCodes.BAD_INPUT, `${name} must be 1–64 characters, without control characters or surrounding spaces`, { field: name });
  }
}

export function checkSubject(s: CaSubject): CaSubject {
  checkField('commonName', s.commonName);
  if (s.organization !== undefined) checkField('organization', s.organization);
  return s.organization !== undefined ? { commonName: s.commonName, organization: s.organization } : { commonName: s.commonName };
}

export function subjectText(s: CaSubject): string {
  return `CN=${s.commonName}${s.organization !== undefined ? `, O=${s.organization}` : ''}`;
}

export function checkDays(days: number, what = 'days'): number {
  if (!Number.isInteger(days) || days < 1) throw new CustodianError(AuthorityCodes.BAD_INPUT, `${what} must be a positive whole number of days`, { days });
  return days;
}

export function checkPathLen(pathLen: number | null): number | null {
  if (pathLen === null) return null;
  if (!Number.isInteger(pathLen) || pathLen < 0 || pathLen > 8) {
    throw new CustodianError(AuthorityCodes.BAD_INPUT, 'pathLen must be a whole number from 0 to 8', { pathLen });
  }
  return pathLen;
}
