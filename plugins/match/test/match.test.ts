import { fixtureDatabase, sampleCapture, useSelector } from '@devbinder/plugin-testkit';
import { describe, expect, it } from 'vitest';

const desktop = sampleCapture('desktop');
const joystick = fixtureDatabase({
  '/devices/usb1/1-1': {
    subsystem: 'usb',
    devnode: '/dev/bus/usb/001/002',
    properties: { ID_VENDOR_ID: '045e' },
    driver: 'usb',
  },
  '/devices/usb1/1-1/input/input7': {
    subsystem: 'input',
    properties: { ID_INPUT_JOYSTICK: '1' },
    tags: ['seat'],
  },
  '/devices/usb1/1-1/input/input7/js0': {
    subsystem: 'input',
    devnode: '/dev/input/js0',
    properties: { ID_INPUT_JOYSTICK: '1', ID_SEAT: 'seat1' },
    tags: ['uaccess'],
  },
  '/devices/usb1/1-1/input/input7/event7': {
    subsystem: 'input',
    devnode: '/dev/input/event7',
    properties: { ID_INPUT_JOYSTICK: '1' },
    tags: ['uaccess'],
    symlinks: ['/dev/input/by-id/usb-Xbox-event-joystick'],
  },
  '/devices/pnp0/tty/ttyACM0': { subsystem: 'tty', devnode: '/dev/ttyACM0' },
  '/devices/pnp0/tty/ttyS0': { subsystem: 'tty', devnode: '/dev/ttyS0' },
});

const match = useSelector(new URL('../dist', import.meta.url));

describe('match selector', () => {
  it('ANDs clauses on the device and its properties', async () => {
    expect(await match.nodes('SUBSYSTEM=="input",ENV{ID_INPUT_JOYSTICK}=="1"', joystick)).toEqual([
      '/dev/input/event7',
      '/dev/input/js0',
    ]);
    expect(await match.nodes('KERNEL=="ttyACM*"', joystick)).toEqual(['/dev/ttyACM0']);
    expect(await match.nodes('KERNEL=="tty[A-Z][A-Z]*|ttyS?"', joystick)).toEqual([
      '/dev/ttyACM0',
      '/dev/ttyS0',
    ]);
  });

  it('reads a missing property as "", as udev does', async () => {
    expect(await match.nodes('TAG=="uaccess",ENV{ID_SEAT}!="seat1"', joystick)).toEqual([
      '/dev/input/event7',
    ]);
    expect(await match.nodes('SUBSYSTEM=="tty",ENV{ID_SEAT}==""', joystick)).toEqual([
      '/dev/ttyACM0',
      '/dev/ttyS0',
    ]);
  });

  it('matches ancestors with PARENT{}, and says which one', async () => {
    expect(await match.reasons('PARENT{ID_VENDOR_ID}=="045e",KERNEL=="js*"', joystick)).toEqual({
      '/dev/input/js0': 'PARENT{ID_VENDOR_ID}=="045e" (on 1-1), KERNEL=="js*"',
    });
    expect(await match.nodes('PARENT{ID_VENDOR_ID}!="045e",SUBSYSTEM=="tty"', joystick)).toEqual([
      '/dev/ttyACM0',
      '/dev/ttyS0',
    ]);
  });

  it('searches upwards with udev keys, all on one device', async () => {
    expect(
      await match.reasons('SUBSYSTEMS=="usb",DRIVERS=="usb",KERNEL=="event*"', joystick),
    ).toEqual({
      '/dev/input/event7': 'SUBSYSTEMS=="usb" (on 1-1), DRIVERS=="usb" (on 1-1), KERNEL=="event*"',
    });
    // TAGS=="seat" holds on input7 and DRIVERS=="usb" on 1-1: not one device, so no match.
    expect(await match.nodes('TAGS=="seat",DRIVERS=="usb"', joystick)).toEqual([]);
  });

  it('matches symlinks and devpaths as udev names them', async () => {
    expect(await match.nodes('SYMLINK=="input/by-id/*-joystick"', joystick)).toEqual([
      '/dev/input/event7',
    ]);
    expect(await match.nodes('DEVPATH=="/devices/pnp0/*"', joystick)).toEqual([
      '/dev/ttyACM0',
      '/dev/ttyS0',
    ]);
  });

  it('works on a captured desktop', async () => {
    expect(await match.nodes('SUBSYSTEM=="hidraw",PARENT{ID_VENDOR_ID}=="046d"', desktop)).toEqual([
      '/dev/hidraw0',
    ]);
    expect(await match.nodes('TAG=="uaccess",SUBSYSTEM=="sound"', desktop)).toContain(
      '/dev/snd/controlC0',
    );
    expect(await match.nodes('ENV{ID_SEAT}=="seat1"', desktop)).toEqual([
      '/dev/bus/usb/001/004',
      '/dev/bus/usb/001/005',
      '/dev/input/event6',
    ]);
  });

  it('reports a mistake with its column, through the host', async () => {
    await expect(match.select('KERNEL=="sda",FOO=="1"', joystick)).rejects.toMatchObject({
      kind: 'invalid-argument',
      column: 15,
      message: expect.stringContaining('unknown key FOO'),
    });
  });
});
