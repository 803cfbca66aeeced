import { describe, expect, it } from 'vitest';
import { createDatabase, type UnlinkedDevice } from '../src/index.js';

function unlinked(devpath: string): UnlinkedDevice {
  return {
    devpath,
    syspath: `/sys${devpath}`,
    sysname: devpath.slice(devpath.lastIndexOf('/') + 1),
    subsystem: undefined,
    devtype: undefined,
    driver: undefined,
    devnode: undefined,
    devnum: undefined,
    properties: {},
    tags: [],
    symlinks: [],
  };
}

describe('createDatabase', () => {
  const db = createDatabase(
    'export',
    [
      '/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0',
      '/devices/pci0000:00/0000:00:14.0/usb1',
      '/devices/pci0000:00/0000:00:14.0/usb1/1-1',
      '/devices/pci0000:00/0000:00:14.0/usb1/1-10',
      '/devices/virtual/tty/tty1',
      '/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/ttyUSB0/tty/ttyUSB0',
    ].map(unlinked),
  );

  it('sorts by devpath, parents before children', () => {
    expect(db.devices.map((d) => d.devpath)).toEqual([
      '/devices/pci0000:00/0000:00:14.0/usb1',
      '/devices/pci0000:00/0000:00:14.0/usb1/1-1',
      '/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0',
      '/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/ttyUSB0/tty/ttyUSB0',
      '/devices/pci0000:00/0000:00:14.0/usb1/1-10',
      '/devices/virtual/tty/tty1',
    ]);
  });

  it('links each device to its nearest ancestor in the set, not to a name prefix', () => {
    const parents = Object.fromEntries(db.devices.map((d) => [d.sysname, d.parent]));
    expect(parents).toEqual({
      usb1: undefined,
      '1-1': '/devices/pci0000:00/0000:00:14.0/usb1',
      '1-10': '/devices/pci0000:00/0000:00:14.0/usb1',
      '1-1:1.0': '/devices/pci0000:00/0000:00:14.0/usb1/1-1',
      ttyUSB0: '/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0',
      tty1: undefined,
    });
  });

  it('looks devices, parents and ancestors up', () => {
    const tty = db.get('/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/ttyUSB0/tty/ttyUSB0');
    if (tty === undefined) throw new Error('no tty');
    expect(db.parentOf(tty)?.sysname).toBe('1-1:1.0');
    expect(db.ancestorsOf(tty).map((d) => d.sysname)).toEqual(['1-1:1.0', '1-1', 'usb1']);
    const root = db.get('/devices/virtual/tty/tty1');
    if (root === undefined) throw new Error('no tty1');
    expect(db.parentOf(root)).toBeUndefined();
    expect(db.ancestorsOf(root)).toEqual([]);
    expect(db.get('/devices/nowhere')).toBeUndefined();
  });

  it('rejects a duplicate devpath', () => {
    expect(() => createDatabase('udev', [unlinked('/devices/x'), unlinked('/devices/x')])).toThrow(
      'duplicate device /devices/x',
    );
  });

  it('links 10,000 devices to their nearest ancestors', () => {
    const devpaths: string[] = [];
    for (let bus = 0; bus < 100; bus++) {
      for (let port = 0; port < 25; port++) {
        const device = `/devices/pci0000:00/usb${bus}/${bus}-${port}`;
        devpaths.push(device, `${device}/${bus}-${port}:1.0`, `${device}/${bus}-${port}:1.0/x`);
        devpaths.push(`${device}/${bus}-${port}:1.0/x/input/event${bus * 25 + port}`);
      }
    }
    const big = createDatabase('udev', devpaths.map(unlinked));
    let depth = 0;
    for (const device of big.devices) depth += big.ancestorsOf(device).length;
    expect(big.devices).toHaveLength(10_000);
    expect(depth).toBe(2500 * (0 + 1 + 2 + 3));
  });
});
