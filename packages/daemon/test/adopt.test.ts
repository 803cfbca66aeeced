import { describe, expect, it } from 'vitest';
import { staleCreationDevices } from '../src/adopt.js';

/** A runtime config as the hook leaves it: its devices, plus a user's --device. */
const config = JSON.stringify({
  ociVersion: '1.0.2',
  linux: {
    devices: [
      { path: '/dev/zram1', type: 'b', major: 253, minor: 1, fileMode: 432, uid: 0, gid: 6 },
      { path: '/dev/zram2', type: 'b', major: 253, minor: 2, fileMode: 432, uid: 0, gid: 6 },
      { path: '/dev/xvdc', type: 'b', major: 7, minor: 5, fileMode: 432, uid: 0, gid: 6 },
      { path: '/dev/fifo', type: 'p', major: 0, minor: 0, fileMode: 432, uid: 0, gid: 0 },
    ],
  },
});

describe('staleCreationDevices', () => {
  it('takes back exactly the creation devices the host no longer has', () => {
    const present = new Set(['b 253:2', 'b 7:5']);
    const stale = staleCreationDevices(config, 'config.json', (device) =>
      present.has(`${device.type} ${device.major}:${device.minor}`),
    );
    expect(stale).toEqual([{ path: '/dev/zram1', type: 'b', major: 253, minor: 1 }]);
  });

  it('reads numbers that lossless JSON keeps as text, and a config without devices', () => {
    const big = config.replace('"major":253,"minor":1', '"major":253.0,"minor":1');
    expect(staleCreationDevices(big, 'config.json', () => false)).toHaveLength(3);
    expect(staleCreationDevices('{"ociVersion":"1.0.2"}', 'config.json', () => false)).toEqual([]);
  });

  it('names a broken config', () => {
    expect(() => staleCreationDevices('{', '/run/x/config.json', () => true)).toThrow(
      /^\/run\/x\/config.json: not valid JSON/,
    );
  });
});
