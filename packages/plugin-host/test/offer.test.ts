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
  properties: undefined,
  ...overrides,
});
const filter = {
  subsystem: undefined,
  devtype: undefined,
  property: undefined,
  tag: undefined,
  hasNode: false,
};
const decode = (json: string) => JSON.parse(json) as WireDevice[];

describe('buildOffer', () => {
  it('offers every device with all properties by default, parents as indices', () => {
    const offer = buildOffer(db, interest({}));
    const wire = decode(offer.json);
    expect(wire.map(({ sysname }) => sysname)).toEqual(['usb1', '1-1', 'ttyUSB0', 'loop0']);
    expect(wire[1]).toEqual({
      syspath: '/sys/devices/usb1/1-1',
      sysname: '1-1',
      subsystem: 'usb',
      devtype: 'usb_device',
      devnode: '/dev/bus/usb/001/002',
      properties: { ID_VENDOR_ID: '0403' },
      tags: [],
      symlinks: [],
      parent: 0,
    });
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

  it('matches tags', () => {
    expect(
      decode(buildOffer(db, interest({ filters: [{ ...filter, tag: 'seat' }] })).json).map(
        ({ sysname }) => sysname,
      ),
    ).toEqual(['usb1']);
  });
});
