import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deviceMajor, deviceMinor, statDeviceNode } from '../src/index.js';

describe('statDeviceNode', () => {
  it('reads type, numbers, permission bits and owner of a real node', () => {
    const info = statSync('/dev/null');
    expect(statDeviceNode('/dev/null', '/dev/my-null')).toEqual({
      path: '/dev/my-null',
      type: 'c',
      major: 1,
      minor: 3,
      fileMode: info.mode & 0o7777,
      uid: info.uid,
      gid: info.gid,
    });
  });

  it('returns undefined for a vanished node and for a file that is not a device', () => {
    expect(statDeviceNode('/dev/devbinder-no-such-node')).toBeUndefined();
    expect(statDeviceNode('/etc/hostname')).toBeUndefined();
  });
});

describe('dev_t decoding', () => {
  it('follows glibc for small and large numbers', () => {
    expect([deviceMajor(0x0703), deviceMinor(0x0703)]).toEqual([7, 3]);
    // makedev(259, 1048575) = 0x0000000f_ff103fff … decoded back
    const rdev = Number(
      ((259n & 0xfffn) << 8n) |
        ((259n & ~0xfffn) << 32n) |
        (1048575n & 0xffn) |
        ((1048575n & ~0xffn) << 12n),
    );
    expect([deviceMajor(rdev), deviceMinor(rdev)]).toEqual([259, 1048575]);
  });
});
