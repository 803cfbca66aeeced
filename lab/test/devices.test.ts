import { describe, expect, it } from 'vitest';
import {
  characterDevice,
  type LabDevice,
  udevRules,
  usbIdentity,
  validateSpec,
} from '../src/devices.js';

function device(name: string, kernel: string, spec: LabDevice['spec']): LabDevice {
  const subsystem = characterDevice(spec.kind ?? 'loop')?.deviceClass ?? 'block';
  return {
    name,
    spec,
    kernel,
    subsystem,
    devnode: `/dev/${kernel}`,
    sysPath: `/sys/block/${kernel}`,
    type: subsystem === 'block' ? 'b' : 'c',
    major: 7,
    minor: 3,
    links: [],
  };
}

describe('udevRules', () => {
  it('gives seats, USB identities and symlinks by subsystem and kernel name', () => {
    const rules = udevRules([
      device('ftdi', 'loop3', {
        seat: 'seat1',
        usb: '0403:6001:A50285BI',
        symlink: 'serial/by-id/x',
      }),
      device('desk', 'fuse', { kind: 'misc:fuse', seat: 'seat0' }),
      device('arduino', 'tty63', { kind: 'tty:tty63', usb: '2341:0043' }),
      device('spare', 'loop4', {}),
    ]);
    expect(rules.split('\n').slice(1)).toEqual([
      'SUBSYSTEM=="block", KERNEL=="loop3", TAG+="seat", ENV{ID_SEAT}="seat1", ENV{ID_VENDOR_ID}="0403", ENV{ID_MODEL_ID}="6001", ENV{ID_SERIAL_SHORT}="A50285BI", SYMLINK+="serial/by-id/x"',
      // seat0 is logind's default: a "seat" tag and no ID_SEAT.
      'SUBSYSTEM=="misc", KERNEL=="fuse", TAG+="seat"',
      'SUBSYSTEM=="tty", KERNEL=="tty63", ENV{ID_VENDOR_ID}="2341", ENV{ID_MODEL_ID}="0043"',
      '',
    ]);
  });
});

describe('validateSpec', () => {
  it('accepts what udev could say about a device', () => {
    expect(() =>
      validateSpec('ftdi', { kind: 'zram', seat: 'seat-2', usb: '1a86:7523', symlink: 'a/b.c' }),
    ).not.toThrow();
  });

  it('names the device and the field that is wrong', () => {
    expect(() => validateSpec('x', { seat: 'desk' })).toThrow('lab device "x": seat "desk"');
    expect(() => validateSpec('x', { usb: '403:6001' })).toThrow('lab device "x": usb "403:6001"');
    expect(() => validateSpec('x', { symlink: '../etc' })).toThrow('symlink "../etc"');
    expect(() => validateSpec('x', { symlink: 'a"b' })).toThrow('symlink "a"b"');
    expect(() => validateSpec('x', { kind: 'nbd' as 'loop' })).toThrow('kind "nbd"');
    expect(() => validateSpec('x', { kind: 'input:event0' as 'loop' })).toThrow(
      'kind "input:event0" is not loop, zram, misc:<kernel name> or tty:<kernel name>',
    );
    expect(() => validateSpec('Bad Name', {})).toThrow('lab device name "Bad Name"');
  });
});

it('usbIdentity splits vid:pid[:serial]', () => {
  expect(usbIdentity('0403:6001')).toEqual({ vendor: '0403', model: '6001' });
  expect(usbIdentity('0403:6001:A5')).toEqual({ vendor: '0403', model: '6001', serial: 'A5' });
});

it('characterDevice reads the class and kernel name of a character kind', () => {
  expect(characterDevice('tty:tty63')).toEqual({ deviceClass: 'tty', kernel: 'tty63' });
  expect(characterDevice('misc:fuse')).toEqual({ deviceClass: 'misc', kernel: 'fuse' });
  expect(characterDevice('zram')).toBeUndefined();
});
