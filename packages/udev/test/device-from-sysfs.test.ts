import { describe, expect, it } from 'vitest';
import { parseDbFile } from '../src/db-file.js';
import { deviceFromSysfs } from '../src/device-from-sysfs.js';

describe('deviceFromSysfs (the sd-device rules)', () => {
  it('makes DEVNAME absolute and keeps one that already is', () => {
    const relative = { MAJOR: '189', MINOR: '1', DEVNAME: 'bus/usb/001/002' };
    const device = deviceFromSysfs({
      devpath: '/devices/x/1-1',
      subsystem: 'usb',
      uevent: relative,
      db: undefined,
    });
    expect(device.devnode).toBe('/dev/bus/usb/001/002');
    expect(device.properties.DEVNAME).toBe('/dev/bus/usb/001/002');
    const absolute = { ...relative, DEVNAME: '/dev/bus/usb/001/002' };
    expect(
      deviceFromSysfs({
        devpath: '/devices/x/1-1',
        subsystem: 'usb',
        uevent: absolute,
        db: undefined,
      }).devnode,
    ).toBe('/dev/bus/usb/001/002');
  });

  it('drops MAJOR/MINOR and the device number with a zero or malformed major', () => {
    for (const MAJOR of ['0', 'x']) {
      const device = deviceFromSysfs({
        devpath: '/devices/virtual/misc/x',
        subsystem: 'misc',
        uevent: { MAJOR, MINOR: '5', OTHER: '1' },
        db: undefined,
      });
      expect(device.devnum).toBeUndefined();
      expect(device.properties).toEqual({
        DEVPATH: '/devices/virtual/misc/x',
        SUBSYSTEM: 'misc',
        OTHER: '1',
      });
    }
  });

  it('lists a Q:-only tag among TAGS, as sd-device adds current tags to all tags', () => {
    const db = parseDbFile('G:seat\nQ:seat\nQ:uaccess\nV:1\n', 'x');
    const device = deviceFromSysfs({ devpath: '/devices/x', subsystem: 'x', uevent: {}, db });
    expect(device.tags).toEqual(['seat', 'uaccess']);
    expect(device.properties).toMatchObject({
      TAGS: ':seat:uaccess:',
      CURRENT_TAGS: ':seat:uaccess:',
    });
  });

  it('gives a device without current tags no CURRENT_TAGS, only the sticky TAGS', () => {
    const db = parseDbFile('G:uaccess\nV:1\n', 'x');
    const device = deviceFromSysfs({ devpath: '/devices/x', subsystem: 'x', uevent: {}, db });
    expect(device.tags).toEqual([]);
    expect(device.properties).toEqual({ DEVPATH: '/devices/x', SUBSYSTEM: 'x', TAGS: ':uaccess:' });
  });
});
