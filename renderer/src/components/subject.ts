import { findUnsafeCharacter } from '../../../electron/shared/unsafe-text';

/** Subject fields of a CA certificate being created, as typed in the form: the CN and O the authority issues. */
export interface SubjectInput {
  commonName: string;
  organization: string;
}

/** Only the filled-in fields, as the station API takes them. */
export function subjectArg(s: SubjectInput) {
  return {
    commonName: s.commonName.trim(),
    ...(s.organization.trim() ? { organization: s.organization.trim() } : {}),
  };
}

export function emptySubject(commonName = ''): SubjectInput {
  return { commonName, organization: '' };
}

/** The station refuses control, bidirectional and invisible format characters in names (PROFILE_UNSAFE_NAME_CHARACTER). */
export function subjectValid(s: SubjectInput): boolean {
  const cn = s.commonName.trim();
  const o = s.organization.trim();
  return cn.length > 0 && cn.length <= 64 && o.length <= 64 && findUnsafeCharacter(cn) === undefined && findUnsafeCharacter(o) === undefined;
}
