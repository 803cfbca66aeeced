import { describe, expect, it } from 'vitest';
import { devRelative } from '../src/container-fs.js';

describe('devRelative', () => {
  it('splits a plain /dev path', () => {
    expect(devRelative('/dev/zram1')).toEqual(['zram1']);
    expect(devRelative('/dev/disk/by-id/usb-FTDI_A50285BI')).toEqual([
      'disk',
      'by-id',
      'usb-FTDI_A50285BI',
    ]);
  });

  it('refuses paths that could leave /dev', () => {
    expect(() => devRelative('/etc/shadow')).toThrow('/etc/shadow is not under /dev');
    expect(() => devRelative('/dev/../etc/shadow')).toThrow('is not a plain path');
    expect(() => devRelative('/dev/disk//x')).toThrow('is not a plain path');
    expect(() => devRelative('/dev/')).toThrow('is not a plain path');
  });
});
