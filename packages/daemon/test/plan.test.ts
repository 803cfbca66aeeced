import { describe, expect, it } from 'vitest';
import { type DeviceRule, parseDevicesList } from '../src/cgroup-v1.js';
import type { NodeState } from '../src/container-fs.js';
import { type Access, type ActualState, planChanges, type WantedNode } from '../src/plan.js';
import type { GivenNode } from '../src/state.js';

const DEFAULT_RULES = parseDevicesList('b *:* m\nc *:* m\nc 1:3 rwm\nc 136:* rwm\n', 'list');

const zram = (minor: number): WantedNode => ({
  path: `/dev/zram${minor}`,
  type: 'b',
  major: 253,
  minor,
  mode: 0o660,
  uid: 0,
  gid: 6,
});
const given = ({ path, type, major, minor }: WantedNode): GivenNode => ({
  path,
  type,
  major,
  minor,
});
const rule = (node: WantedNode): DeviceRule => ({ ...node, access: 'rwm' });
const present = (node: WantedNode): [string, NodeState] => [node.path, { kind: 'device', ...node }];

/** A container with these nodes whose v1 rules the daemon writes, or whose access is `access`. */
function actual(nodes: Array<[string, NodeState]>, access: DeviceRule[] | Access): ActualState {
  const byPath = new Map(nodes);
  return {
    node: (path) => byPath.get(path) ?? { kind: 'missing' },
    access: Array.isArray(access) ? { kind: 'writable', rules: access } : access,
  };
}

/** Access fixed at creation to the majors pre-authorized by `io.dev-binder.hotplug.majors`. */
const preauthorized = (...majors: number[]): Access => ({
  kind: 'fixed',
  grants: ({ type, major }) => type === 'b' && majors.includes(major),
});

describe('planChanges', () => {
  it('allows and creates a new device', () => {
    expect(planChanges([zram(1)], [], actual([], DEFAULT_RULES), { revoke: true })).toEqual({
      deny: [],
      remove: [],
      allow: [{ type: 'b', major: 253, minor: 1 }],
      create: [{ ...zram(1), replace: false }],
      withheld: [],
    });
  });

  it('does nothing when the container has what it should', () => {
    const changes = planChanges(
      [zram(1)],
      [given(zram(1))],
      actual([present(zram(1))], [...DEFAULT_RULES, rule(zram(1))]),
      { revoke: true },
    );
    expect(changes).toEqual({ deny: [], remove: [], allow: [], create: [], withheld: [] });
  });

  it('takes back a device that is gone: exact rule denied, node removed', () => {
    const changes = planChanges(
      [],
      [given(zram(1))],
      actual([present(zram(1))], [...DEFAULT_RULES, rule(zram(1))]),
      { revoke: true },
    );
    expect(changes).toEqual({
      deny: [{ type: 'b', major: 253, minor: 1 }],
      remove: [given(zram(1))],
      allow: [],
      create: [],
      withheld: [],
    });
  });

  it('never takes back what devbinder did not give', () => {
    const userDevice = zram(7);
    const changes = planChanges(
      [],
      [],
      actual([present(userDevice)], [...DEFAULT_RULES, rule(userDevice)]),
      { revoke: true },
    );
    expect(changes).toEqual({ deny: [], remove: [], allow: [], create: [], withheld: [] });
  });

  it('leaves a given path alone once something else is there', () => {
    const other: NodeState = {
      kind: 'device',
      type: 'c',
      major: 1,
      minor: 3,
      mode: 0o666,
      uid: 0,
      gid: 0,
    };
    const changes = planChanges(
      [],
      [given(zram(1))],
      actual([['/dev/zram1', other]], DEFAULT_RULES),
      {
        revoke: true,
      },
    );
    expect(changes.remove).toEqual([]);
  });

  it('takes nothing back while a selector failed', () => {
    const changes = planChanges(
      [zram(2)],
      [given(zram(1))],
      actual([present(zram(1))], [...DEFAULT_RULES, rule(zram(1))]),
      { revoke: false },
    );
    expect(changes).toEqual({
      deny: [],
      remove: [],
      allow: [{ type: 'b', major: 253, minor: 2 }],
      create: [{ ...zram(2), replace: false }],
      withheld: [],
    });
  });

  it('replaces a node with the wrong numbers, mode or owner, but never a directory', () => {
    const stale: NodeState = { kind: 'device', ...zram(1), minor: 9 };
    const wrongMode: NodeState = { kind: 'device', ...zram(2), mode: 0o600 };
    const changes = planChanges(
      [zram(1), zram(2), zram(3)],
      [],
      actual(
        [
          ['/dev/zram1', stale],
          ['/dev/zram2', wrongMode],
          ['/dev/zram3', { kind: 'directory' }],
        ],
        DEFAULT_RULES,
      ),
      { revoke: true },
    );
    expect(changes.create.map(({ path, replace }) => `${path} ${replace}`)).toEqual([
      '/dev/zram1 true',
      '/dev/zram2 true',
    ]);
  });

  it('writes no rule for a container that may use every device, nor where access is fixed', () => {
    const everything = parseDevicesList('a *:* rwm\n', 'list');
    for (const access of [everything, preauthorized(253)]) {
      const changes = planChanges([zram(1)], [given(zram(4))], actual([present(zram(4))], access), {
        revoke: true,
      });
      expect(changes.allow).toEqual([]);
      expect(changes.deny).toEqual([]);
      expect(changes.create).toHaveLength(1);
      expect(changes.remove).toHaveLength(1);
    }
  });

  it('one rule for a device and its symlink; kept while either is wanted', () => {
    const link = { ...zram(1), path: '/dev/disk/by-id/zram-one' };
    const changes = planChanges(
      [link],
      [given(zram(1)), given(link)],
      actual([present(zram(1)), present(link)], [...DEFAULT_RULES, rule(zram(1))]),
      { revoke: true },
    );
    expect(changes).toEqual({
      deny: [],
      remove: [given(zram(1))],
      allow: [],
      create: [],
      withheld: [],
    });
  });

  it('writes no rule for a device a pre-authorized major already grants, and denies none', () => {
    const wildcard = parseDevicesList('b 253:* rwm\n', 'list');
    expect(
      planChanges([zram(1)], [], actual([], [...DEFAULT_RULES, ...wildcard]), { revoke: true }),
    ).toEqual({
      deny: [],
      remove: [],
      allow: [],
      create: [{ ...zram(1), replace: false }],
      withheld: [],
    });
    expect(
      planChanges(
        [],
        [given(zram(1))],
        actual([present(zram(1))], [...DEFAULT_RULES, ...wildcard]),
        {
          revoke: true,
        },
      ),
    ).toEqual({ deny: [], remove: [given(zram(1))], allow: [], create: [], withheld: [] });
  });

  it('with access fixed at creation, makes only the nodes it grants and withholds the rest', () => {
    const loop0: WantedNode = { ...zram(0), path: '/dev/loop0', major: 7 };
    const changes = planChanges(
      [zram(1), loop0, zram(2)],
      [given(zram(5))],
      actual([present(zram(2)), present(zram(5))], preauthorized(253)),
      { revoke: true },
    );
    expect(changes).toEqual({
      deny: [],
      remove: [given(zram(5))],
      allow: [],
      create: [{ ...zram(1), replace: false }],
      withheld: [loop0],
    });
  });

  it('with access fixed at creation, leaves a present node it does not grant alone', () => {
    const loop0: WantedNode = { ...zram(0), path: '/dev/loop0', major: 7 };
    const changes = planChanges([loop0], [], actual([present(loop0)], preauthorized(253)), {
      revoke: true,
    });
    expect(changes).toEqual({ deny: [], remove: [], allow: [], create: [], withheld: [] });
  });
});
