import type { SelectorRunner, StatNode } from '@devbinder/engine';
import { fixtureDatabase } from '@devbinder/udev/fixtures';
import { describe, expect, it } from 'vitest';
import { decide, decisionKey, isManaged, notPreauthorized } from '../src/decide.js';

const db = fixtureDatabase({
  '/devices/virtual/block/zram1': {
    subsystem: 'block',
    devnode: '/dev/zram1',
    devnum: { type: 'b', major: 253, minor: 1 },
    symlinks: ['/dev/disk/by-id/zram-one'],
  },
  '/devices/virtual/misc/fifo': { subsystem: 'misc', devnode: '/dev/fifo' },
});

/** Chooses every device of the subsystem named by the argument; "broken" fails. */
const runner: SelectorRunner = {
  async select(_selector, argument, database) {
    if (argument === 'broken') throw new Error('deadline exceeded');
    return database.devices
      .filter((device) => device.subsystem === argument)
      .map((device) => ({ device, reason: `subsystem ${argument}` }));
  },
};

/** What the host's /dev would say: zram1 is a 0660 root:disk block device, the FIFO a FIFO. */
const stat: StatNode = (device, _devnode, containerPath) =>
  device.subsystem === 'misc'
    ? { path: containerPath, type: 'p', major: 0, minor: 0, fileMode: 0o600, uid: 0, gid: 0 }
    : { path: containerPath, type: 'b', major: 253, minor: 1, fileMode: 0o660, uid: 0, gid: 6 };

describe('isManaged', () => {
  it('manages containers that ask for devices, unless they opt out', () => {
    expect(isManaged({ 'io.dev-binder.udev.subsystem': 'block' })).toBe(true);
    expect(
      isManaged({ 'io.dev-binder.udev.subsystem': 'block', 'io.dev-binder.hotplug': 'false' }),
    ).toBe(false);
    expect(isManaged({ 'io.dev-binder.policy': 'required' })).toBe(false);
    expect(isManaged({})).toBe(false);
  });
});

describe('decisionKey', () => {
  it('depends on devbinder annotations only, in any order', () => {
    const a = decisionKey({
      'io.dev-binder.udev.usb': '1:2',
      'io.dev-binder.policy': 'required',
      x: '1',
    });
    const b = decisionKey({
      'io.dev-binder.policy': 'required',
      y: '2',
      'io.dev-binder.udev.usb': '1:2',
    });
    expect(a).toBe(b);
    expect(decisionKey({ 'io.dev-binder.udev.usb': '1:3' })).not.toBe(a);
  });
});

describe('decide', () => {
  it('plans nodes as the hook does, symlinks included, block and char devices only', async () => {
    const decision = await decide(
      {
        'io.dev-binder.udev.subsystem': 'block',
        'io.dev-binder.udev.subsystem.other': 'misc',
        'io.dev-binder.symlinks': 'true',
      },
      db,
      runner,
      stat,
    );
    expect(decision).toEqual({
      nodes: [
        { path: '/dev/zram1', type: 'b', major: 253, minor: 1, mode: 0o660, uid: 0, gid: 6 },
        {
          path: '/dev/disk/by-id/zram-one',
          type: 'b',
          major: 253,
          minor: 1,
          mode: 0o660,
          uid: 0,
          gid: 6,
        },
      ],
      failedSelectors: [],
      problems: [],
    });
  });

  it('names the selectors that failed, so nothing is taken back for them', async () => {
    const decision = await decide(
      { 'io.dev-binder.udev.subsystem': 'broken', 'io.dev-binder.udev.subsystem.b': 'block' },
      db,
      runner,
      stat,
    );
    expect(decision.failedSelectors).toEqual(['subsystem']);
    expect(decision.nodes.map(({ path }) => path)).toEqual(['/dev/zram1']);
    expect(decision.problems).toEqual([
      { annotation: 'io.dev-binder.udev.subsystem', message: 'deadline exceeded' },
    ]);
  });

  it('a policy that would refuse a new container does not stop managing a running one', async () => {
    const decision = await decide(
      { 'io.dev-binder.udev.subsystem': 'input', 'io.dev-binder.policy': 'required' },
      db,
      runner,
      stat,
    );
    expect(decision.nodes).toEqual([]);
    expect(decision.failedSelectors).toEqual([]);
  });
});

describe('notPreauthorized', () => {
  const zram3 = { type: 'b', major: 253, minor: 3 } as const;

  it('names the annotation item that would pre-authorize the device', () => {
    expect(notPreauthorized(zram3, { 'io.dev-binder.udev.subsystem': 'block:zram*' })).toBe(
      'not pre-authorized: add b:253 to io.dev-binder.hotplug.majors (applies when the container is created)',
    );
    expect(notPreauthorized(zram3, { 'io.dev-binder.hotplug.majors': 'c:253;b:7' })).toMatch(
      /^not pre-authorized: add b:253 to /,
    );
  });

  it('points at the creation when the major is listed but was not allowed then', () => {
    expect(notPreauthorized(zram3, { 'io.dev-binder.hotplug.majors': 'b:253' })).toBe(
      'not pre-authorized: io.dev-binder.hotplug.majors lists b:253, but the rules the container was created with do not allow it (was it created without the devbinder hook?)',
    );
  });
});
