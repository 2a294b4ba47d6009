/**
 * Whether a CA certificate states that its station signs devices only under
 * signed work orders: the certificate policy Oid.workOrdersRequired, put there
 * by the upstream custodian that signed it (`authority sign-subordinate
 * --require-work-orders`, docs/work-orders.md §Enforcement).
 */
import type { CertificateFacts } from './certificate-facts';
import { Oid } from './oids';

export function caRequiresWorkOrders(ca: Pick<CertificateFacts, 'certificatePolicies'>): boolean {
  return ca.certificatePolicies?.includes(Oid.workOrdersRequired) === true;
}
