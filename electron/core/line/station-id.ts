/** The station's ledger identity when none is configured. */
import { hostname } from 'node:os';

/** A ledger station ID from the host name: lower-case letters, digits and dashes. */
export function defaultStationId(): string {
  return hostname().toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48) || 'station';
}
