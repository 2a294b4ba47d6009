/**
 * The driver for Nordic nRF91 modems (nRF9160, nRF9151, nRF9161) over their
 * AT host: 115200 8N1 with RTS/CTS (Nordic's default UART settings for the
 * Serial LTE Modem and at_client).
 */
import { CustodianError } from '../../errors';
import type { DeviceDriver } from '../driver';
import { leaseTransport, type Transport } from '../transport';
import { AtClient } from './at-client';
import { Nrf91DeviceClient, type Nrf91Options } from './nrf91-client';

export interface Nrf91DriverOptions extends Omit<Nrf91Options, 'identityKeys' | 'baud' | 'at'> {
  /** `plain` (Serial LTE Modem, at_client) or `shell` (an nRF Connect SDK shell's `at` command). */
  mode: 'plain' | 'shell';
}

/** How long a probe waits for `AT`'s OK. */
const PROBE_AT_MS = 400;

export function nrf91Driver(o: Nrf91DriverOptions): DeviceDriver {
  return {
    name: 'nrf91',
    title: 'Nordic nRF91 modem (AT commands)',
    serial: { baud: 115_200, rtscts: true },
    attach: (transport, opts = {}) =>
      Nrf91DeviceClient.attach(transport, {
        ...o,
        at: { mode: o.mode },
        ...(opts.baud !== undefined ? { baud: opts.baud } : {}),
        ...(opts.identityKeys ? { identityKeys: opts.identityKeys } : {}),
      }),
    // `AT` (or `at AT` in a shell) asks nothing and changes nothing; a Custodian device's frame reader skips it hunting for a frame start.
    probe: (transport, opts) => answersAt(transport, o.mode, Math.min(opts.timeoutMs, PROBE_AT_MS)),
  };
}

async function answersAt(transport: Transport, mode: 'plain' | 'shell', timeoutMs: number): Promise<boolean> {
  const lease = leaseTransport(transport);
  const at = new AtClient(lease, { mode, timeoutMs, staleGraceMs: timeoutMs });
  try {
    for (let i = 0; i < 2; i++) {
      try {
        await at.send('AT', { name: 'probe' });
        return true;
      } catch (e) {
        // Bytes left on the line make the first `AT` ERROR: the modem is there, ask once more.
        if (!(e instanceof CustodianError) || e.code === 'NRF91_AT_TIMEOUT' || e.code === 'DEVICE_DISCONNECTED') return false;
      }
    }
    return false;
  } finally {
    at.dispose();
    await lease.close();
  }
}
