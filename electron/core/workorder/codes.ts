/**
 * WORK_ORDER_* codes: signed work orders, the bounds an upstream custodian
 * puts on a station's signing (docs/work-orders.md). Each refusal at import
 * has its own code. Published codes are never renamed or reused.
 */
export const WorkOrderCodes = {
  /** The file is not a CMS SignedData work order, or its JSON does not match the format (unknown fields included). */
  MALFORMED: 'WORK_ORDER_MALFORMED',
  /** The signature or the message digest does not verify: the file was changed after signing. */
  SIGNATURE_INVALID: 'WORK_ORDER_SIGNATURE_INVALID',
  /** The signing certificate does not chain to this station's root (or the chain is expired or broken). */
  SIGNER_UNTRUSTED: 'WORK_ORDER_SIGNER_UNTRUSTED',
  /** The signing certificate chains to the root but lacks the work-order signing EKU (or digitalSignature). */
  SIGNER_NOT_AUTHORIZED: 'WORK_ORDER_SIGNER_NOT_AUTHORIZED',
  /** The work order names other stations or CAs, not this one. */
  WRONG_STATION: 'WORK_ORDER_WRONG_STATION',
  /** The work order's validity window has ended. */
  EXPIRED: 'WORK_ORDER_EXPIRED',
  /** The work order's validity window has not started yet. */
  NOT_YET_VALID: 'WORK_ORDER_NOT_YET_VALID',
  /** The work order allows what the station's own CA cannot give (a leaf lifetime past the CA's, a key type the station refuses). */
  EXCEEDS_CA: 'WORK_ORDER_EXCEEDS_CA',
  /** A different work order with the same ID is already imported. */
  ID_CONFLICT: 'WORK_ORDER_ID_CONFLICT',
  /** No imported work order has that ID. */
  NOT_FOUND: 'WORK_ORDER_NOT_FOUND',
  /** A value given to create or sign a work order is not accepted. */
  BAD_INPUT: 'WORK_ORDER_BAD_INPUT',
  /** This station signs only under a work order (its policy requires one) and the run names none. */
  REQUIRED: 'WORK_ORDER_REQUIRED',
  /** The device (its ID, IMEI or hardware serial) is not on the work order's allow-list. */
  DEVICE_NOT_ALLOWED: 'WORK_ORDER_DEVICE_NOT_ALLOWED',
  /** Every slot of the work order's quota is taken (issued, or held by an intent not yet resolved). */
  QUOTA_EXHAUSTED: 'WORK_ORDER_QUOTA_EXHAUSTED',
} as const;

export type WorkOrderCode = (typeof WorkOrderCodes)[keyof typeof WorkOrderCodes];
