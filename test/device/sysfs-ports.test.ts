import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sysfsPortList } from '../../electron/core/device/sysfs-ports';
import { systemPortLister } from '../../electron/core/device/serial-transport';

/** A sysfs tree as Linux lays it out: class/tty links into devices/, USB attributes on the USB device. */
function fakeSys(): string {
  const sys = mkdtempSync(join(tmpdir(), 'sysfs-'));
  const put = (p: string, text: string) => { mkdirSync(join(sys, p, '..'), { recursive: true }); writeFileSync(join(sys, p), `${text}\n`); };
  const usb = 'devices/pci0000:00/0000:00:14.0/usb1/1-2';
  put(`${usb}/idVendor`, '10C4');
  put(`${usb}/idProduct`, 'ea60');
  put(`${usb}/serial`, '0001A2B3');
  put(`${usb}/manufacturer`, 'Silicon Labs');
  mkdirSync(join(sys, usb, '1-2:1.0/ttyUSB0'), { recursive: true });
  const acm = 'devices/pci0000:00/0000:00:14.0/usb1/1-3';
  put(`${acm}/idVendor`, '1915');
  put(`${acm}/idProduct`, '910a');
  mkdirSync(join(sys, acm, '1-3:1.0'), { recursive: true });
  mkdirSync(join(sys, 'devices/platform/serial8250/tty/ttyS3'), { recursive: true });
  mkdirSync(join(sys, 'devices/platform/serial8250'), { recursive: true });
  mkdirSync(join(sys, 'bus/platform/drivers/serial8250'), { recursive: true });
  symlinkSync(join(sys, 'bus/platform/drivers/serial8250'), join(sys, 'devices/platform/serial8250/driver'));
  mkdirSync(join(sys, 'devices/platform/soc/uart0'), { recursive: true });
  mkdirSync(join(sys, 'class/tty/tty0'), { recursive: true }); // a virtual terminal: no device link
  const link = (name: string, to: string) => {
    mkdirSync(join(sys, 'class/tty', name), { recursive: true });
    symlinkSync(join(sys, to), join(sys, 'class/tty', name, 'device'));
  };
  link('ttyUSB0', `${usb}/1-2:1.0`);
  link('ttyACM0', `${acm}/1-3:1.0`);
  link('ttyS3', 'devices/platform/serial8250');
  link('ttyAMA0', 'devices/platform/soc/uart0');
  return sys;
}

describe('serial ports from sysfs (no udev)', () => {
  it('lists USB and real UART ports with their USB identity, and leaves out virtual terminals and serial8250 placeholders', () => {
    expect(sysfsPortList(fakeSys(), '/dev')).toEqual([
      { path: '/dev/ttyACM0', vendorId: '1915', productId: '910a' },
      { path: '/dev/ttyAMA0' },
      { path: '/dev/ttyUSB0', vendorId: '10c4', productId: 'ea60', serialNumber: '0001A2B3', manufacturer: 'Silicon Labs' },
    ]);
  });

  it('answers an empty list where sysfs has no tty class', () => {
    expect(sysfsPortList(mkdtempSync(join(tmpdir(), 'nosys-')))).toEqual([]);
  });

  it('the system lister answers on this machine, with or without udev', async () => {
    await expect(systemPortLister()).resolves.toBeInstanceOf(Array);
  });
});
