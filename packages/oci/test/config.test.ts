import { describe, expect, it } from 'vitest';
import {
  addDevices,
  ConfigError,
  type LinuxDevice,
  parseRuntimeConfig,
  refuseToStart,
  serializeConfig,
} from '../src/index.js';

const loop0: LinuxDevice = {
  path: '/dev/loop0',
  type: 'b',
  major: 7,
  minor: 0,
  fileMode: 0o660,
  uid: 0,
  gid: 6,
};
const ttyUSB0: LinuxDevice = {
  path: '/dev/ttyUSB0',
  type: 'c',
  major: 188,
  minor: 0,
  fileMode: 0o660,
  uid: 0,
  gid: 20,
};

/** A trimmed config as Podman 4.3 writes it, with an rlimit of 2^64-1 (`--ulimit core=-1`). */
const podmanConfig = JSON.stringify(
  {
    ociVersion: '1.0.2-dev',
    process: {
      args: ['sh'],
      rlimits: [{ type: 'RLIMIT_CORE', hard: 18446744073709551615n, soft: 18446744073709551615n }],
    },
    annotations: { 'io.dev-binder.udev.seat': 'seat1', 'io.container.manager': 'libpod' },
    linux: {
      devices: [
        { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 438, uid: 0, gid: 0 },
      ],
      resources: {
        devices: [
          { allow: false, access: 'rwm' },
          { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' },
        ],
      },
      namespaces: [{ type: 'mount' }],
    },
  },
  (_key, value) => (typeof value === 'bigint' ? `@@${value}@@` : value),
).replace(/"@@(\d+)@@"/g, '$1');

describe('parseRuntimeConfig', () => {
  it('reads annotations, device paths and cgroup rules', () => {
    const config = parseRuntimeConfig(podmanConfig);
    expect(config.annotations).toEqual({
      'io.dev-binder.udev.seat': 'seat1',
      'io.container.manager': 'libpod',
    });
    expect([...config.devicePaths]).toEqual(['/dev/fuse']);
    expect(config.cgroupRules).toEqual([
      { allow: false, type: undefined, major: undefined, minor: undefined, access: 'rwm' },
      { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' },
    ]);
  });

  it.each([
    ['{', /stdin: not valid JSON/],
    ['[1,2]', /stdin: expected a JSON object, got an array/],
    ['"text"', /stdin: expected a JSON object, got a string/],
    ['{"annotations":{"a":1}}', /stdin: annotations\["a"\] must be a string, got a number/],
    ['{"annotations":[]}', /stdin: annotations must be an object/],
    ['{"linux":{"devices":{}}}', /stdin: linux\.devices must be an array, got a object/],
    [
      '{"linux":{"devices":[{"type":"c"}]}}',
      /stdin: linux\.devices\[0\] must be an object with a string "path"/,
    ],
    [
      '{"linux":{"resources":{"devices":[{"allow":"yes"}]}}}',
      /stdin: linux\.resources\.devices\[0\] must be an object with a boolean "allow"/,
    ],
    [
      '{"linux":{"resources":{"devices":[{"allow":true,"major":1.5}]}}}',
      /linux\.resources\.devices\[0\]\.major must be an integer/,
    ],
  ])('rejects %s naming where it is wrong', (text, message) => {
    expect(() => parseRuntimeConfig(text, 'stdin')).toThrow(ConfigError);
    expect(() => parseRuntimeConfig(text, 'stdin')).toThrow(message);
  });

  it('treats a -1 major or minor as the wildcard runtimes read it as', () => {
    const config = parseRuntimeConfig(
      '{"linux":{"resources":{"devices":[{"allow":true,"type":"b","major":-1,"minor":-1,"access":"r"}]}}}',
    );
    expect(config.cgroupRules[0]).toMatchObject({ major: undefined, minor: undefined });
  });
});

describe('addDevices', () => {
  it('appends nodes and rwm allow rules after what the config already has', () => {
    const config = parseRuntimeConfig(podmanConfig);
    const { document, added, present } = addDevices(config, [loop0, ttyUSB0]);
    expect(added).toEqual([loop0, ttyUSB0]);
    expect(present).toEqual([]);
    const linux = JSON.parse(serializeConfig(document)).linux;
    expect(linux.devices.map((d: { path: string }) => d.path)).toEqual([
      '/dev/fuse',
      '/dev/loop0',
      '/dev/ttyUSB0',
    ]);
    expect(linux.devices[1]).toEqual({
      path: '/dev/loop0',
      type: 'b',
      major: 7,
      minor: 0,
      fileMode: 0o660,
      uid: 0,
      gid: 6,
    });
    expect(linux.resources.devices.slice(2)).toEqual([
      { allow: true, type: 'b', major: 7, minor: 0, access: 'rwm' },
      { allow: true, type: 'c', major: 188, minor: 0, access: 'rwm' },
    ]);
    expect(linux.namespaces).toEqual([{ type: 'mount' }]);
  });

  it('keeps every untouched field byte for byte, including uint64 rlimits', () => {
    const { document } = addDevices(parseRuntimeConfig(podmanConfig), [loop0]);
    const text = serializeConfig(document);
    expect(text).toContain('"hard":18446744073709551615');
    expect(text).toContain('"ociVersion":"1.0.2-dev"');
  });

  it('leaves a path the config already has alone and adds no duplicate rule', () => {
    const fuse: LinuxDevice = {
      path: '/dev/fuse',
      type: 'c',
      major: 10,
      minor: 229,
      fileMode: 0o666,
      uid: 0,
      gid: 0,
    };
    const config = parseRuntimeConfig(podmanConfig);
    const edits = addDevices(config, [fuse]);
    expect(edits.present).toEqual([fuse]);
    expect(edits.added).toEqual([]);
    expect(edits.document).toBe(config.document);
  });

  it('adds each path once when selectors overlap', () => {
    const { document, added } = addDevices(parseRuntimeConfig('{}'), [loop0, loop0]);
    expect(added).toEqual([loop0]);
    expect(JSON.parse(serializeConfig(document)).linux.resources.devices).toHaveLength(1);
  });

  it('reuses an existing grant but not one that a later deny revoked', () => {
    const granted = parseRuntimeConfig(
      '{"linux":{"resources":{"devices":[{"allow":true,"type":"b","access":"rwm"}]}}}',
    );
    expect(
      JSON.parse(serializeConfig(addDevices(granted, [loop0]).document)).linux.resources.devices,
    ).toHaveLength(1);
    const revoked = parseRuntimeConfig(
      '{"linux":{"resources":{"devices":[{"allow":true,"type":"b","access":"rwm"},{"allow":false,"type":"b","major":7,"access":"w"}]}}}',
    );
    expect(
      JSON.parse(serializeConfig(addDevices(revoked, [loop0]).document)).linux.resources.devices,
    ).toHaveLength(3);
  });

  it('strips file-type bits from fileMode', () => {
    const { document } = addDevices(parseRuntimeConfig('{}'), [{ ...loop0, fileMode: 0o60660 }]);
    expect(JSON.parse(serializeConfig(document)).linux.devices[0].fileMode).toBe(0o660);
  });
});

describe('refuseToStart', () => {
  it('replaces only the command, so the runtime prints the message when it cannot exec it', () => {
    const config = parseRuntimeConfig(podmanConfig);
    const text = serializeConfig(refuseToStart(config, 'devbinder refused: no devices'));
    const document = JSON.parse(text);
    expect(document.process.args).toEqual(['devbinder refused: no devices']);
    expect(document.linux.devices).toEqual([
      { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 438, uid: 0, gid: 0 },
    ]);
    expect(text).toContain('"hard":18446744073709551615');
  });
});
