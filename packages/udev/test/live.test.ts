import { vol } from 'memfs';
import { beforeEach, describe, expect, it, vi } from 'vitest';

// Paths whose next open/readlink fails with the given errno, to play a device vanishing mid-read.
const { failures } = vi.hoisted(() => ({ failures: new Map<string, string>() }));

vi.mock('node:fs', async () => {
  const { fs } = await vi.importActual<typeof import('memfs')>('memfs');
  const failing =
    <A extends unknown[], R>(call: (path: string, ...rest: A) => R) =>
    (path: string, ...rest: A): R => {
      const code = failures.get(path);
      if (code !== undefined) throw Object.assign(new Error(`${code}: ${path}`), { code });
      return call(path, ...rest);
    };
  const api = {
    ...fs,
    openSync: failing(fs.openSync as (path: string, ...rest: unknown[]) => number),
    readlinkSync: failing(fs.readlinkSync as (path: string, ...rest: unknown[]) => string),
  };
  return { default: api, ...api };
});

import { readLiveDatabase, type UdevDevice } from '../src/index.js';
import { DESKTOP, DESKTOP_PATHS } from './support/desktop-tree.js';
import { dbText, writeFakeTree } from './support/fake-tree.js';

const { host, ftdi, ftdiTty, keyboard, keyboardEvent } = DESKTOP_PATHS;

function read(root?: string) {
  const warnings: string[] = [];
  const db = readLiveDatabase({
    ...(root !== undefined && { root }),
    warn: (m) => warnings.push(m),
  });
  return { db, warnings };
}

function device(devpath: string, root?: string): UdevDevice {
  const found = read(root).db.get(devpath);
  if (found === undefined) throw new Error(`no device ${devpath}`);
  return found;
}

beforeEach(() => {
  vol.reset();
  failures.clear();
  writeFakeTree('/', DESKTOP);
});

describe('readLiveDatabase on a udev database', () => {
  it('returns the devices udevd has files for, plus all their ancestors, sorted', () => {
    const { db, warnings } = read();
    expect(warnings).toEqual([]);
    expect(db.source).toBe('udev');
    expect(db.devices.map((d) => d.devpath)).toEqual([
      '/devices/pci0000:00',
      host,
      `${host}/usb1`,
      ftdi,
      `${ftdi}/1-3:1.0`,
      `${ftdi}/1-3:1.0/ttyUSB0`,
      ftdiTty,
      '/devices/platform',
      '/devices/platform/i8042',
      '/devices/platform/i8042/serio0',
      keyboard,
      keyboardEvent,
      '/devices/virtual/block/loop0',
      '/devices/virtual/block/loop1',
      '/devices/virtual/net/lo',
    ]);
  });

  it('builds a character device the way udevadm info shows it', () => {
    expect(device(keyboardEvent)).toEqual({
      devpath: keyboardEvent,
      syspath: `/sys${keyboardEvent}`,
      sysname: 'event0',
      subsystem: 'input',
      devtype: undefined,
      driver: undefined,
      devnode: '/dev/input/event0',
      devnum: { type: 'c', major: 13, minor: 64 },
      properties: {
        DEVPATH: keyboardEvent,
        SUBSYSTEM: 'input',
        DEVNAME: '/dev/input/event0',
        MAJOR: '13',
        MINOR: '64',
        USEC_INITIALIZED: '4668437',
        ID_INPUT: '1',
        ID_INPUT_KEYBOARD: '1',
        ID_SEAT: 'seat1',
        DEVLINKS: '/dev/input/by-path/platform-i8042-serio-0-event-kbd',
        TAGS: ':power-switch:seat1:uaccess:',
        CURRENT_TAGS: ':power-switch:seat1:',
      },
      tags: ['power-switch', 'seat1'],
      symlinks: ['/dev/input/by-path/platform-i8042-serio-0-event-kbd'],
      parent: keyboard,
    });
  });

  it("orders properties like udevadm: kernel's first, MAJOR/MINOR after them, then udev's", () => {
    expect(Object.keys(device('/devices/virtual/block/loop0').properties)).toEqual([
      'DEVPATH',
      'SUBSYSTEM',
      'DEVNAME',
      'DEVTYPE',
      'DISKSEQ',
      'MAJOR',
      'MINOR',
      'USEC_INITIALIZED',
      'SYSTEMD_READY',
      'DEVLINKS',
      'TAGS',
      'CURRENT_TAGS',
    ]);
  });

  it('finds block, bus, class and network devices from their database file names', () => {
    const { db } = read();
    expect(db.get('/devices/virtual/block/loop1')).toMatchObject({
      subsystem: 'block',
      devtype: 'disk',
      devnum: { type: 'b', major: 7, minor: 1 },
      symlinks: ['/dev/disk/by-diskseq/2'],
    });
    expect(db.get(host)).toMatchObject({ subsystem: 'pci', driver: 'xhci_hcd', tags: [] });
    expect(db.get(keyboard)).toMatchObject({ subsystem: 'input', tags: ['seat', 'seat1'] });
    expect(db.get('/devices/virtual/net/lo')).toMatchObject({
      subsystem: 'net',
      devnode: undefined,
      properties: {
        DEVPATH: '/devices/virtual/net/lo',
        SUBSYSTEM: 'net',
        INTERFACE: 'lo',
        IFINDEX: '1',
      },
    });
  });

  it('includes ancestors without a database file, with their kernel properties only', () => {
    expect(device(`${ftdi}/1-3:1.0`)).toMatchObject({
      subsystem: 'usb',
      devtype: 'usb_interface',
      driver: 'ftdi_sio',
      properties: {
        DEVPATH: `${ftdi}/1-3:1.0`,
        SUBSYSTEM: 'usb',
        DEVTYPE: 'usb_interface',
        DRIVER: 'ftdi_sio',
        INTERFACE: '255/255/255',
      },
      tags: [],
      symlinks: [],
    });
  });

  it('gives a device on no bus and in no class no properties, as udevadm does', () => {
    expect(device('/devices/pci0000:00')).toMatchObject({
      subsystem: undefined,
      properties: {},
      parent: undefined,
    });
  });

  it('links each device to its nearest ancestor device', () => {
    const { db } = read();
    const tty = db.get(ftdiTty);
    if (tty === undefined) throw new Error('no tty');
    expect(db.parentOf(tty)?.devpath).toBe(`${ftdi}/1-3:1.0/ttyUSB0`);
    expect(db.ancestorsOf(tty).map((d) => d.devpath)).toEqual([
      `${ftdi}/1-3:1.0/ttyUSB0`,
      `${ftdi}/1-3:1.0`,
      ftdi,
      `${host}/usb1`,
      host,
      '/devices/pci0000:00',
    ]);
    // The `tty` directory between the usb-serial device and the tty is no device.
    expect(db.get(`${ftdi}/1-3:1.0/ttyUSB0/tty`)).toBeUndefined();
  });

  it('reads tags from G: lines in a database file without a version (before systemd 247)', () => {
    vol.writeFileSync(
      '/run/udev/data/c189:2',
      'I:4602811\nE:ID_VENDOR_ID=0403\nG:seat\nG:uaccess\n',
    );
    expect(device(ftdi)).toMatchObject({
      tags: ['seat', 'uaccess'],
      properties: { TAGS: ':seat:uaccess:', ID_VENDOR_ID: '0403' },
    });
    expect(device(ftdi).properties).not.toHaveProperty('CURRENT_TAGS');
  });

  it('reads a database file larger than its read buffer', () => {
    const properties = Object.fromEntries(
      Array.from({ length: 1000 }, (_, n) => [`ID_LONG_${n}`, 'x'.repeat(40)]),
    );
    vol.writeFileSync('/run/udev/data/c189:2', dbText({ properties, tags: ['seat'] }));
    const adapter = device(ftdi);
    expect(adapter.properties.ID_LONG_999).toBe('x'.repeat(40));
    expect(adapter.tags).toEqual(['seat']);
  });

  it('lets an empty E: value unset a property, even a kernel one', () => {
    vol.writeFileSync('/run/udev/data/c189:2', 'E:PRODUCT=\nE:ID_VENDOR_ID=0403\nV:1\n');
    expect(device(ftdi).properties).not.toHaveProperty('PRODUCT');
    expect(device(ftdi).properties).toHaveProperty('ID_VENDOR_ID', '0403');
  });

  it("skips files that are no device's: udevd's temporary files and drivers", () => {
    vol.writeFileSync('/run/udev/data/.#c189:2x8K2d', 'E:HALF=WRITTEN\n');
    vol.writeFileSync('/run/udev/data/+drivers:usb:usb', 'V:1\n');
    vol.writeFileSync('/run/udev/data/+module:usbcore', 'V:1\n');
    const { db, warnings } = read();
    expect(warnings).toEqual([]);
    expect(db.devices).toHaveLength(15);
  });
});

describe('readLiveDatabase while devices come and go', () => {
  it('skips a database file whose device is gone from sysfs', () => {
    vol.writeFileSync('/run/udev/data/c189:9', dbText({ tags: ['seat'] }));
    vol.mkdirSync('/sys/dev/char', { recursive: true });
    vol.symlinkSync('../../devices/virtual/tty/tty5', '/sys/dev/char/4:5');
    vol.writeFileSync('/run/udev/data/c4:5', dbText({}));
    vol.writeFileSync('/run/udev/data/+usb:1-9', dbText({}));
    const { db, warnings } = read();
    expect(warnings).toEqual([]);
    expect(db.devices).toHaveLength(15);
  });

  it.each(['ENOENT', 'ENODEV', 'ENOTDIR'])(
    'skips a device whose uevent read fails with %s',
    (code) => {
      failures.set(`/sys${keyboardEvent}/uevent`, code);
      const { db } = read();
      expect(db.get(keyboardEvent)).toBeUndefined();
      expect(db.get(keyboard)).toBeDefined();
    },
  );

  it('skips a device whose database file vanishes after the directory listing', () => {
    failures.set('/run/udev/data/c188:0', 'ENOENT');
    const { db } = read();
    expect(db.get(ftdiTty)).toBeUndefined();
    // Its ancestors stay only if another device needs them: the usb device has its own file.
    expect(db.get(`${ftdi}/1-3:1.0/ttyUSB0`)).toBeUndefined();
    expect(db.get(ftdi)).toBeDefined();
  });

  it('skips a device whose sysfs link vanishes', () => {
    failures.set('/sys/dev/char/13:64', 'ENOENT');
    expect(read().db.get(keyboardEvent)).toBeUndefined();
  });

  it('treats other errors as fatal: they are no race', () => {
    failures.set(`/sys${keyboardEvent}/uevent`, 'EACCES');
    expect(() => read()).toThrow(`EACCES: /sys${keyboardEvent}/uevent`);
  });

  it('warns about and skips a device with a malformed database or uevent file', () => {
    vol.writeFileSync('/run/udev/data/c13:64', 'I:4668437\nE:ID_INPUT\n');
    vol.writeFileSync(`/sys${host}/usb1/uevent`, 'MAJOR=189\nMINOR=0\nnonsense\n');
    const { db, warnings } = read();
    expect(warnings).toEqual([
      `skipping ${keyboardEvent}: /run/udev/data/c13:64:2: malformed E: line "ID_INPUT"`,
      `skipping ${host}/usb1: /sys${host}/usb1/uevent:3: malformed line "nonsense"`,
    ]);
    expect(db.get(keyboardEvent)).toBeUndefined();
    expect(db.get(keyboard)).toBeDefined();
    // Not retried as an ancestor of the FTDI adapter: the adapter's parent is the next one up.
    expect(db.get(`${host}/usb1`)).toBeUndefined();
    expect(db.get(ftdi)?.parent).toBe(host);
  });
});

describe('readLiveDatabase with a root prefix', () => {
  beforeEach(() => {
    vol.reset();
    writeFakeTree('/srv/fake-host', DESKTOP);
  });

  it('reads below the prefix and keeps it out of every path it returns', () => {
    const { db, warnings } = read('/srv/fake-host/');
    expect(warnings).toEqual([]);
    expect(db.devices).toHaveLength(15);
    expect(db.get(ftdiTty)).toMatchObject({
      syspath: `/sys${ftdiTty}`,
      devnode: '/dev/ttyUSB0',
      symlinks: [
        '/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0',
        '/dev/serial/by-path/pci-0000:00:14.0-usb-0:3:1.0-port0',
      ],
      parent: `${ftdi}/1-3:1.0/ttyUSB0`,
    });
  });

  it('names the prefixed path in messages', () => {
    vol.rmSync('/srv/fake-host/run/udev/data', { recursive: true });
    expect(read('/srv/fake-host').warnings[0]).toMatch(
      /^no udev database at \/srv\/fake-host\/run\/udev\/data /,
    );
  });
});

describe('readLiveDatabase without udevd', () => {
  beforeEach(() => {
    vol.rmSync('/run/udev/data', { recursive: true });
    // Class directories also hold control files; reading them can have effects (zram hot_add).
    vol.mkdirSync('/sys/class/zram-control', { recursive: true });
    vol.writeFileSync('/sys/class/zram-control/hot_add', '1\n');
    vol.writeFileSync('/sys/class/net/bonding_masters', '\n');
  });

  it('falls back to sysfs and warns exactly once', () => {
    const { db, warnings } = read();
    expect(warnings).toEqual([
      'no udev database at /run/udev/data (is systemd-udevd running?); using sysfs only: no udev tags, properties or symlinks',
    ]);
    expect(db.source).toBe('sysfs');
  });

  it('lists every device sysfs knows, with kernel properties and no udev data', () => {
    const { db } = read();
    expect(db.devices).toHaveLength(DESKTOP.length);
    expect(db.get('/devices/virtual/block/loop2')).toEqual({
      devpath: '/devices/virtual/block/loop2',
      syspath: '/sys/devices/virtual/block/loop2',
      sysname: 'loop2',
      subsystem: 'block',
      devtype: 'disk',
      driver: undefined,
      devnode: '/dev/loop2',
      devnum: { type: 'b', major: 7, minor: 2 },
      properties: {
        DEVPATH: '/devices/virtual/block/loop2',
        SUBSYSTEM: 'block',
        DEVNAME: '/dev/loop2',
        DEVTYPE: 'disk',
        DISKSEQ: '3',
        MAJOR: '7',
        MINOR: '2',
      },
      tags: [],
      symlinks: [],
      parent: undefined,
    });
    expect(db.get(keyboardEvent)).toMatchObject({ tags: [], symlinks: [], parent: keyboard });
    expect(db.get(ftdi)?.properties).not.toHaveProperty('ID_VENDOR_ID');
  });

  it('finds the subsystem from where the device is listed: class, bus or /sys/block', () => {
    const { db } = read();
    expect(db.get(`${ftdi}/1-3:1.0/ttyUSB0`)?.subsystem).toBe('usb-serial');
    expect(db.get(ftdiTty)?.subsystem).toBe('tty');
    expect(db.get('/devices/virtual/net/lo')?.subsystem).toBe('net');
    expect(db.get('/devices/platform')?.subsystem).toBeUndefined();
  });
});
