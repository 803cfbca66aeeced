import {
  type DeviceCgroupRule,
  isObject,
  type JsonObject,
  type LinuxDevice,
  type RuntimeConfig,
} from './config.js';

export interface DeviceEdits {
  /** The new document; the input config is not modified. */
  document: JsonObject;
  /** Devices added to `linux.devices`. */
  added: LinuxDevice[];
  /** Devices left alone because the config already had their path. */
  present: LinuxDevice[];
}

/** Every device of one type and major, whatever its minor (zram is `b` 253). */
export interface DeviceMajor {
  type: 'b' | 'c';
  major: number;
}

/**
 * Adds device nodes and, for each, an `rwm` allow rule: runtimes never derive cgroup rules from
 * `linux.devices`, and rootful Podman starts the list with deny-all. A path the config already has
 * keeps its entry (the user's `--device` wins); access the rules already grant is not granted again.
 */
export function addDevices(config: RuntimeConfig, devices: readonly LinuxDevice[]): DeviceEdits {
  const added: LinuxDevice[] = [];
  const present: LinuxDevice[] = [];
  const paths = new Set(config.devicePaths);
  const newRules: DeviceCgroupRule[] = [];
  // The rules added here each allow one device whole and come after the config's own, so a device
  // is granted by them exactly when one names its numbers: one lookup instead of a scan of them all
  // (a seat of a thousand nodes would make that quadratic).
  const numbersAllowed = new Set<string>();
  for (const device of devices) {
    if (paths.has(device.path)) {
      present.push(device);
      continue;
    }
    paths.add(device.path);
    added.push(device);
    if (device.type === 'b' || device.type === 'c') {
      const numbers = `${device.type} ${device.major}:${device.minor}`;
      if (numbersAllowed.has(numbers)) continue;
      const rule: DeviceCgroupRule = {
        allow: true,
        type: device.type,
        major: device.major,
        minor: device.minor,
        access: 'rwm',
      };
      numbersAllowed.add(numbers);
      if (!rulesAllow(config.cgroupRules, rule)) newRules.push(rule);
    }
  }
  if (added.length === 0) return { document: config.document, added, present };
  return { document: appendToLinux(config.document, added, newRules), added, present };
}

/**
 * Allows every device of each major, present or future: one `rwm` rule per major with the minor
 * left out (the spec's "all minors"; runc writes it to a v1 cgroup as `b 253:* rwm`, runc and crun
 * compile it into the v2 device program). A major the rules already grant whole gets no rule.
 * Returns the config the next edit starts from, so `addDevices` then adds no rule for a device
 * whose major is already allowed.
 */
export function allowMajors(config: RuntimeConfig, majors: readonly DeviceMajor[]): RuntimeConfig {
  const rules = [...config.cgroupRules];
  const newRules: DeviceCgroupRule[] = [];
  for (const { type, major } of majors) {
    const rule: DeviceCgroupRule = { allow: true, type, major, minor: undefined, access: 'rwm' };
    if (rulesAllow(rules, rule)) continue;
    rules.push(rule);
    newRules.push(rule);
  }
  if (newRules.length === 0) return config;
  return {
    ...config,
    document: appendToLinux(config.document, [], newRules),
    cgroupRules: rules,
  };
}

/**
 * Whether the rules, applied in order as runtimes do (a later rule overrides an earlier one for
 * the accesses it names), grant every access in `wanted` to every device it names (an undefined
 * major or minor: all of them). A deny of part of those devices takes the whole grant back, and an
 * allow of only part does not give it: when unsure this says no, so an edit may add a rule that was
 * not needed but never misses one.
 */
export function rulesAllow(rules: readonly DeviceCgroupRule[], wanted: DeviceCgroupRule): boolean {
  const granted = new Map<string, boolean>();
  for (const rule of rules) {
    const covers =
      (rule.type === undefined || rule.type === 'a' || rule.type === wanted.type) &&
      (rule.major === undefined || rule.major === wanted.major) &&
      (rule.minor === undefined || rule.minor === wanted.minor);
    const overlaps =
      (rule.type === undefined ||
        rule.type === 'a' ||
        wanted.type === undefined ||
        wanted.type === 'a' ||
        rule.type === wanted.type) &&
      (rule.major === undefined || wanted.major === undefined || rule.major === wanted.major) &&
      (rule.minor === undefined || wanted.minor === undefined || rule.minor === wanted.minor);
    if (!overlaps || (!covers && rule.allow)) continue;
    for (const access of rule.access ?? 'rwm') granted.set(access, covers && rule.allow);
  }
  return [...(wanted.access ?? 'rwm')].every((access) => granted.get(access) === true);
}

function appendToLinux(
  document: JsonObject,
  devices: readonly LinuxDevice[],
  rules: readonly DeviceCgroupRule[],
): JsonObject {
  const linux = isObject(document.linux) ? document.linux : {};
  const resources = isObject(linux.resources) ? linux.resources : {};
  const existingDevices = Array.isArray(linux.devices) ? linux.devices : [];
  const existingRules = Array.isArray(resources.devices) ? resources.devices : [];
  return {
    ...document,
    linux: {
      ...linux,
      ...(devices.length === 0
        ? {}
        : { devices: [...existingDevices, ...devices.map(toSpecDevice)] }),
      resources: { ...resources, devices: [...existingRules, ...rules.map(toSpecRule)] },
    },
  };
}

function toSpecDevice(device: LinuxDevice): JsonObject {
  return {
    path: device.path,
    type: device.type,
    major: device.major,
    minor: device.minor,
    fileMode: device.fileMode & 0o7777,
    uid: device.uid,
    gid: device.gid,
  };
}

/** A rule as the spec writes it: a wildcard number is left out. */
function toSpecRule({ allow, type, major, minor, access }: DeviceCgroupRule): JsonObject {
  return {
    allow,
    type,
    ...(major === undefined ? {} : { major }),
    ...(minor === undefined ? {} : { minor }),
    access,
  };
}
