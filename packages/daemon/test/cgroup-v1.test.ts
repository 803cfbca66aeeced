import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  allowsEverything,
  DevicesCgroupV1,
  grants,
  hasExactRule,
  parseDevicesHierarchy,
  parseDevicesList,
  parseProcCgroup,
} from '../src/cgroup-v1.js';

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

const ID = '8a44bba1a025ae54915bb0d4702357916c1b1d6de1ee6d0376a0c3f1a90f1d28';
/** A rootful Podman container's devices.list on the CI VM (runc, cgroupfs, cgroup v1). */
const podmanDefault = parseDevicesList(fixture('devices-list-podman-default.txt'), 'list');
/** The same for `podman run --privileged`. */
const privileged = parseDevicesList(fixture('devices-list-privileged.txt'), 'list');

const zram1 = { type: 'b', major: 253, minor: 1 } as const;

describe('parseProcCgroup', () => {
  it('finds the devices and unified paths of a container process (hybrid v1, recorded)', () => {
    expect(parseProcCgroup(fixture('proc-pid-cgroup-v1-hybrid.txt'), '/proc/1/cgroup')).toEqual({
      devices: `/libpod_parent/libpod-${ID}`,
      unified: `/libpod_parent/libpod-${ID}`,
    });
  });

  it('finds only the unified path on cgroup v2 (the format the kernel documents)', () => {
    expect(parseProcCgroup('0::/machine.slice/libpod-abc.scope/container\n', 'x')).toEqual({
      devices: undefined,
      unified: '/machine.slice/libpod-abc.scope/container',
    });
  });

  it('finds devices among co-mounted controllers', () => {
    expect(parseProcCgroup('3:cpu,devices:/a\n', 'x').devices).toBe('/a');
  });

  it('names a malformed line', () => {
    expect(() => parseProcCgroup('5:devices\n', '/proc/9/cgroup')).toThrow(
      '/proc/9/cgroup:1: expected ID:CONTROLLERS:PATH, got 5:devices',
    );
  });
});

describe('parseDevicesList', () => {
  it('reads a recorded list, wildcards included', () => {
    expect(podmanDefault.slice(0, 3)).toEqual([
      { type: 'b', major: undefined, minor: undefined, access: 'm' },
      { type: 'c', major: undefined, minor: undefined, access: 'm' },
      { type: 'c', major: 1, minor: 3, access: 'rwm' },
    ]);
    expect(podmanDefault).toContainEqual({
      type: 'c',
      major: 136,
      minor: undefined,
      access: 'rwm',
    });
    expect(podmanDefault).toHaveLength(11);
  });

  it('names a malformed line', () => {
    expect(() => parseDevicesList('b 1:2 rwm\nx 1:2\n', 'devices.list')).toThrow(
      'devices.list:2: expected "TYPE MAJOR:MINOR ACCESS", got x 1:2',
    );
  });
});

describe('rules', () => {
  it('a default container may only mknod a zram device, not use it', () => {
    expect(grants(podmanDefault, zram1, 'm')).toBe(true);
    expect(grants(podmanDefault, zram1)).toBe(false);
    expect(grants(podmanDefault, { type: 'c', major: 1, minor: 3 })).toBe(true);
    expect(grants(podmanDefault, { type: 'c', major: 136, minor: 9 })).toBe(true);
  });

  it('grants only when one rule covers the whole access', () => {
    const split = [
      { type: 'b', major: 253, minor: 1, access: 'r' },
      { type: 'b', major: 253, minor: undefined, access: 'w' },
    ] as const;
    expect(grants(split, zram1, 'r')).toBe(true);
    expect(grants(split, zram1, 'rw')).toBe(false);
  });

  it('tells an exact rule from a wildcard that covers the device', () => {
    expect(hasExactRule(podmanDefault, zram1)).toBe(false);
    expect(hasExactRule([...podmanDefault, { ...zram1, access: 'rwm' }], zram1)).toBe(true);
    expect(hasExactRule(podmanDefault, { type: 'c', major: 136, minor: 0 })).toBe(false);
  });

  it('knows a privileged container allows everything', () => {
    expect(allowsEverything(privileged)).toBe(true);
    expect(allowsEverything(podmanDefault)).toBe(false);
    expect(grants(privileged, zram1)).toBe(true);
  });
});

describe('the devices hierarchy as mounted here', () => {
  it('finds the v1 devices mount in a recorded mountinfo (this CI machine)', () => {
    const mountinfo = readFileSync(
      new URL('./fixtures/mountinfo-v1-hybrid.txt', import.meta.url),
      'utf8',
    );
    expect(parseDevicesHierarchy(mountinfo)).toEqual({
      root: '/',
      mountPoint: '/sys/fs/cgroup/devices',
    });
  });

  it('finds none on a pure cgroup v2 host', () => {
    const v2 =
      '28 23 0:25 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n';
    expect(parseDevicesHierarchy(v2)).toBeUndefined();
  });

  it('cuts the mount root off a container path: a daemon in a container sees a subtree', () => {
    const inContainer =
      '611 600 0:33 /machine/lab\\040host /sys/fs/cgroup/devices ro,nosuid - cgroup cgroup rw,devices\n';
    const hierarchy = parseDevicesHierarchy(inContainer);
    expect(hierarchy).toEqual({ root: '/machine/lab host', mountPoint: '/sys/fs/cgroup/devices' });
    if (!hierarchy) throw new Error('unreachable');
    expect(DevicesCgroupV1.at(hierarchy, '/machine/lab host/libpod_parent/libpod-abc').dir).toBe(
      '/sys/fs/cgroup/devices/libpod_parent/libpod-abc',
    );
    expect(() => DevicesCgroupV1.at(hierarchy, '/other/libpod-abc')).toThrow(
      'cgroup /other/libpod-abc is outside the devices hierarchy mounted at /sys/fs/cgroup/devices (rooted at /machine/lab host)',
    );
    expect(DevicesCgroupV1.at({ root: '/', mountPoint: '/m' }, '/libpod_parent/x').dir).toBe(
      '/m/libpod_parent/x',
    );
  });
});
