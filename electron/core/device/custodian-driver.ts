/**
 * The driver for devices speaking Custodian's own serial protocol
 * (docs/device-protocol.md): frames, BATCH, chunked objects and read-back
 * planning all stay in ProtocolDeviceClient.
 */
import type { DeviceDriver } from './driver';
import { ProtocolDeviceClient, type DeviceClientOptions } from './protocol-client';
import { leaseTransport } from './transport';

/** How long a probe waits for HELLO's answer. */
const PROBE_HELLO_MS = 400;

export function custodianDriver(client: DeviceClientOptions = {}): DeviceDriver {
  return {
    name: 'custodian',
    title: 'Custodian protocol',
    serial: { baud: 115_200, rtscts: false },
    attach: (transport, opts = {}) => ProtocolDeviceClient.start(transport, { ...client, ...(opts.baud !== undefined ? { baud: opts.baud } : {}) }),
    // HELLO is a binary frame no AT command line starts with: an AT modem answers it ERROR, if at all, and does nothing.
    async probe(transport, opts) {
      let c: ProtocolDeviceClient | null = null;
      try {
        c = await ProtocolDeviceClient.start(leaseTransport(transport), { ...client, timeouts: { HELLO: Math.min(opts.timeoutMs, PROBE_HELLO_MS) } });
        return true;
      } catch {
        return false;
      } finally {
        await c?.close().catch(() => undefined);
      }
    },
  };
}
