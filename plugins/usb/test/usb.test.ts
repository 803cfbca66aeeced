import { fixtureDatabase, sampleCapture, useSelector } from '@devbinder/plugin-testkit';
import { describe, expect, it } from 'vitest';

const desktop = sampleCapture('desktop');
const usb = useSelector(new URL('../dist', import.meta.url));

describe('usb selector', () => {
  it('gives the USB device and every descendant with a node', async () => {
    expect(await usb.nodes('0403:6001', desktop)).toEqual(['/dev/bus/usb/001/003', '/dev/ttyUSB0']);
    expect(await usb.nodes('046d:c31c', desktop)).toEqual([
      '/dev/bus/usb/001/002',
      '/dev/hidraw0',
      '/dev/input/event5',
    ]);
  });

  it('matches ids in any case and without leading zeros, and by serial', async () => {
    expect(await usb.nodes('403:6001:A50285BI', desktop)).toEqual([
      '/dev/bus/usb/001/003',
      '/dev/ttyUSB0',
    ]);
    expect(await usb.nodes('0403:6001:OTHER', desktop)).toEqual([]);
    expect(await usb.nodes('046D:C077;0403:6001', desktop)).toEqual(
      await usb.nodes('046D:C077,0403:6001', desktop),
    );
    expect(await usb.nodes('046D:C077,0403:6001', desktop)).toEqual([
      '/dev/bus/usb/001/003',
      '/dev/bus/usb/001/005',
      '/dev/input/event6',
      '/dev/ttyUSB0',
    ]);
  });

  it("falls back to the kernel's PRODUCT when udev ids are missing (sysfs-only database)", async () => {
    const db = fixtureDatabase({
      '/devices/usb1/1-1': {
        subsystem: 'usb',
        devtype: 'usb_device',
        devnode: '/dev/bus/usb/001/002',
        properties: { PRODUCT: '403/6001/600' },
      },
      '/devices/usb1/1-1/1-1:1.0/ttyUSB0/tty/ttyUSB0': {
        subsystem: 'tty',
        devnode: '/dev/ttyUSB0',
      },
    });
    expect(await usb.nodes('0403:6001', db)).toEqual(['/dev/bus/usb/001/002', '/dev/ttyUSB0']);
  });

  it('says which device matched', async () => {
    const reasons = (await usb.select('0403:6001', desktop)).map(({ reason }) => reason);
    expect(reasons).toEqual(['USB 0403:6001', 'USB 0403:6001']);
  });

  it.each([
    ['', 1, 'is not a USB vendor id'],
    ['0403', 6, 'expected <vid>:<pid>'],
    ['0403:xyz', 6, 'expected <vid>:<pid>'],
    ['0403:6001,12345:1', 11, '"12345" is not a USB vendor id'],
    ['0403:6001:', 11, 'the serial after the second ":" is empty'],
  ])('rejects %j at column %i', async (argument, column, message) => {
    await expect(usb.select(argument, desktop)).rejects.toMatchObject({
      kind: 'invalid-argument',
      column,
      message: expect.stringContaining(message),
    });
  });
});
