/**
 * The drivers this station serves ports with, built from its settings (the
 * nRF91's sec_tag, device-ID template and AT mode are policy data there),
 * and the choice of driver for a port: named, remembered for the port's USB
 * IDs, or found by probing.
 */
import { CustodianError } from '../errors';
import { DeviceErrorCodes } from '../device/codes';
import { custodianDriver } from '../device/custodian-driver';
import type { DeviceDriver } from '../device/driver';
import { nrf91Driver } from '../device/nrf91/nrf91-driver';
import type { Transport } from '../device/transport';
import type { Settings } from '../../shared/api/settings';
import { DEFAULT_SETTINGS } from '../../shared/api/settings';
import { DRIVER_NAMES, isDriverName, type DriverChoice, type DriverName } from '../../shared/drivers';

/**
 * How the station opens devices: the workflow verifies CSRs and keys itself
 * (pki readCsr and the device key policy: signature, key; CN = device ID;
 * docs/device-protocol.md §4.4 lists what it reports), so the device client's
 * own CSR and key checks are switched off rather than done twice under other codes.
 */
export const STATION_DEVICE_OPTIONS = { verifyCsr: false, verifyKeys: false } as const;

export type StationDrivers = Readonly<Record<DriverName, DeviceDriver>>;

export function stationDrivers(settings: Pick<Settings, 'drivers'> = DEFAULT_SETTINGS): StationDrivers {
  const n = settings.drivers.nrf91;
  const [a, b, c] = n.minFirmware.split('.').map(Number) as [number, number, number];
  return {
    custodian: custodianDriver(STATION_DEVICE_OPTIONS),
    nrf91: nrf91Driver({ secTag: n.secTag, deviceIdTemplate: n.deviceIdTemplate, mode: n.mode, minFirmware: [a, b, c] }),
  };
}

/** `--driver` / the app's per-port choice as given; anything else is DEVICE_DRIVER_UNKNOWN. */
export function parseDriverChoice(v: unknown): DriverChoice {
  if (v === 'auto' || isDriverName(v)) return v;
  throw new CustodianError(DeviceErrorCodes.DEVICE_DRIVER_UNKNOWN, `unknown device driver ${JSON.stringify(v)}: use ${[...DRIVER_NAMES, 'auto'].join(', ')}`, { driver: v });
}

/** The driver remembered for a port's USB IDs (settings.drivers.byUsb), if any: an exact product first, then the vendor. */
export function rememberedDriver(settings: Pick<Settings, 'drivers'>, usb: { vendorId?: string | null; productId?: string | null }): DriverName | null {
  const vid = usb.vendorId?.toLowerCase();
  if (!vid) return null;
  const pid = usb.productId?.toLowerCase();
  const rules = settings.drivers.byUsb.filter((r) => r.vendorId === vid);
  return (rules.find((r) => r.productId !== undefined && r.productId === pid) ?? rules.find((r) => r.productId === undefined))?.driver ?? null;
}

/** Probe order: the Custodian HELLO first (a binary frame an AT host refuses), then `AT`. */
const PROBE_ORDER: readonly DriverName[] = ['custodian', 'nrf91'];

/**
 * Which driver's device answers on `transport`, probing in turn; null when
 * none does. Each probe sends only what devices of the other kinds ignore.
 */
export async function probeDriver(drivers: StationDrivers, transport: Transport, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<DriverName | null> {
  for (const name of PROBE_ORDER) {
    if (opts.signal?.aborted) return null;
    if (await drivers[name].probe(transport, { timeoutMs: opts.timeoutMs ?? 400, ...(opts.signal ? { signal: opts.signal } : {}) })) return name;
  }
  return null;
}
