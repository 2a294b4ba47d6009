/** Public API of the certificate lifecycle: revocation, CRLs, the hand-over to the hub. */
export * from './codes';
export * from './issued-certificates';
export * from './revocation';
export * from './renewal-revocations';
export * from './crl-issue';
export * from './crl-due';
export * from './hub-export';
