export type { DeviceClient, DeviceIdentity, InstalledCredentials, DeviceKeyAlgorithm, DeviceCapability } from './client';
export { DeviceErrorCodes, type DeviceErrorCode } from './codes';
export { crc32 } from './crc32';
export {
  encodeFrame,
  FrameParser,
  FrameDecoderStream,
  MAX_FRAME_PAYLOAD,
  MAX_FRAME_SIZE,
  FRAME_OVERHEAD,
  type Frame,
  type FrameDiagnostic,
  type FrameParserOptions,
} from './frame';
export { wireTimeMs } from './wire';
export { describeSpki, checkDeviceKey } from './keys';
export * from './protocol';
export type { Transport } from './transport';
export { createPipePair, leaseTransport, TransportEvents } from './transport';
export {
  SerialPortTransport,
  listSerialPorts,
  parsePortFilter,
  matchesFilter,
  systemPortLister,
  type SerialPortDescriptor,
  type PortFilter,
  type PortLister,
} from './serial-transport';
export { RequestQueue, type RequestQueueStats } from './frame-requests';
export { Waitress, type WaitOptions } from './waitress';
export { ProtocolDeviceClient, type DeviceClientOptions, type HelloInfo, type DeviceSessionStats } from './protocol-client';
export { openSerialDevice, connectInProcess, waitForDevice, type InProcessEndpoint, type WaitForDeviceOptions } from './connect';
