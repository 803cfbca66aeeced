import { describe, expect, it } from 'vitest';
import {
  addDevices,
  allowMajors,
  ConfigError,
  type DeviceCgroupRule,
  type LinuxDevice,
  parseConfigDocument,
  parseRuntimeConfig,
  readRuntimeConfig,
  refuseToStart,
  rulesAllow,
  serializeConfig,
  uncheckedAnnotations,
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
    ['{"linux":{"devices":{}}}', /stdin: linux\.devices must be an array, got an object/],
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

describe('parseConfigDocument and uncheckedAnnotations', () => {
  it('check only that the text is a JSON object, and read annotation keys whatever the rest holds', () => {
    const document = parseConfigDocument(
      '{"linux":{"devices":"x"},"annotations":{"a":1}}',
      'stdin',
    );
    expect(uncheckedAnnotations(document)).toEqual({ a: expect.anything() });
    expect(() => readRuntimeConfig(document, 'stdin')).toThrow(
      'stdin: annotations["a"] must be a string, got a number',
    );
    expect(uncheckedAnnotations(parseConfigDocument('{"annotations":[1]}'))).toEqual({});
    expect(uncheckedAnnotations(parseConfigDocument('{}'))).toEqual({});
    expect(() => parseConfigDocument('[]', 'stdin')).toThrow(
      'stdin: expected a JSON object, got an array',
    );
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

  it('gives a node and its udev symlink one rule: both are the same device numbers', () => {
    const byId = { ...loop0, path: '/dev/disk/by-id/loop0' };
    const { document, added } = addDevices(parseRuntimeConfig('{}'), [loop0, byId, ttyUSB0]);
    expect(added).toEqual([loop0, byId, ttyUSB0]);
    expect(JSON.parse(serializeConfig(document)).linux.resources.devices).toEqual([
      { allow: true, type: 'b', major: 7, minor: 0, access: 'rwm' },
      { allow: true, type: 'c', major: 188, minor: 0, access: 'rwm' },
    ]);
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

const rulesOf = (document: object) =>
  JSON.parse(serializeConfig(document as Record<string, unknown>)).linux.resources.devices;

describe('allowMajors', () => {
  it('appends one rwm rule per major with the minor left out, and nothing else', () => {
    const config = allowMajors(parseRuntimeConfig(podmanConfig), [
      { type: 'b', major: 253 },
      { type: 'c', major: 188 },
    ]);
    expect(rulesOf(config.document).slice(2)).toEqual([
      { allow: true, type: 'b', major: 253, access: 'rwm' },
      { allow: true, type: 'c', major: 188, access: 'rwm' },
    ]);
    const linux = JSON.parse(serializeConfig(config.document)).linux;
    expect(linux.devices.map((d: { path: string }) => d.path)).toEqual(['/dev/fuse']);
    expect(serializeConfig(config.document)).toContain('"hard":18446744073709551615');
  });

  it('adds no linux.devices to a config that had none', () => {
    const config = allowMajors(parseRuntimeConfig('{}'), [{ type: 'b', major: 253 }]);
    expect(config.document).toEqual({
      linux: { resources: { devices: [{ allow: true, type: 'b', major: 253, access: 'rwm' }] } },
    });
  });

  it('leaves a config alone when its rules already grant the whole major', () => {
    const all = parseRuntimeConfig(
      '{"linux":{"resources":{"devices":[{"allow":true,"access":"rwm"}]}}}',
    );
    expect(allowMajors(all, [{ type: 'b', major: 253 }])).toBe(all);
    const once = allowMajors(parseRuntimeConfig('{}'), [{ type: 'b', major: 253 }]);
    expect(allowMajors(once, [{ type: 'b', major: 253 }])).toBe(once);
  });

  it('is what addDevices builds on: a device of an allowed major gets its node and no rule of its own', () => {
    const zram1: LinuxDevice = { ...loop0, path: '/dev/zram1', major: 253, minor: 1 };
    const config = allowMajors(parseRuntimeConfig(podmanConfig), [{ type: 'b', major: 253 }]);
    const { document, added } = addDevices(config, [zram1, loop0]);
    expect(added).toEqual([zram1, loop0]);
    expect(rulesOf(document).slice(2)).toEqual([
      { allow: true, type: 'b', major: 253, access: 'rwm' },
      { allow: true, type: 'b', major: 7, minor: 0, access: 'rwm' },
    ]);
  });
});

describe('rulesAllow', () => {
  const rule = (text: string): DeviceCgroupRule => {
    const [allow, type, numbers, access] = text.split(' ');
    const [major, minor] = (numbers ?? '')
      .split(':')
      .map((n) => (n === '*' ? undefined : Number(n)));
    return { allow: allow === 'allow', type: type as 'b', major, minor, access };
  };
  const rules = (...texts: string[]) => texts.map(rule);
  const zramMajor = rule('allow b 253:* rwm');
  const zram1 = rule('allow b 253:1 rwm');

  it('grants a whole major only through a rule that covers every minor', () => {
    expect(rulesAllow(rules('deny a *:* rwm', 'allow b 253:* rwm'), zramMajor)).toBe(true);
    expect(rulesAllow(rules('deny a *:* rwm', 'allow a *:* rwm'), zramMajor)).toBe(true);
    expect(rulesAllow(rules('deny a *:* rwm', 'allow b 253:1 rwm'), zramMajor)).toBe(false);
    expect(rulesAllow(rules('allow b 253:* rw'), zramMajor)).toBe(false);
    expect(rulesAllow(rules('allow c 253:* rwm'), zramMajor)).toBe(false);
  });

  it('takes the whole major back when a later rule denies part of it', () => {
    expect(rulesAllow(rules('allow b 253:* rwm', 'deny b 253:4 w'), zramMajor)).toBe(false);
    expect(rulesAllow(rules('allow b 253:* rwm', 'deny b 253:4 w'), zram1)).toBe(true);
    expect(rulesAllow(rules('allow b 253:* rwm', 'deny b 7:0 rwm'), zramMajor)).toBe(true);
  });

  it('reads one device as the runtime does: the last rule naming an access decides it', () => {
    expect(rulesAllow(rules('deny a *:* rwm', 'allow b 253:* rwm'), zram1)).toBe(true);
    expect(rulesAllow(rules('allow b 253:* rwm', 'deny a *:* rwm'), zram1)).toBe(false);
    expect(rulesAllow(rules('deny a *:* rwm', 'allow b 253:2 rwm'), zram1)).toBe(false);
    expect(rulesAllow(rules('deny a *:* rwm', 'allow b 253:1 r', 'allow b 253:* wm'), zram1)).toBe(
      true,
    );
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
