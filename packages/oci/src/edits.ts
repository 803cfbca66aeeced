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

/**
 * Adds device nodes and, for each, an `rwm` allow rule: runtimes never derive cgroup rules from
 * `linux.devices`, and rootful Podman starts the list with deny-all. A path the config already has
 * keeps its entry (the user's `--device` wins); access the rules already grant is not granted again.
 */
export function addDevices(config: RuntimeConfig, devices: readonly LinuxDevice[]): DeviceEdits {
  const added: LinuxDevice[] = [];
  const present: LinuxDevice[] = [];
  const paths = new Set(config.devicePaths);
  const rules = [...config.cgroupRules];
  const newRules: JsonObject[] = [];
  for (const device of devices) {
    if (paths.has(device.path)) {
      present.push(device);
      continue;
    }
    paths.add(device.path);
    added.push(device);
    if (device.type === 'b' || device.type === 'c') {
      const rule: DeviceCgroupRule = {
        allow: true,
        type: device.type,
        major: device.major,
        minor: device.minor,
        access: 'rwm',
      };
      if (!alreadyAllowed(rules, rule)) {
        rules.push(rule);
        newRules.push({
          allow: true,
          type: device.type,
          major: device.major,
          minor: device.minor,
          access: 'rwm',
        });
      }
    }
  }
  if (added.length === 0) return { document: config.document, added, present };

  const linux = isObject(config.document.linux) ? config.document.linux : {};
  const resources = isObject(linux.resources) ? linux.resources : {};
  const existingDevices = Array.isArray(linux.devices) ? linux.devices : [];
  const existingRules = Array.isArray(resources.devices) ? resources.devices : [];
  const document: JsonObject = {
    ...config.document,
    linux: {
      ...linux,
      devices: [...existingDevices, ...added.map(toSpecDevice)],
      resources: { ...resources, devices: [...existingRules, ...newRules] },
    },
  };
  return { document, added, present };
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

/**
 * Whether the rules, applied in order as runtimes do (a later rule overrides an earlier one for
 * the accesses it names), already grant every access in `wanted`.
 */
function alreadyAllowed(rules: readonly DeviceCgroupRule[], wanted: DeviceCgroupRule): boolean {
  const granted = new Map<string, boolean>();
  for (const rule of rules) {
    const matches =
      (rule.type === undefined || rule.type === 'a' || rule.type === wanted.type) &&
      (rule.major === undefined || rule.major === wanted.major) &&
      (rule.minor === undefined || rule.minor === wanted.minor);
    if (!matches) continue;
    for (const access of rule.access ?? 'rwm') granted.set(access, rule.allow);
  }
  return [...(wanted.access ?? 'rwm')].every((access) => granted.get(access) === true);
}
