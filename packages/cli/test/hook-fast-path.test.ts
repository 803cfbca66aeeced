import { DEFAULT_DAEMON_SOCKET } from '@devbinder/daemon/protocol';
import { describe, expect, it } from 'vitest';
import { parsePlainHook } from '../src/hook-fast-path.js';

describe('parsePlainHook', () => {
  it('reads the command line hooks.d runs', () => {
    expect(
      parsePlainHook([
        'hook',
        '--daemon-socket',
        '/run/x.sock',
        '--cache-dir=/var/cache/x',
        '--plugin-dir',
        '/a',
        '--plugin-dir=/b',
        '--config',
        '/etc/x.json',
        '--root',
        '/tree',
      ]),
    ).toEqual({
      daemonSocket: '/run/x.sock',
      daemon: true,
      cacheDir: '/var/cache/x',
      pluginDir: ['/a', '/b'],
      config: '/etc/x.json',
      root: '/tree',
    });
  });

  it('defaults to the standard daemon socket, and --no-daemon turns the daemon off', () => {
    expect(parsePlainHook(['hook'])).toEqual({
      daemonSocket: DEFAULT_DAEMON_SOCKET,
      daemon: true,
      pluginDir: [],
    });
    expect(parsePlainHook(['hook', '--no-daemon'])?.daemon).toBe(false);
  });

  it('takes the last of a repeated single option, as the full parser does', () => {
    expect(parsePlainHook(['hook', '--root', '/a', '--root', '/b'])?.root).toBe('/b');
  });

  it.each([
    [['explain']],
    [['hook', '--help']],
    [['hook', '--print-config']],
    [['hook', '-h']],
    [['hook', 'extra']],
    [['hook', '--root']],
    [['hook', '--root', '--no-daemon']],
    [['hook', '--no-daemon=yes']],
    [['hook', '--rot', '/tree']],
    [['hook', '--constructor', 'x']],
    [['hook', '--', '--root', '/tree']],
  ])('leaves %j to the full parser, which explains what is wrong', (args) => {
    expect(parsePlainHook(args)).toBeUndefined();
  });
});
