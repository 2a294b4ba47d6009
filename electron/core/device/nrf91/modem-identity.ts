/**
 * Who an nRF91 modem says it is: the IMEI (`AT+CGSN`), the modem firmware
 * (`AT+CGMR`) and the device UUID (`AT%DEVICEUUID`, nRF91x1 modem firmware
 * 2.0 and later; `AT%XMODEMUUID` is the firmware build's UUID, not the
 * device's), parsed strictly, and the device ID the station's template makes
 * of them. A line that is not the answer (an application's log line on a
 * shared UART) is passed over, never taken for it.
 */
import { CustodianError } from '../../errors';
import { Nrf91ErrorCodes } from './codes';

/** The Luhn check digit over the first 14 digits (3GPP TS 23.003 Annex B). */
export function luhnValid(digits: string): boolean {
  if (!/^[0-9]+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** `+CGSN: "<imei>"` (AT+CGSN=1) or a bare line of digits (AT+CGSN): 15 digits, Luhn-valid. */
export function parseImei(lines: readonly string[]): string {
  const IMEI_LINE = /^(?:\+CGSN: ?"([0-9]*)"|([0-9]+))$/;
  const line = (lines.find((l) => IMEI_LINE.test(l.trim())) ?? lines.find((l) => l.trim() !== '') ?? '').trim();
  const m = IMEI_LINE.exec(line);
  const imei = m?.[1] ?? m?.[2];
  if (imei === undefined || imei.length !== 15) {
    throw new CustodianError(Nrf91ErrorCodes.NRF91_IMEI_INVALID, 'the modem did not report a 15-digit IMEI', { line: line.slice(0, 64) });
  }
  if (!luhnValid(imei)) {
    throw new CustodianError(Nrf91ErrorCodes.NRF91_IMEI_INVALID, `the IMEI ${imei} fails its Luhn check digit: the modem's identity is corrupt`, { imei });
  }
  return imei;
}

export interface ModemFirmware {
  /** As reported, e.g. `mfw_nrf9160_1.3.5`, `mfw_nrf91x1_2.0.2`. */
  text: string;
  /** The family part: `nrf9160`, `nrf91x1`. */
  family: string;
  version: readonly [number, number, number];
}

/** `mfw_<family>_<major>.<minor>.<patch>[suffix]`, as Nordic's modem firmware names itself. */
export function parseModemFirmware(lines: readonly string[]): ModemFirmware {
  const text = (lines.find((l) => l.trim().startsWith('mfw')) ?? lines.find((l) => l.trim() !== '') ?? '').trim();
  if (/^mfw-pti_/.test(text)) {
    // The production test image (PTI) is for RF certification and line testing, not for devices that ship.
    throw new CustodianError(Nrf91ErrorCodes.NRF91_FIRMWARE_UNKNOWN, `the modem runs the production test image ${text.slice(0, 64)}: flash a release modem firmware (mfw_…) before provisioning`, {
      firmware: text.slice(0, 64),
      reason: 'test-image',
    });
  }
  const m = /^mfw_(nrf91[0-9a-z]*)_([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})(?:[-_.][0-9A-Za-z._-]{1,32})?$/.exec(text);
  if (!m) throw new CustodianError(Nrf91ErrorCodes.NRF91_FIRMWARE_UNKNOWN, `the modem firmware "${text.slice(0, 64)}" is not a Nordic modem firmware name`, { firmware: text.slice(0, 64) });
  return { text, family: m[1]!, version: [Number(m[2]), Number(m[3]), Number(m[4])] };
}

export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

export const formatVersion = (v: readonly number[]): string => v.join('.');

/** Refuses a modem firmware older than `min` (NRF91_FIRMWARE_TOO_OLD). */
export function assertMinimumFirmware(fw: ModemFirmware, min: readonly [number, number, number]): void {
  if (compareVersions(fw.version, min) < 0) {
    throw new CustodianError(
      Nrf91ErrorCodes.NRF91_FIRMWARE_TOO_OLD,
      `the modem runs firmware ${fw.text}; this station needs ${formatVersion(min)} or later (AT%KEYGEN and the credential commands it uses)`,
      { firmware: fw.text, minimum: formatVersion(min) },
    );
  }
}

/** `%DEVICEUUID: <uuid>`: the 8-4-4-4-12 form, lower-cased. */
export function parseDeviceUuid(lines: readonly string[]): string {
  const line = lines.find((l) => l.trim().startsWith('%DEVICEUUID:'))?.trim() ?? '';
  const m = /^%DEVICEUUID: ?"?([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})"?$/.exec(line);
  if (!m) throw new CustodianError(Nrf91ErrorCodes.NRF91_UUID_INVALID, 'the modem did not report a UUID in 8-4-4-4-12 form', { line: line.slice(0, 64) });
  return m[1]!.toLowerCase();
}

/** The placeholders a device-ID template may use. */
export interface ModemNames {
  imei: string;
  uuid?: string;
}

/**
 * The device ID for a modem from the station's template: `{imei}` and
 * `{uuid}` are replaced, nothing else is special (`nrf-{imei}` → `nrf-352656100123456`).
 * The result still goes through the station's CN rules.
 */
export function deviceIdFromTemplate(template: string, names: ModemNames): string {
  if (!template.includes('{imei}') && !template.includes('{uuid}')) {
    throw new CustodianError(Nrf91ErrorCodes.NRF91_DEVICE_ID_TEMPLATE, `the nRF91 device-ID template "${template}" names neither {imei} nor {uuid}: every modem would get the same ID`, { template });
  }
  if (template.includes('{uuid}') && names.uuid === undefined) {
    throw new CustodianError(Nrf91ErrorCodes.NRF91_DEVICE_ID_TEMPLATE, 'the nRF91 device-ID template uses {uuid}, but this modem firmware reports no UUID', { template });
  }
  return template.replaceAll('{imei}', names.imei).replaceAll('{uuid}', names.uuid ?? '');
}
