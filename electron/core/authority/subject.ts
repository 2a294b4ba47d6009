/**
 * Validation of the CA names an operator types (CN, O): 1–64 characters, no
 * surrounding spaces (AUTHORITY_BAD_INPUT), and no control, bidirectional or
 * invisible format character (PROFILE_UNSAFE_NAME_CHARACTER, naming the attribute).
 */
import { CustodianError } from '../errors';
import { assertSafeNameValue, sameName } from '../pki/index';
import { AuthorityCodes } from './codes';

export interface CaSubject {
  commonName: string;
  organization?: string;
}

function checkField(name: string, attribute: string, value: string): void {
  if (typeof value === 'string') assertSafeNameValue(attribute, value);
  if (typeof value !== 'string' || value.length === 0 || value.length > 64 || value.trim() !== value) {
    throw new CustodianError(AuthorityCodes.BAD_INPUT, `${name} must be 1–64 characters, without surrounding spaces`, { field: name });
  }
}

export function checkSubject(s: CaSubject): CaSubject {
  checkField('commonName', 'CN', s.commonName);
  if (s.organization !== undefined) checkField('organization', 'O', s.organization);
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

/**
 * Refuse a CA name equal to one above it (pki sameName: RFC 5280 matching,
 * case and space folded): a certificate named like its issuer looks
 * self-issued, and path builders may take it for its own parent.
 * `path` is leaf first, root last; the new name is `path[0]`.
 */
export function assertDistinctNames(path: readonly { subject: string; subjectDer: Uint8Array }[]): void {
  for (let i = 0; i + 1 < path.length; i++) {
    for (let j = i + 1; j < path.length; j++) {
      if (sameName(path[i]!.subjectDer, path[j]!.subjectDer)) {
        throw new CustodianError(
          AuthorityCodes.SUBJECT_DUPLICATES_ISSUER,
          `${path[i]!.subject} has the same name as ${j === i + 1 ? 'its issuer' : 'a CA above its issuer'} (${path[j]!.subject}): a CA must be named differently from every CA above it`,
          { subject: path[i]!.subject, sameAs: path[j]!.subject, level: j - i },
        );
      }
    }
  }
}
