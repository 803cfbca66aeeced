import type { WireDevice, WireInterest } from '@devbinder/plugin-sdk';
import { fixtureDatabase } from '@devbinder/udev/fixtures';
import { describe, expect, it } from 'vitest';
import { buildOffer } from '../src/index.js';

const db = fixtureDatabase({
  '/devices/usb1': {
    subsystem: 'usb',
    devtype: 'usb_device',
    tags: ['seat'],
    properties: { ID_VENDOR_ID: '1d6b', SPEED: '480' },
  },
  '/devices/usb1/1-1': {
    subsystem: 'usb',
    devtype: 'usb_device',
    devnode: '/dev/bus/usb/001/002',
    properties: { ID_VENDOR_ID: '0403' },
  },
  '/devices/usb1/1-1/1-1:1.0/ttyUSB0/tty/ttyUSB0': {
    subsystem: 'tty',
    devnode: '/dev/ttyUSB0',
    symlinks: ['/dev/serial/by-id/ftdi'],
  },
  '/devices/virtual/block/loop0': {
    subsystem: 'block',
    devnode: '/dev/loop0',
    properties: { constructor: 'x' },
  },
});

const interest = (overrides: Partial<WireInterest>): WireInterest => ({
  filters: [],
  ancestors: false,
  descendants: false,
  ...overrides,
});
const filter = { hasNode: false };
const decode = (json: string) => JSON.parse(json) as WireDevice[];

describe('buildOffer', () => {
  it('offers every device with all properties by default, parents as indices', () => {
    const offer = buildOffer(db, interest({}));
    const wire = decode(offer.json);
    expect(wire.map(({ sysname }) => sysname)).toEqual(['usb1', '1-1', 'ttyUSB0', 'loop0']);
    // Empty lists and absent fields are left out, the syspath is relative to the parent's; the
    // guest's decoder fills them in.
    expect(wire[0]?.syspath).toBe('/sys/devices/usb1');
    expect(wire[1]).toEqual({
      syspath: '1-1',
      sysname: '1-1',
      subsystem: 'usb',
      devtype: 'usb_device',
      devnode: '/dev/bus/usb/001/002',
      properties: { ID_VENDOR_ID: '0403' },
      parent: 0,
    });
    expect(wire[2]).toMatchObject({ symlinks: ['/dev/serial/by-id/ftdi'] });
    expect(wire[0]).toMatchObject({ tags: ['seat'] });
    expect(wire[2]?.parent).toBe(1);
    expect(offer.devices.map(({ devpath }) => devpath)).toEqual(
      db.devices.map(({ devpath }) => devpath),
    );
  });

  it('filters (any filter, all its fields) and projects properties', () => {
    const offer = buildOffer(
      db,
      interest({
        filters: [
          { ...filter, subsystem: 'usb', hasNode: true },
          { ...filter, property: ['constructor', 'x'] },
        ],
        properties: ['ID_VENDOR_ID', 'constructor', 'toString'],
      }),
    );
    expect(decode(offer.json).map(({ sysname, properties }) => [sysname, properties])).toEqual([
      ['1-1', { ID_VENDOR_ID: '0403' }],
      ['loop0', { constructor: 'x' }],
    ]);
  });

  it('adds ancestors and descendants on request, dropping parent indices of devices not offered', () => {
    const tty = { ...filter, subsystem: 'tty' };
    expect(decode(buildOffer(db, interest({ filters: [tty] })).json)[0]?.parent).toBeUndefined();
    expect(
      decode(buildOffer(db, interest({ filters: [tty], ancestors: true })).json).map(
        ({ sysname }) => sysname,
      ),
    ).toEqual(['usb1', '1-1', 'ttyUSB0']);
    const vendor = { ...filter, property: ['ID_VENDOR_ID', '0403'] as [string, string] };
    expect(
      decode(buildOffer(db, interest({ filters: [vendor], descendants: true })).json).map(
        ({ sysname }) => sysname,
      ),
    ).toEqual(['1-1', 'ttyUSB0']);
  });

  it('links a device to its nearest offered ancestor when its parent is not offered', () => {
    const wire = decode(
      buildOffer(
        db,
        interest({
          filters: [
            { ...filter, tag: 'seat' },
            { ...filter, subsystem: 'tty' },
          ],
        }),
      ).json,
    );
    expect(wire.map(({ sysname, parent, syspath }) => [sysname, parent, syspath])).toEqual([
      ['usb1', undefined, '/sys/devices/usb1'],
      ['ttyUSB0', 0, '1-1/1-1:1.0/ttyUSB0/tty/ttyUSB0'],
    ]);
  });

  it('matches tags', () => {
    expect(
      decode(buildOffer(db, interest({ filters: [{ ...filter, tag: 'seat' }] })).json).map(
        ({ sysname }) => sysname,
      ),
    ).toEqual(['usb1']);
  });

  it('matches every string of a filter as a udev glob, kernel names included', () => {
    const sysnames = (filters: WireInterest['filters']) =>
      decode(buildOffer(db, interest({ filters })).json).map(({ sysname }) => sysname);
    expect(sysnames([{ ...filter, sysname: 'tty*|loop[0-9]' }])).toEqual(['ttyUSB0', 'loop0']);
    expect(sysnames([{ ...filter, subsystem: 'u?b', sysname: '[!u]*' }])).toEqual(['1-1']);
    expect(sysnames([{ ...filter, property: ['ID_VENDOR_ID', '04*'] }])).toEqual(['1-1']);
    expect(sysnames([{ ...filter, tag: 's*' }])).toEqual(['usb1']);
    // A property the device lacks never matches, not even "*".
    expect(sysnames([{ ...filter, property: ['SPEED', '*'] }])).toEqual(['usb1']);
  });

  it('evaluates a pathological glob in linear time, where a RegExp would backtrack for ages', () => {
    const long = fixtureDatabase({
      '/devices/x': { properties: { NAME: 'a'.repeat(5000) } },
    });
    const offer = buildOffer(
      long,
      interest({ filters: [{ ...filter, property: ['NAME', `${'*a'.repeat(30)}b`] }] }),
    );
    expect(offer.devices).toEqual([]);
  });
});
