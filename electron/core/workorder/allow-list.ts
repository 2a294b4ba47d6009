/**
 * Whether a work order's allow-list admits a device: by its device ID (list,
 * range), its modem IMEI (the driver's `imei` fact) or its hardware serial.
 */
import type { DeviceAllowList } from './work-order';

/** What the allow-list is matched against: the device's answer to IDENTIFY. */
export interface DeviceNames {
  deviceId: string;
  hardwareSerial: string;
  facts: Readonly<Record<string, string>>;
}

/** `id` is `prefix` + a number in [from, to], written with exactly `width` digits at least (no other spelling of the same number). */
function inRange(d: Extract<DeviceAllowList, { kind: 'range' }>, id: string): boolean {
  if (!id.startsWith(d.prefix)) return false;
  const digits = id.slice(d.prefix.length);
  if (!/^\d{1,17}$/.test(digits)) return false;
  const k = Number(digits);
  return k >= d.from && k <= d.to && String(k).padStart(d.width, '0') === digits;
}

export function allowListAdmits(d: DeviceAllowList, device: DeviceNames): boolean {
  switch (d.kind) {
    case 'list': return d.ids.includes(device.deviceId);
    case 'range': return inRange(d, device.deviceId);
    case 'imei': return device.facts.imei !== undefined && d.imeis.includes(device.facts.imei);
    case 'serial': return d.serials.includes(device.hardwareSerial);
  }
}

/** What of the device the allow-list looked at, for the operator's message. */
export function allowListKey(d: DeviceAllowList, device: DeviceNames): string {
  switch (d.kind) {
    case 'imei': return `IMEI ${device.facts.imei ?? '(none reported)'}`;
    case 'serial': return `hardware serial ${device.hardwareSerial}`;
    default: return `device ID ${device.deviceId}`;
  }
}
