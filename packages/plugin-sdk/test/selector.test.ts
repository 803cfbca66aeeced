import { describe, expect, it } from 'vitest';
import { ArgumentError, defineSelector } from '../src/guest/index.js';
import type { WireDevice } from '../src/index.js';

/** The exports exactly as a component built from them would answer the host. */
const selector = defineSelector({
  parse(argument) {
    if (argument === '') throw new ArgumentError('expected a tag', 1);
    if (argument === 'crash') throw new TypeError('boom');
    return argument;
  },
  interest: (tag) => ({
    filters: [
      { tag, hasNode: true },
      { sysname: 'tty*', property: ['ID_BUS', 'usb'] },
    ],
    ancestors: true,
    properties: ['ID_SEAT'],
  }),
  *select(tag, devices) {
    for (const device of devices) {
      if (device.devnode && device.lineage().some((candidate) => candidate.hasTag(tag))) {
        yield { device, reason: `${tag} via ${device.parent?.sysname ?? 'itself'}` };
      }
    }
  },
});

const offered: WireDevice[] = [
  { syspath: '/sys/devices/usb1', sysname: 'usb1', tags: ['seat'], properties: { ID_SEAT: 's' } },
  {
    syspath: 'event3', // relative to its parent's
    sysname: 'event3',
    devnode: '/dev/input/event3',
    parent: 0,
  },
  { syspath: '/sys/devices/virtual/loop0', sysname: 'loop0', devnode: '/dev/loop0' },
];

/** Devices in and choices out are UTF-8 JSON bytes, as they cross the component boundary. */
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const fromJson = (bytes: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(bytes));

describe('defineSelector', () => {
  it('answers interest in the WIT shape, leaving out what was not asked for', () => {
    expect(selector.interest('seat')).toEqual({
      filters: [
        { tag: 'seat', hasNode: true },
        { sysname: 'tty*', property: ['ID_BUS', 'usb'], hasNode: false },
      ],
      ancestors: true,
      descendants: false,
      properties: ['ID_SEAT'],
    });
  });

  it('decodes linked devices and answers with [index, reason] pairs as JSON', () => {
    expect(fromJson(selector.select('seat', json(offered)))).toEqual([1, 'seat via usb1']);
  });

  it('gives decoded devices defaults for what the host left out, and safe property reads', () => {
    const seen: unknown[] = [];
    const probe = defineSelector({
      parse: (argument) => argument,
      *select(_argument, devices) {
        for (const device of devices) {
          seen.push([
            device.index,
            device.tags,
            device.symlinks,
            device.subsystem,
            device.property('ID_SEAT'),
            device.property('constructor'),
            device.ancestors().map(({ sysname }) => sysname),
            device.syspath,
          ]);
        }
      },
    });
    probe.select('', json(offered));
    expect(seen).toEqual([
      [0, ['seat'], [], undefined, 's', undefined, [], '/sys/devices/usb1'],
      [1, [], [], undefined, undefined, undefined, ['usb1'], '/sys/devices/usb1/event3'],
      [2, [], [], undefined, undefined, undefined, [], '/sys/devices/virtual/loop0'],
    ]);
  });

  it('turns an ArgumentError into invalid-argument with its column, anything else into failed', () => {
    expect(() => selector.select('', json([]))).toThrow(
      expect.objectContaining({
        tag: 'invalid-argument',
        val: { message: 'expected a tag', column: 1 },
      }),
    );
    expect(() => selector.interest('crash')).toThrow(
      expect.objectContaining({ tag: 'failed', val: 'boom' }),
    );
  });
});
