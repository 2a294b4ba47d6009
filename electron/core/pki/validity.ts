/**
 * Validity windows: whole seconds (what DER can carry), computed from
 * `notBefore + days`, then clamped inside the issuer's window. Clamping is
 * reported, never silent.
 */
import { CustodianError } from '../errors';
import { PkiCodes } from './codes';

const DAY_MS = 86_400_000;

export interface ValidityWindow {
  notBefore: Date;
  notAfter: Date;
  /** True when either end was pulled inside the issuer's window. */
  clamped: boolean;
  clampedFields: ('notBefore' | 'notAfter')[];
}

const floorSecond = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);

export function computeValidity(params: {
  notBefore: Date;
  days: number;
  maxDays: number;
  issuer?: { notBefore: Date; notAfter: Date };
}): ValidityWindow {
  const { days, maxDays } = params;
  if (!(params.notBefore instanceof Date) || Number.isNaN(params.notBefore.getTime())) {
    throw new CustodianError(PkiCodes.PROFILE_INVALID_REQUEST, 'notBefore must be a valid Date', {});
  }
  const year = params.notBefore.getUTCFullYear();
  if (year < 1950 || year > 9000) {
    throw new CustodianError(PkiCodes.PROFILE_INVALID_REQUEST, 'notBefore must fall between 1950 and 9000', { notBefore: params.notBefore.toISOString() });
  }
  if (!Number.isInteger(days) || days < 1 || days > maxDays) {
    throw new CustodianError(PkiCodes.PROFILE_INVALID_REQUEST, `days must be an integer from 1 to ${maxDays}`, { days, maxDays });
  }
  let notBefore = floorSecond(params.notBefore);
  let notAfter = new Date(notBefore.getTime() + days * DAY_MS);
  const clampedFields: ('notBefore' | 'notAfter')[] = [];
  if (params.issuer) {
    if (notBefore < params.issuer.notBefore) {
      notBefore = floorSecond(params.issuer.notBefore);
      clampedFields.push('notBefore');
    }
    if (notAfter > params.issuer.notAfter) {
      notAfter = floorSecond(params.issuer.notAfter);
      clampedFields.push('notAfter');
    }
  }
  if (notAfter <= notBefore) {
    throw new CustodianError(PkiCodes.PROFILE_VALIDITY_EMPTY, 'the requested validity does not overlap the issuer validity', {
      notBefore: notBefore.toISOString(),
      notAfter: notAfter.toISOString(),
    });
  }
  return { notBefore, notAfter, clamped: clampedFields.length > 0, clampedFields };
}
