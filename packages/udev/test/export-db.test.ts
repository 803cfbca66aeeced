import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExportDb, type UdevDatabase, type UdevDevice, UdevParseError } from '../src/index.js';

function fixture(name: string): UdevDatabase {
  return parseExportDb(readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8'), name);
}

function deviceIn(db: UdevDatabase, devpath: string): UdevDevice {
  const device = db.get(devpath);
  if (device === undefined) throw new Error(`no device ${devpath}`);
  return device;
}

describe('parseExportDb on a capture from the Debian 12 CI VM (systemd 252)', () => {
  const db = fixture('debian12-vm.export-db.txt');

  it('reads every record, sorted by devpath', () => {
    expect(db.source).toBe('export');
    expect(db.devices).toHaveLength(389);
    const devpaths = db.devices.map((d) => d.devpath);
    expect(devpaths).toEqual([...devpaths].sort());
    expect(db.devices.filter((d) => d.devnode !== undefined)).toHaveLength(103);
  });

  it('reads a loop device with its diskseq symlink and systemd tag', () => {
    expect(deviceIn(db, '/devices/virtual/block/loop0')).toEqual({
      devpath: '/devices/virtual/block/loop0',
      syspath: '/sys/devices/virtual/block/loop0',
      sysname: 'loop0',
      subsystem: 'block',
      devtype: 'disk',
      driver: undefined,
      devnode: '/dev/loop0',
      devnum: { type: 'b', major: 7, minor: 0 },
      properties: {
        DEVPATH: '/devices/virtual/block/loop0',
        SUBSYSTEM: 'block',
        DEVNAME: '/dev/loop0',
        DEVTYPE: 'disk',
        DISKSEQ: '1',
        MAJOR: '7',
        MINOR: '0',
        USEC_INITIALIZED: '465203305',
        SYSTEMD_READY: '0',
        DEVLINKS: '/dev/disk/by-diskseq/1',
        TAGS: ':systemd:',
        CURRENT_TAGS: ':systemd:',
      },
      tags: ['systemd'],
      symlinks: ['/dev/disk/by-diskseq/1'],
      parent: undefined,
    });
  });

  it('reads a device udev has no data for: kernel properties only', () => {
    expect(deviceIn(db, '/devices/virtual/tty/tty1')).toMatchObject({
      devnode: '/dev/tty1',
      devnum: { type: 'c', major: 4, minor: 1 },
      properties: {
        DEVPATH: '/devices/virtual/tty/tty1',
        SUBSYSTEM: 'tty',
        DEVNAME: '/dev/tty1',
        MAJOR: '4',
        MINOR: '1',
      },
      tags: [],
      symlinks: [],
    });
  });

  it('reads a network interface and its parent chain', () => {
    const nic = deviceIn(db, '/devices/pci0000:00/0000:00:03.0/virtio2/net/enp0s3');
    expect(nic).toMatchObject({ subsystem: 'net', devnode: undefined, devnum: undefined });
    expect(nic.properties.IFINDEX).toBe('4');
    expect(db.ancestorsOf(nic).map((d) => d.devpath)).toEqual([
      '/devices/pci0000:00/0000:00:03.0/virtio2',
      '/devices/pci0000:00/0000:00:03.0',
    ]);
    expect(db.parentOf(nic)?.driver).toBe('virtio_net');
  });

  it('keeps every property line and agrees with the explicit lines', () => {
    for (const device of db.devices) {
      expect(device.properties.DEVPATH).toBe(device.devpath);
      expect(device.properties.SUBSYSTEM).toBe(device.subsystem);
      expect(device.properties.DEVNAME).toBe(device.devnode);
    }
  });
});

describe('parseExportDb on a desktop (systemd 252)', () => {
  const db = fixture('desktop-252.export-db.txt');
  const usb = '/devices/pci0000:00/0000:00:14.0/usb1';
  const mouseEvent = `${usb}/1-4/1-4.1/1-4.1:1.0/0003:046D:C077.0002/input/input6/event6`;

  it('takes current tags from CURRENT_TAGS, not the sticky TAGS', () => {
    expect(deviceIn(db, mouseEvent)).toMatchObject({
      tags: ['seat1'],
      properties: { TAGS: ':uaccess:seat1:', CURRENT_TAGS: ':seat1:', ID_SEAT: 'seat1' },
    });
    // Tags that are all sticky: CURRENT_TAGS is printed only when non-empty.
    expect(deviceIn(db, '/devices/virtual/misc/uinput').tags).toEqual([]);
    expect(deviceIn(db, '/devices/pci0000:00/0000:00:02.0/drm/card0').tags).toEqual([
      'master-of-seat',
      'seat',
      'uaccess',
    ]);
  });

  it('links a device to the nearest ancestor present in the export', () => {
    const event = deviceIn(db, mouseEvent);
    expect(db.ancestorsOf(event).map((d) => d.sysname)).toEqual([
      'input6',
      '1-4.1',
      '1-4',
      'usb1',
      '0000:00:14.0',
    ]);
    expect(db.ancestorsOf(event).map((d) => d.properties.ID_SEAT)).toEqual([
      'seat1',
      'seat1',
      'seat1',
      undefined,
      undefined,
    ]);
  });

  it('reads a USB serial adapter down to its tty and symlinks', () => {
    const tty = deviceIn(db, `${usb}/1-3/1-3:1.0/ttyUSB0/tty/ttyUSB0`);
    expect(tty).toMatchObject({
      subsystem: 'tty',
      devnode: '/dev/ttyUSB0',
      devnum: { type: 'c', major: 188, minor: 0 },
      symlinks: [
        '/dev/serial/by-path/pci-0000:00:14.0-usb-0:3:1.0-port0',
        '/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0',
      ],
    });
    expect(db.parentOf(tty)).toMatchObject({ subsystem: 'usb-serial', driver: 'ftdi_sio' });
    expect(db.ancestorsOf(tty)[2]).toMatchObject({
      devtype: 'usb_device',
      properties: { ID_VENDOR_ID: '0403', ID_MODEL_ID: '6001' },
    });
  });

  it("reads `Q:` as systemd 252's diskseq, not as a tag", () => {
    const disk = deviceIn(
      db,
      '/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda',
    );
    expect(disk).toMatchObject({
      sysname: 'sda',
      devtype: 'disk',
      devnum: { type: 'b', major: 8, minor: 0 },
      tags: ['systemd'],
      properties: { DISKSEQ: '1' },
    });
    expect(db.parentOf(disk)).toBeUndefined();
  });
});

describe('parseExportDb on systemd 239 output (only P, N, L, S and E lines)', () => {
  const db = fixture('old-systemd-239.export-db.txt');

  it('derives the fields from properties', () => {
    expect(deviceIn(db, '/devices/pci0000:00/0000:00:14.0/usb1/1-1')).toEqual({
      devpath: '/devices/pci0000:00/0000:00:14.0/usb1/1-1',
      syspath: '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1',
      sysname: '1-1',
      subsystem: 'usb',
      devtype: 'usb_device',
      driver: 'usb',
      devnode: '/dev/bus/usb/001/002',
      devnum: { type: 'c', major: 189, minor: 1 },
      properties: expect.objectContaining({ ID_VENDOR_ID: '1050', TAGS: ':seat:uaccess:' }),
      tags: ['seat', 'uaccess'],
      symlinks: [],
      parent: '/devices/pci0000:00/0000:00:14.0',
    });
  });

  it('knows block devices by their subsystem', () => {
    expect(
      deviceIn(db, '/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda'),
    ).toMatchObject({
      devnum: { type: 'b', major: 8, minor: 0 },
      symlinks: [
        '/dev/disk/by-id/ata-ST1000LM035-1RK172_WDE3AB6K',
        '/dev/disk/by-path/pci-0000:00:17.0-ata-1',
      ],
      tags: ['systemd'],
    });
    expect(deviceIn(db, '/devices/virtual/net/lo')).toMatchObject({
      subsystem: 'net',
      devnode: undefined,
      devnum: undefined,
    });
  });
});

describe('parseExportDb details', () => {
  const parse = (text: string) => parseExportDb(text, 'capture.txt');

  it('takes symlinks from DEVLINKS when there are no S: lines', () => {
    const db = parse('P: /devices/x\nE: DEVLINKS=/dev/a  /dev/b\n');
    expect(db.get('/devices/x')?.symlinks).toEqual(['/dev/a', '/dev/b']);
  });

  it('takes TAGS as current tags only when no record shows that the producer knows current tags', () => {
    const tagsOnly = 'P: /devices/x\nE: TAGS=:seat:\n';
    expect(parse(tagsOnly).get('/devices/x')?.tags).toEqual(['seat']);
    const withCurrent = `${tagsOnly}\nP: /devices/y\nE: TAGS=:a:\nE: CURRENT_TAGS=:a:\n`;
    expect(parse(withCurrent).get('/devices/x')?.tags).toEqual([]);
    expect(parse('P: /devices/x\nM: x\nE: TAGS=:seat:\n').get('/devices/x')?.tags).toEqual([]);
  });

  it("turns the kernel's ! in a sysname into /", () => {
    expect(parse('P: /devices/virtual/block/cciss!c0d0\n').devices[0]?.sysname).toBe('cciss/c0d0');
  });

  it('accepts unknown prefixes, extra blank lines and a missing final blank line', () => {
    const db = parse('\n\nP: /devices/x\nJ: +x:x\nZ: future\n\n\n\nP: /devices/x/y\nB: drivers');
    expect(db.devices.map((d) => d.devpath)).toEqual(['/devices/x', '/devices/x/y']);
    expect(db.get('/devices/x/y')?.parent).toBe('/devices/x');
  });

  it('accepts an empty property value', () => {
    expect(parse('P: /devices/x\nE: HID_UNIQ=\n').get('/devices/x')?.properties).toEqual({
      HID_UNIQ: '',
    });
  });

  it.each([
    ['P: /devices/x\nD: b seven\n', 'capture.txt:2: malformed D: line "b seven"'],
    ['P: /devices/x\nD: x 1:2\n', 'capture.txt:2: malformed D: line "x 1:2"'],
    ['P: /devices/x\n\nP: /devices/y\nE: FOO\n', 'capture.txt:4: malformed E: line "FOO"'],
    ['P: /devices/x\nE: =value\n', 'capture.txt:2: malformed E: line "=value"'],
    ['garbage\n', 'capture.txt:1: malformed line "garbage"'],
    ['P:/devices/x\n', 'capture.txt:1: malformed line "P:/devices/x"'],
    ['P: devices/x\n', 'capture.txt:1: malformed P: line "devices/x"'],
    ['P: /devices/x\n\n\nN: loop0\nE: A=1\n', 'capture.txt:4: record without P: line'],
    ['P: /devices/x\nP: /devices/y\n', 'capture.txt:2: second P: line in one record'],
    [
      'P: /devices/x\n\nP: /devices/x\n',
      'capture.txt:3: device "/devices/x" already listed on line 1',
    ],
  ])('rejects %j', (text, message) => {
    expect(() => parse(text)).toThrow(UdevParseError);
    expect(() => parse(text)).toThrow(message);
  });

  it('reports origin, line and problem on the error', () => {
    try {
      parse('P: /devices/x\nD: b seven\n');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UdevParseError);
      expect(error).toMatchObject({
        name: 'UdevParseError',
        origin: 'capture.txt',
        line: 2,
        problem: 'malformed D: line "b seven"',
      });
    }
  });
});
