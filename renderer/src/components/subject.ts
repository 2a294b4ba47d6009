/** Subject fields of a CA certificate being created, as typed in the form. */
export interface SubjectInput {
  commonName: string;
  organization: string;
  organizationalUnit: string;
  country: string;
}

/** Only the filled-in fields, as the station API takes them. */
export function subjectArg(s: SubjectInput) {
  return {
    commonName: s.commonName.trim(),
    ...(s.organization.trim() ? { organization: s.organization.trim() } : {}),
    ...(s.organizationalUnit.trim() ? { organizationalUnit: s.organizationalUnit.trim() } : {}),
    ...(s.country.trim() ? { country: s.country.trim().toUpperCase() } : {}),
  };
}

export function emptySubject(commonName = ''): SubjectInput {
  return { commonName, organization: '', organizationalUnit: '', country: '' };
}

export function subjectValid(s: SubjectInput): boolean {
  const c = s.country.trim();
  return s.commonName.trim().length > 0 && s.commonName.trim().length <= 64 && (c === '' || /^[A-Za-z]{2}$/.test(c));
}
