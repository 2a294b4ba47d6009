/**
 * A device driver: how the station reaches one kind of device behind a
 * serial port. The workflow sees only the DeviceClient a driver opens; the
 * framing (Custodian frames, nRF91 AT lines) stays inside the driver.
 */
import type { DeviceClient } from './client';
import type { Transport } from './transport';

export interface SerialSettings {
  baud: number;
  /** RTS/CTS hardware flow control. */
  rtscts: boolean;
}

export interface AttachOptions {
  /** Line rate, for wire-time allowances in timeouts (ptys ignore the real setting). */
  baud?: number;
  signal?: AbortSignal;
  /**
   * Device identity public keys the brand owner supplied (SPKI DER, keyed by
   * the device's identity as its driver names it: the nRF91's UUID), for
   * drivers whose devices attest their new keys.
   */
  identityKeys?: ReadonlyMap<string, Uint8Array>;
}

export interface DeviceDriver {
  /** `custodian`, `nrf91`: what `--driver` and the ledger call it. */
  readonly name: string;
  /** For people: "Custodian protocol", "Nordic nRF91 modem (AT)". */
  readonly title: string;
  /** The port settings its devices use unless told otherwise. */
  readonly serial: SerialSettings;
  /**
   * Start a session with the device behind `transport` (opened by the
   * caller). The returned client's close() closes the transport; pass a
   * leased transport (leaseTransport) to keep the port open after it.
   */
  attach(transport: Transport, opts?: AttachOptions): Promise<DeviceClient>;
  /**
   * Whether a device of this kind answers on `transport`. Sends only what a
   * device of any other kind known to the station ignores or refuses without
   * acting on it, and leaves the link as it found it.
   */
  probe(transport: Transport, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<boolean>;
}
