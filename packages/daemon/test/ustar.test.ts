import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { deviceArchive } from '../src/ustar.js';

const zram = {
  directory: '17',
  name: 'zram1',
  device: { type: 'b', major: 253, minor: 1 },
  mode: 0o660,
  uid: 0,
  gid: 6,
} as const;
const tty = {
  directory: '23/serial/by-id',
  name: 'usb-FTDI_A50285BI-if00-port0',
  device: { type: 'c', major: 188, minor: 0 },
  mode: 0o620,
  uid: 1000,
  gid: 20,
} as const;

describe('deviceArchive', () => {
  it('writes ustar headers for block and character devices, then the end marker', () => {
    const archive = deviceArchive([zram, tty]);
    expect(archive.length).toBe(4 * 512);
    const first = archive.subarray(0, 512);
    expect(first.toString('latin1', 0, 5)).toBe('zram1');
    expect(first.toString('latin1', 156, 157)).toBe('4');
    expect(first.toString('latin1', 257, 263)).toBe('ustar\0');
    expect(first.toString('latin1', 329, 336)).toBe('0000375');
    expect(first.toString('latin1', 345, 347)).toBe('17');
    const stored = Number.parseInt(first.toString('latin1', 148, 154), 8);
    const blanked = Buffer.from(first);
    blanked.fill(' ', 148, 156);
    expect(stored).toBe(blanked.reduce((sum, byte) => sum + byte, 0));
    expect(archive.subarray(1024).every((byte) => byte === 0)).toBe(true);
  });

  it('is what GNU tar reads: type, mode, owner, numbers and path', () => {
    const listing = spawnSync('tar', ['--list', '--verbose', '--numeric-owner', '-f', '-'], {
      input: deviceArchive([zram, tty]),
      encoding: 'utf8',
    });
    expect(listing.status, listing.stderr).toBe(0);
    const lines = listing.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^brw-rw---- 0\/6 +253,1 .* 17\/zram1$/);
    expect(lines[1]).toMatch(
      /^crw--w---- 1000\/20 +188,0 .* 23\/serial\/by-id\/usb-FTDI_A50285BI-if00-port0$/,
    );
  });

  it('refuses what a header cannot hold', () => {
    expect(() => deviceArchive([{ ...zram, name: 'x'.repeat(101) }])).toThrow(
      /^ustar name is longer than 100 bytes/,
    );
    expect(() => deviceArchive([{ ...zram, uid: 2 ** 21 }])).toThrow(
      '2097152 does not fit a 8-byte ustar field',
    );
  });
});
