/**
 * Serial ports from Linux sysfs, for machines without udev (containers,
 * minimal images): serialport's own list spawns `udevadm` and fails there.
 * A port is a /sys/class/tty entry backed by a device; VID/PID, serial and
 * manufacturer come from the nearest USB ancestor, as udev would report them.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SerialPortDescriptor } from './serial-transport';

/** Built-in UART placeholders (serial8250 registers 4–32 of them whether or not a UART exists). */
const PLACEHOLDER_DRIVER = 'serial8250';

const readAttr = (dir: string, name: string): string | undefined => {
  try {
    const v = readFileSync(join(dir, name), 'utf8').trim();
    return v === '' ? undefined : v;
  } catch {
    return undefined;
  }
};

function driverOf(deviceDir: string): string | null {
  try {
    return realpathSync(join(deviceDir, 'driver')).split('/').pop() ?? null;
  } catch {
    return null;
  }
}

/** The closest ancestor that is a USB device (has idVendor), or null. */
function usbAncestor(dir: string, sysRoot: string): string | null {
  for (let d = dir; d.startsWith(sysRoot) && d !== sysRoot; d = dirname(d)) {
    if (existsSync(join(d, 'idVendor'))) return d;
  }
  return null;
}

export function sysfsPortList(sysRoot = '/sys', devRoot = '/dev'): SerialPortDescriptor[] {
  const classDir = join(sysRoot, 'class', 'tty');
  let names: string[];
  try {
    names = readdirSync(classDir);
  } catch {
    return [];
  }
  const ports: SerialPortDescriptor[] = [];
  for (const name of names.sort()) {
    let deviceDir: string;
    try {
      deviceDir = realpathSync(join(classDir, name, 'device'));
    } catch {
      continue; // virtual terminals, ptys: no device behind them
    }
    const usb = usbAncestor(deviceDir, realpathSync(sysRoot));
    if (!usb && driverOf(deviceDir) === PLACEHOLDER_DRIVER) continue;
    const d: SerialPortDescriptor = { path: join(devRoot, name) };
    if (usb) {
      const vid = readAttr(usb, 'idVendor');
      const pid = readAttr(usb, 'idProduct');
      const serial = readAttr(usb, 'serial');
      const maker = readAttr(usb, 'manufacturer');
      if (vid) d.vendorId = vid.toLowerCase();
      if (pid) d.productId = pid.toLowerCase();
      if (serial) d.serialNumber = serial;
      if (maker) d.manufacturer = maker;
    }
    ports.push(d);
  }
  return ports;
}
