import type { LinuxDevice } from '@devbinder/oci';
import { fixtureDatabase as database } from '@devbinder/udev/fixtures';
import { describe, expect, it } from 'vitest';
import {
  type BindDependencies,
  bindDevices,
  decideBinding,
  type SelectorRunner,
  type StatNode,
} from '../src/index.js';

const db = database({
  '/devices/virtual/block/loop0': {
    subsystem: 'block',
    devnode: '/dev/loop0',
    devnum: { type: 'b', major: 7, minor: 0 },
    symlinks: ['/dev/disk/by-id/loop-a'],
  },
  '/devices/virtual/block/loop1': {
    subsystem: 'block',
    devnode: '/dev/loop1',
    devnum: { type: 'b', major: 7, minor: 1 },
  },
  '/devices/usb1/1-1': { subsystem: 'usb' },
});

/** Selectors by name: each returns the devpaths it picks, or throws. */
function runner(behaviour: Record<string, (argument: string) => string[]>): SelectorRunner {
  return {
    async select(selector, argument, database) {
      const pick = behaviour[selector];
      if (!pick) throw new Error(`plugin "${selector}": no such selector plugin`);
      return pick(argument).map((devpath) => {
        const device = database.get(devpath);
        if (!device) throw new Error(`fixture has no ${devpath}`);
        return { device, reason: `${selector} chose it` };
      });
    },
  };
}

const statFromRecord: StatNode = (device, _devnode, path) =>
  device.devnum && { path, ...device.devnum, fileMode: 0o660, uid: 0, gid: 6 };

function deps(overrides: Partial<BindDependencies> = {}): BindDependencies {
  return {
    readDatabase: () => db,
    runner: runner({
      disks: (argument) => argument.split(',').map((name) => `/devices/virtual/block/${name}`),
      nothing: () => [],
    }),
    stat: statFromRecord,
    ...overrides,
  };
}

const config = (annotations: Record<string, string>) =>
  JSON.stringify({ ociVersion: '1.0.2', annotations, linux: {} });

describe('bindDevices', () => {
  it('passes a config without selector annotations through byte for byte, without reading udev', async () => {
    const input =
      '{ "ociVersion": "1.0.2",\n  "annotations": {"io.dev-binder.policy": "required"} }';
    const result = await bindDevices(
      input,
      deps({
        readDatabase: () => {
          throw new Error('must not read udev');
        },
      }),
    );
    expect(result).toEqual({ output: input, binding: undefined });
  });

  it('decides from the annotations first: a config it has nothing to do for comes back whatever it holds', async () => {
    const untouched = deps({
      readDatabase: () => {
        throw new Error('must not read udev');
      },
    });
    for (const input of [
      '{"linux":{"devices":"x"}}',
      '{"annotations":5,"linux":{"resources":{"devices":[{"allow":"yes"}]}}}',
      '{"annotations":{"io.dev-binder.udev.Seat":"seat1","io.dev-binder.policy":"requird","n":1}}',
    ]) {
      expect((await bindDevices(input, untouched)).output).toBe(input);
    }
  });

  it('checks the whole config once the annotations ask for devices, and any text is a JSON object', async () => {
    await expect(
      bindDevices(
        '{"annotations":{"io.dev-binder.udev.disks":"loop0"},"linux":{"devices":"x"}}',
        deps(),
      ),
    ).rejects.toThrow('config on stdin: linux.devices must be an array, got a string');
    await expect(bindDevices('[]', deps())).rejects.toThrow(
      'config on stdin: expected a JSON object, got an array',
    );
  });

  it('unions what several annotations select, once per device, with every reason', async () => {
    const { output, binding } = await bindDevices(
      config({
        'io.dev-binder.udev.disks': 'loop0',
        'io.dev-binder.udev.disks.more': 'loop0,loop1',
      }),
      deps(),
    );
    const linux = JSON.parse(output).linux;
    expect(linux.devices.map((device: LinuxDevice) => device.path)).toEqual([
      '/dev/loop0',
      '/dev/loop1',
    ]);
    expect(linux.resources.devices).toHaveLength(2);
    expect(binding?.selection.devices[0]?.selectedBy.map(({ annotation }) => annotation)).toEqual([
      'io.dev-binder.udev.disks',
      'io.dev-binder.udev.disks.more',
    ]);
  });

  it('adds udev symlinks as nodes of the same device on request', async () => {
    const { output } = await bindDevices(
      config({ 'io.dev-binder.udev.disks': 'loop0', 'io.dev-binder.symlinks': 'true' }),
      deps(),
    );
    expect(JSON.parse(output).linux.devices).toEqual([
      { path: '/dev/loop0', type: 'b', major: 7, minor: 0, fileMode: 0o660, uid: 0, gid: 6 },
      {
        path: '/dev/disk/by-id/loop-a',
        type: 'b',
        major: 7,
        minor: 0,
        fileMode: 0o660,
        uid: 0,
        gid: 6,
      },
    ]);
  });

  it('under best-effort keeps what other selectors found when one fails', async () => {
    const { output, binding } = await bindDevices(
      config({ 'io.dev-binder.udev.disks': 'loop1', 'io.dev-binder.udev.nope': 'x' }),
      deps(),
    );
    expect(JSON.parse(output).linux.devices.map((device: LinuxDevice) => device.path)).toEqual([
      '/dev/loop1',
    ]);
    expect(binding?.selection.problems).toEqual([
      { annotation: 'io.dev-binder.udev.nope', message: 'plugin "nope": no such selector plugin' },
    ]);
  });

  it('under required refuses for a failing selector: the command becomes the reason, no device is added', async () => {
    const input = config({
      'io.dev-binder.udev.disks': 'loop1',
      'io.dev-binder.udev.nope': 'x',
      'io.dev-binder.policy': 'required',
    });
    const { output, refusal } = await bindDevices(input, deps());
    expect(refusal).toBe(
      'devbinder refused to start this container: io.dev-binder.udev.nope: plugin "nope": no such selector plugin',
    );
    expect(JSON.parse(output)).toEqual({ ...JSON.parse(input), process: { args: [refusal] } });
  });

  it('under required refuses an empty result, and best-effort starts without devices', async () => {
    const refused = await bindDevices(
      config({ 'io.dev-binder.udev.nothing': 'seat9', 'io.dev-binder.policy': 'required' }),
      deps(),
    );
    expect(refused.refusal).toBe(
      'devbinder refused to start this container: io.dev-binder.udev.nothing: selected no devices for "seat9", but io.dev-binder.policy=required expects at least one',
    );
    const { output } = await bindDevices(config({ 'io.dev-binder.udev.nothing': 'seat9' }), deps());
    expect(JSON.parse(output).linux).toEqual({});
  });

  it('skips a device whose node vanished, or now has other numbers, and keeps the rest', async () => {
    const stat: StatNode = (device, devnode, path) => {
      if (devnode === '/dev/loop0') return undefined;
      return (
        statFromRecord(device, devnode, path) && {
          path,
          type: 'b',
          major: 7,
          minor: 9,
          fileMode: 0o660,
          uid: 0,
          gid: 0,
        }
      );
    };
    const { output, binding } = await bindDevices(
      config({ 'io.dev-binder.udev.disks': 'loop0,loop1' }),
      deps({ stat }),
    );
    expect(JSON.parse(output).linux.devices ?? []).toEqual([]);
    expect(binding?.plan.skipped.map(({ reason }) => reason)).toEqual([
      '/dev/loop0 is gone (device removed while the hook ran)',
      '/dev/loop1 is b 7:9 now, not b 7:1 as udev recorded',
    ]);
  });

  it('allows each io.dev-binder.hotplug.majors major whole, so its devices need no rule of their own', async () => {
    const { output } = await bindDevices(
      config({
        'io.dev-binder.udev.disks': 'loop0',
        'io.dev-binder.hotplug.majors': 'b:7;c:188',
      }),
      deps(),
    );
    const linux = JSON.parse(output).linux;
    expect(linux.devices.map((device: LinuxDevice) => device.path)).toEqual(['/dev/loop0']);
    expect(linux.resources.devices).toEqual([
      { allow: true, type: 'b', major: 7, access: 'rwm' },
      { allow: true, type: 'c', major: 188, access: 'rwm' },
    ]);
  });

  it('allows the majors even when nothing is selected yet: devices may come later', async () => {
    const { output } = await bindDevices(
      config({ 'io.dev-binder.udev.nothing': 'x', 'io.dev-binder.hotplug.majors': 'b:253' }),
      deps(),
    );
    expect(JSON.parse(output).linux).toEqual({
      resources: { devices: [{ allow: true, type: 'b', major: 253, access: 'rwm' }] },
    });
  });

  it('never allows a whole major unasked, nor from a malformed list', async () => {
    const plain = await bindDevices(config({ 'io.dev-binder.udev.disks': 'loop0' }), deps());
    expect(JSON.parse(plain.output).linux.resources.devices).toEqual([
      { allow: true, type: 'b', major: 7, minor: 0, access: 'rwm' },
    ]);
    const malformed = await bindDevices(
      config({
        'io.dev-binder.udev.disks': 'loop0',
        'io.dev-binder.hotplug.majors': 'b:7,block:8',
      }),
      deps(),
    );
    expect(JSON.parse(malformed.output).linux.resources.devices).toEqual([
      { allow: true, type: 'b', major: 7, minor: 0, access: 'rwm' },
    ]);
    expect(malformed.binding?.selection.problems.map(({ annotation }) => annotation)).toEqual([
      'io.dev-binder.hotplug.majors',
    ]);
    const required = await bindDevices(
      config({
        'io.dev-binder.udev.disks': 'loop0',
        'io.dev-binder.hotplug.majors': 'b:7,block:8',
        'io.dev-binder.policy': 'required',
      }),
      deps(),
    );
    expect(required.refusal).toMatch(
      /^devbinder refused to start this container: io\.dev-binder\.hotplug\.majors: expected b:<major>/,
    );
  });

  it('tells the runner which plugins to load before reading the database', async () => {
    const order: string[] = [];
    await decideBinding(
      { 'io.dev-binder.udev.disks': 'loop0', 'io.dev-binder.udev.disks.b': 'loop1' },
      deps({
        warm: (requests) =>
          order.push(`warm ${requests.map(({ selector }) => selector).join(',')}`),
        readDatabase: () => {
          order.push('read');
          return db;
        },
      }),
    );
    expect(order).toEqual(['warm disks,disks', 'read']);
  });

  it('reports devices chosen without a node separately', async () => {
    const binding = await decideBinding(
      { 'io.dev-binder.udev.usb': 'x' },
      deps({ runner: runner({ usb: () => ['/devices/usb1/1-1'] }) }),
    );
    expect(binding.selection.devices).toEqual([]);
    expect(binding.selection.withoutNode.map(({ device }) => device.devpath)).toEqual([
      '/devices/usb1/1-1',
    ]);
  });
});
