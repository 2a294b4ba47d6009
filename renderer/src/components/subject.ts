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

export function subjectValid(s: SubjectInput): boolean {
  const cn = s.commonName.trim();
  return cn.length > 0 && cn.length <= 64 && s.organization.trim().length <= 64;
}
