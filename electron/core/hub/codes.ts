export const HubCodes = {
  /** Mosquitto (the hub stand-in) is not installed on this machine. */
  BROKER_UNAVAILABLE: 'HUB_BROKER_UNAVAILABLE',
  /** The broker did not start or did not listen in time. */
  BROKER_START_FAILED: 'HUB_BROKER_START_FAILED',
  /** The broker refused the device's TLS client certificate or its MQTT connect. */
  DEVICE_REFUSED: 'HUB_DEVICE_REFUSED',
  /** The device connected but its message was not seen under its device ID. */
  MESSAGE_NOT_SEEN: 'HUB_MESSAGE_NOT_SEEN',
} as const;
export type HubCode = (typeof HubCodes)[keyof typeof HubCodes];
