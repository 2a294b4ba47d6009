export const HubCodes = {
  /** Mosquitto (the hub stand-in) is not installed on this machine. */
  BROKER_UNAVAILABLE: 'HUB_BROKER_UNAVAILABLE',
  /** The broker did not start or did not listen in time. */
  BROKER_START_FAILED: 'HUB_BROKER_START_FAILED',
  /** The broker refused the device's TLS client certificate or its MQTT connect. */
  DEVICE_REFUSED: 'HUB_DEVICE_REFUSED',
  /** The device connected but its message was not seen under its device ID. */
  MESSAGE_NOT_SEEN: 'HUB_MESSAGE_NOT_SEEN',
  /** The device refused the hub: its server certificate does not verify under the trust anchors the device holds. */
  SERVER_UNTRUSTED: 'HUB_SERVER_UNTRUSTED',
} as const;
export type HubCode = (typeof HubCodes)[keyof typeof HubCodes];

/**
 * TRUST_BUNDLE_*: the hub's TLS server roots the station installs into every
 * device (electron/core/hub/trust-bundle.ts). Raised when a station session
 * starts, before any device is touched. Published codes are never renamed or reused.
 */
export const TrustBundleCodes = {
  /** The bundle's manifest, or a PEM file it or the station's settings name, cannot be read. */
  NOT_FOUND: 'TRUST_BUNDLE_NOT_FOUND',
  /** The manifest is malformed, or a PEM file does not hold the certificate(s) it should. */
  INVALID: 'TRUST_BUNDLE_INVALID',
  /** A shipped anchor's SHA-256 fingerprint is not the one its manifest pins (a tampered or replaced file). */
  FINGERPRINT_MISMATCH: 'TRUST_BUNDLE_FINGERPRINT_MISMATCH',
  /** An anchor is not a CA certificate (no basicConstraints with cA true). */
  NOT_CA: 'TRUST_BUNDLE_NOT_CA',
  /** An anchor has expired (or its manifest notAfter is not the certificate's). */
  EXPIRED: 'TRUST_BUNDLE_EXPIRED',
} as const;
export type TrustBundleCode = (typeof TrustBundleCodes)[keyof typeof TrustBundleCodes];
